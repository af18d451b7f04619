import type {
  RelayError,
  RelaySendReply,
  RelaySendRequest,
  RelayVerifyReply,
  RelayVerifyRequest,
} from '../../relay/protocol.ts'
import { DispatchError } from '../core/errors.ts'
import type { OutboxRow } from '../core/types.ts'
import {
  type Channel,
  type ChannelContext,
  idempotentPostChannel,
  ProviderError,
  retryAfterMs,
  type SentMessage,
} from './channel.ts'

/**
 * Custom SMTP: each message is posted to the team's relay (relay/, protocol in relay/protocol.ts),
 * which sends it through the team's SMTP provider with nodemailer, DKIM-signed.
 *
 * Exactly once rests on the relay's idempotency: the outbox id is the request's `id` (and its
 * `X-Dispatch-Id`), and the relay answers a repeated id with its first answer without sending
 * again — also when the first request is still queued or sending. So after a lost answer, finding
 * out whether the row was sent *is* posting it again (`findSent`): a replay returns the earlier
 * result, and if the relay never got the first request it sends now, once.
 *
 * `delivery_unknown` is the relay's word for "I died while the SMTP server had this message": the
 * relay will never send that id again, and the message most likely went out. Dispatch counts it as
 * sent rather than failing it: a failed row invites a Resend, and the only way to make a Resend go
 * out would be a new id — the second copy the relay refused to risk.
 */

export interface RelayEndpoint {
  /** Base URL without a trailing slash, e.g. https://relay.example.com. */
  url: string
  token: string
}

/** Reads the relay's URL and token at send time (settings change while rows wait). */
export type RelayEndpointSource = () => Promise<RelayEndpoint | null>

/** The relay answers when the SMTP server has, after waiting for a rate-cap slot: be patient. */
export const RELAY_SEND_TIMEOUT_MS = 120_000
export const RELAY_VERIFY_TIMEOUT_MS = 45_000

export function relayBase(url: string): string {
  return url.trim().replace(/\/+$/, '')
}

/** The relay's send request for an outbox row. Our own X-Dispatch-Id is set by the relay from `id`. */
export function relaySendRequest(row: OutboxRow, from: ChannelContext['from']): RelaySendRequest {
  const m = row.message
  const request: RelaySendRequest = {
    id: row.id,
    from: from.name ? { name: from.name, address: from.address } : from.address,
    to: m.to,
    cc: m.cc,
    bcc: m.bcc,
    subject: m.subject,
    ...(m.html ? { html: m.html } : {}),
    ...(m.text || !m.html ? { text: m.text } : {}),
  }
  if (row.campaignId) request.headers = { 'X-Dispatch-Campaign': row.campaignId }
  if (m.inReplyTo) request.inReplyTo = m.inReplyTo
  if (m.references?.length) request.references = m.references
  return request
}

function extensionOrigin(): string {
  return (globalThis as { location?: { origin?: string } }).location?.origin ?? ''
}

/**
 * What a relay error means for the outbox. Configuration problems (a rejected token or SMTP login,
 * a From outside the relay's domain, a URL that is not a relay) keep the message waiting for the
 * rep to fix them (`auth`); refusals of the message itself fail it; anything the relay calls
 * retryable is retried (nothing was accepted, so retrying cannot duplicate).
 */
export function relayProblem(error: RelayError, res?: Response): ProviderError {
  const wait = retryAfterMs(res?.headers.get('Retry-After') ?? null)
  const detail = error.smtpResponse ? `${error.message} (${error.smtpResponse})` : error.message
  switch (error.code) {
    case 'auth_failed':
      return error.retryable
        ? new ProviderError('relay_auth_failed', detail, { kind: 'transient', retryAfterMs: wait, maybeSent: false })
        : new ProviderError('relay_auth_failed', detail, { kind: 'auth' })
    case 'unauthorized':
      return new ProviderError('relay_token_rejected', detail, { kind: 'auth' })
    case 'origin_not_allowed':
      return new ProviderError('relay_origin_not_allowed', detail, { kind: 'auth' }, [extensionOrigin()])
    case 'from_not_allowed':
      return new ProviderError('relay_from_not_allowed', detail, { kind: 'auth' }, [
        /\bat (\S+)$/.exec(error.message)?.[1] ?? '',
      ])
    case 'tls_failed':
    case 'not_found':
    case 'method_not_allowed':
    case 'unsupported_media_type':
    case 'rep_credentials_disabled':
      return new ProviderError('relay_error', detail, { kind: 'auth' }, [detail])
    case 'request_too_large':
      return new ProviderError('message_too_large', detail, { kind: 'permanent' }, [''])
    case 'smtp_rejected':
    case 'too_many_recipients':
    case 'header_injection':
    case 'header_not_allowed':
      return new ProviderError('provider_rejected', detail, { kind: 'permanent' }, [error.smtpResponse ?? detail])
    default:
      return error.retryable
        ? new ProviderError('provider_error', detail, { kind: 'transient', retryAfterMs: wait, maybeSent: false })
        : new ProviderError('relay_error', detail, { kind: 'permanent' }, [detail])
  }
}

export async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json()
  } catch {
    return null
  }
}

export function isFailure(body: unknown): body is { ok: false; error: RelayError } {
  const b = body as { ok?: unknown; error?: { code?: unknown } } | null
  return b?.ok === false && typeof b.error?.code === 'string'
}

/** A reply that is not the relay's JSON (a proxy's error page, a wrong URL). */
function httpProblem(res: Response): ProviderError {
  const message = `HTTP ${res.status} from the relay`
  const wait = retryAfterMs(res.headers.get('Retry-After'))
  if (res.status === 429) return new ProviderError('rate_limited', message, { kind: 'rate', retryAfterMs: wait })
  if (res.status === 401 || res.status === 403)
    return new ProviderError('relay_token_rejected', message, { kind: 'auth' })
  // The request may have reached the relay behind the proxy; the retry is an idempotent replay.
  if (res.status >= 500) return new ProviderError('provider_error', message, { kind: 'transient', maybeSent: true })
  return new ProviderError('relay_error', message, { kind: 'auth' }, [message])
}

/**
 * POSTs JSON to the relay. A connection lost or timed out after the request left may have reached
 * the relay: the outcome is unknown, and the retry is an idempotent replay.
 */
export async function postJson(
  fetchImpl: typeof fetch,
  url: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  try {
    return await fetchImpl(url, {
      method: 'POST',
      headers: { ...headers, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(RELAY_SEND_TIMEOUT_MS),
    })
  } catch (err) {
    throw new ProviderError('network', err instanceof Error ? err.message : String(err), {
      kind: 'transient',
      maybeSent: true,
    })
  }
}

async function postSend(
  endpoint: RelayEndpointSource,
  row: OutboxRow,
  ctx: ChannelContext,
  fetchImpl: typeof fetch,
): Promise<SentMessage> {
  const relay = await endpoint()
  if (!relay?.url || !relay.token || !ctx.from.address) {
    throw new ProviderError('channel_not_configured', 'Custom SMTP is not set up', { kind: 'auth' }, ['smtp'])
  }
  const res = await postJson(
    fetchImpl,
    `${relayBase(relay.url)}/v1/send`,
    relay.token,
    relaySendRequest(row, ctx.from),
    {
      'X-Dispatch-Id': row.id,
    },
  )
  const body = (await readJson(res)) as RelaySendReply | null
  if (body?.ok === true && typeof body.messageId === 'string') {
    return { providerMessageId: body.messageId, messageId: body.messageId }
  }
  if (isFailure(body)) {
    if (body.error.code === 'delivery_unknown') return { providerMessageId: `relay:${row.id}` }
    throw relayProblem(body.error, res)
  }
  throw httpProblem(res)
}

export function createSmtpChannel(
  endpoint: RelayEndpointSource,
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): Channel {
  return idempotentPostChannel('smtp', (row, ctx) => postSend(endpoint, row, ctx, fetchImpl))
}

/** The relay's verify answer, or a translated error; nothing is stored here. */
export async function verifyRelay(
  relay: RelayEndpoint,
  smtp: RelayVerifyRequest['smtp'],
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): Promise<Extract<RelayVerifyReply, { ok: true }>> {
  const url = `${relayBase(relay.url)}/v1/verify`
  let res: Response
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${relay.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(smtp ? { smtp } : {}),
      signal: AbortSignal.timeout(RELAY_VERIFY_TIMEOUT_MS),
    })
  } catch (err) {
    throw new DispatchError('relay_unreachable', err instanceof Error ? err.message : String(err), [
      relayBase(relay.url),
    ])
  }
  const body = (await readJson(res)) as RelayVerifyReply | null
  if (body?.ok === true) return body
  if (isFailure(body)) {
    const e = body.error
    const detail = e.smtpResponse ? `${e.message} (${e.smtpResponse})` : e.message
    switch (e.code) {
      case 'auth_failed':
        throw new DispatchError('relay_auth_failed', detail)
      case 'unauthorized':
        throw new DispatchError('relay_token_rejected', detail)
      case 'rep_credentials_disabled':
        throw new DispatchError('relay_rep_login_disabled', detail)
      case 'origin_not_allowed':
        throw new DispatchError('relay_origin_not_allowed', detail, [extensionOrigin()])
      default:
        throw new DispatchError('relay_error', detail, [detail])
    }
  }
  throw new DispatchError('relay_error', `HTTP ${res.status}: not a Dispatch relay`, [
    `HTTP ${res.status}: ${relayBase(relay.url)}`,
  ])
}
