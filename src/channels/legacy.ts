import { parseAddressList } from '../core/address.ts'
import type { OutboxRow } from '../core/types.ts'
import {
  type Channel,
  type ChannelContext,
  idempotentPostChannel,
  ProviderError,
  retryAfterMs,
  type SentMessage,
} from './channel.ts'
import { isFailure, postJson, readJson } from './smtp.ts'

/**
 * Legacy servers: the old shared sending servers, offered only to accounts the admin flags as
 * legacy (channelForSend refuses them otherwise). Shared IPs, no DKIM, not in the rep's SPF, so
 * deliverability is lower; the options page says so.
 *
 * The endpoint is whatever the admin configures (`legacyEndpoint`); it speaks this JSON contract:
 *
 *   POST <legacyEndpoint>
 *   Authorization: Bearer <legacyToken>        (only when a token is configured)
 *   Content-Type: application/json
 *   X-Dispatch-Id: <outbox id>
 *   { "id": "<outbox id>", "from": { "name": "Ana", "address": "ana@acme.example" },
 *     "to": ["p@example.org"], "cc": [], "bcc": [], "subject": "…", "html": "…", "text": "…",
 *     "headers": { "X-Dispatch-Id": "<outbox id>" }, "inReplyTo": "<…>", "references": ["<…>"] }
 *
 *   → { "ok": true, "messageId": "<…>" }        (messageId optional)
 *   → { "ok": false, "error": { "code": "…", "message": "…", "retryable": true|false } }
 *
 * - `headers` go onto the message as they are: every message carries our X-Dispatch-Id, which is
 *   how bounces are matched back to it.
 * - Idempotent on `id`: an id the endpoint has already answered gets that first answer again and
 *   nothing is sent. Dispatch relies on it: after a lost answer it posts the same id again.
 * - 401/403 (or error code `unauthorized`): the token is wrong — sends wait for a new one.
 *   429 or 503 with Retry-After: come back later. Other 5xx: retried with the same id.
 */

export interface LegacyEndpoint {
  url: string
  token?: string
}

export type LegacyEndpointSource = () => Promise<LegacyEndpoint | null>

export interface LegacySendRequest {
  id: string
  from: { name: string; address: string }
  to: string[]
  cc: string[]
  bcc: string[]
  subject: string
  html?: string
  text?: string
  headers: Record<string, string>
  inReplyTo?: string
  references?: string[]
}

export function legacySendRequest(row: OutboxRow, from: ChannelContext['from']): LegacySendRequest {
  const m = row.message
  // The configured From may be written "Name <address>"; the contract wants the parts.
  const parsed = parseAddressList(from.address)[0]
  return {
    id: row.id,
    from: { name: from.name || parsed?.name || '', address: parsed?.address || from.address },
    to: m.to,
    cc: m.cc,
    bcc: m.bcc,
    subject: m.subject,
    ...(m.html ? { html: m.html } : {}),
    ...(m.text || !m.html ? { text: m.text } : {}),
    headers: { 'X-Dispatch-Id': row.id, ...(row.campaignId ? { 'X-Dispatch-Campaign': row.campaignId } : {}) },
    ...(m.inReplyTo ? { inReplyTo: m.inReplyTo } : {}),
    ...(m.references?.length ? { references: m.references } : {}),
  }
}

async function postLegacy(
  endpoint: LegacyEndpointSource,
  row: OutboxRow,
  ctx: ChannelContext,
  fetchImpl: typeof fetch,
): Promise<SentMessage> {
  const legacy = await endpoint()
  if (!legacy?.url || !ctx.from.address) {
    throw new ProviderError('channel_not_configured', 'Legacy servers are not set up', { kind: 'auth' }, ['legacy'])
  }
  const res = await postJson(fetchImpl, legacy.url.trim(), legacy.token ?? '', legacySendRequest(row, ctx.from), {
    'X-Dispatch-Id': row.id,
  })
  const body = (await readJson(res)) as { ok?: unknown; messageId?: unknown } | null
  const wait = retryAfterMs(res.headers.get('Retry-After'))
  if (res.ok && body?.ok === true) {
    const messageId = typeof body.messageId === 'string' && body.messageId ? body.messageId : undefined
    return { providerMessageId: messageId ?? `legacy:${row.id}`, messageId }
  }
  const error = isFailure(body) ? body.error : null
  const message = error ? `${error.code}: ${error.message}` : `HTTP ${res.status} from the legacy endpoint`
  if (res.status === 401 || res.status === 403 || error?.code === 'unauthorized') {
    throw new ProviderError('legacy_token_rejected', message, { kind: 'auth' })
  }
  if (res.status === 429) throw new ProviderError('rate_limited', message, { kind: 'rate', retryAfterMs: wait })
  if (error?.retryable || res.status === 503) {
    throw new ProviderError('provider_error', message, { kind: 'transient', retryAfterMs: wait, maybeSent: false })
  }
  if (res.status >= 500 && !error) {
    throw new ProviderError('provider_error', message, { kind: 'transient', retryAfterMs: wait, maybeSent: true })
  }
  throw new ProviderError('provider_rejected', message, { kind: 'permanent' }, [error?.message ?? message])
}

export function createLegacyChannel(
  endpoint: LegacyEndpointSource,
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): Channel {
  return idempotentPostChannel('legacy', (row, ctx) => postLegacy(endpoint, row, ctx, fetchImpl))
}
