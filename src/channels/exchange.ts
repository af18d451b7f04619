import type { Message, Recipient } from '@microsoft/microsoft-graph-types'
import { endpoints } from '../config.ts'
import { parseAddressList } from '../core/address.ts'
import { htmlToText } from '../core/mime.ts'
import type { OutboxRow } from '../core/types.ts'
import {
  type Channel,
  type ChannelContext,
  ProviderError,
  providerFetch,
  readAnswer,
  retryAfterMs,
  type SentMessage,
} from './channel.ts'

/**
 * Exchange Online / Outlook.com through Microsoft Graph. `sendMail` answers 202 with nothing to
 * correlate, so the message is created first (keeping its internetMessageId and our
 * `x-dispatch-id` header), recorded on the outbox row, and only then sent. Replies are created with
 * createReply so Outlook threads them in the conversation.
 */

type GraphError = { error?: { code?: string; message?: string } }

const DAILY_CODES = /ErrorQuotaExceeded|ErrorSubmissionQuotaExceeded|SendAsDenied.*quota|MailboxQuota/i
const AUTH_CODES =
  /InvalidAuthenticationToken|AuthenticationError|TokenExpired|ErrorAccessDenied|Authorization_RequestDenied/i

export async function graphError(res: Response, maybeSent: boolean): Promise<ProviderError> {
  const body = (await res.json().catch(() => ({}))) as GraphError
  const code = body.error?.code ?? `HTTP ${res.status}`
  const message = body.error?.message ? `${code}: ${body.error.message}` : code
  const wait = retryAfterMs(res.headers.get('Retry-After'))
  if (res.status === 401) return new ProviderError('token_expired', message, { kind: 'auth' })
  if (DAILY_CODES.test(code) || DAILY_CODES.test(message)) {
    return new ProviderError('daily_limit', message, { kind: 'daily', retryAfterMs: wait })
  }
  if (res.status === 429) return new ProviderError('rate_limited', message, { kind: 'rate', retryAfterMs: wait })
  if (res.status === 403 && AUTH_CODES.test(code)) return new ProviderError('auth_failed', message, { kind: 'auth' })
  if (res.status >= 500)
    return new ProviderError('provider_error', message, { kind: 'transient', retryAfterMs: wait, maybeSent })
  return new ProviderError('provider_rejected', message, { kind: 'permanent' }, [message])
}

async function graphFetch(ctx: ChannelContext, path: string, init: RequestInit = {}): Promise<Response> {
  const token = await ctx.token()
  const res = await providerFetch(`${endpoints.graphApi}${path}`, {
    ...init,
    headers: {
      ...(init.body ? { 'Content-Type': 'application/json' } : {}),
      ...(init.headers as Record<string, string>),
      Authorization: `Bearer ${token}`,
    },
  })
  if (res.status === 401) await ctx.invalidate()
  return res
}

function recipients(list: string[]): Recipient[] {
  return parseAddressList(list).map((p) => ({
    emailAddress: p.name ? { address: p.address, name: p.name } : { address: p.address },
  }))
}

function draftFor(row: OutboxRow, reply: boolean): Message {
  const m = row.message
  return {
    // A reply keeps the "RE: …" subject createReply gives it unless the rep wrote one.
    ...(reply && !m.subject ? {} : { subject: m.subject }),
    body: m.html
      ? { contentType: 'html', content: m.html }
      : { contentType: 'text', content: m.text || htmlToText(m.html) },
    toRecipients: recipients(m.to),
    ccRecipients: recipients(m.cc),
    bccRecipients: recipients(m.bcc),
    // Graph accepts only custom headers whose names start with x-.
    internetMessageHeaders: [{ name: 'x-dispatch-id', value: row.id }],
  }
}

const SELECT = '$select=id,internetMessageId,conversationId,isDraft'

/** OWA shows the conversation, not the message: reply to its latest message. */
async function latestInConversation(conversationId: string, ctx: ChannelContext): Promise<string | undefined> {
  const filter = `conversationId eq '${conversationId.replace(/'/g, "''")}'`
  const res = await graphFetch(
    ctx,
    `/me/messages?$filter=${encodeURIComponent(filter)}&$select=id,receivedDateTime,isDraft&$top=25`,
  )
  if (!res.ok) return undefined
  const list = (await readAnswer<{ value?: Message[] }>(res)).value ?? []
  return (
    list
      .filter((x) => !x.isDraft)
      .sort((a, b) => Date.parse(b.receivedDateTime ?? '') - Date.parse(a.receivedDateTime ?? ''))[0]?.id ?? undefined
  )
}

async function createDraft(row: OutboxRow, ctx: ChannelContext): Promise<Message> {
  const m = row.message
  const replyTo =
    m.replyToProviderMessageId ?? (m.providerThreadId ? await latestInConversation(m.providerThreadId, ctx) : undefined)
  const res = replyTo
    ? await graphFetch(ctx, `/me/messages/${encodeURIComponent(replyTo)}/createReply`, {
        method: 'POST',
        body: JSON.stringify({ message: draftFor(row, true) }),
      })
    : await graphFetch(ctx, '/me/messages', { method: 'POST', body: JSON.stringify(draftFor(row, false)) })
  if (!res.ok) throw await graphError(res, false)
  return readAnswer<Message>(res, { method: 'POST' })
}

export const exchangeChannel: Channel = {
  kind: 'exchange',

  async send(row, ctx, progress) {
    let draftId = row.providerMessageId
    let internetMessageId = row.messageId
    let conversationId = row.providerThreadId
    if (!draftId) {
      const draft = await createDraft(row, ctx)
      draftId = draft.id ?? ''
      internetMessageId = draft.internetMessageId ?? undefined
      conversationId = draft.conversationId ?? undefined
      // Recorded before sending: after a crash, reconciliation looks for this internetMessageId.
      await progress({ providerMessageId: draftId, messageId: internetMessageId, providerThreadId: conversationId })
    }
    const res = await graphFetch(ctx, `/me/messages/${encodeURIComponent(draftId)}/send`, { method: 'POST' })
    if (!res.ok) {
      // The draft is gone once sent: a 404 on a retry means an earlier attempt went through.
      if (res.status === 404 && internetMessageId) {
        const found = await exchangeChannel.findSent({ ...row, messageId: internetMessageId }, ctx)
        if (found) return found
      }
      throw await graphError(res, res.status >= 500)
    }
    return {
      providerMessageId: draftId,
      providerThreadId: conversationId,
      messageId: internetMessageId,
    } satisfies SentMessage
  },

  async findSent(row, ctx) {
    if (!row.messageId) return null
    const filter = `internetMessageId eq '${row.messageId.replace(/'/g, "''")}'`
    const res = await graphFetch(
      ctx,
      `/me/mailFolders/sentitems/messages?$filter=${encodeURIComponent(filter)}&${SELECT}`,
    )
    if (!res.ok) throw await graphError(res, false)
    const list = await readAnswer<{ value?: Message[] }>(res)
    const hit = list.value?.find((m) => !m.isDraft)
    if (!hit) return null
    return {
      providerMessageId: hit.id ?? '',
      providerThreadId: hit.conversationId ?? undefined,
      messageId: hit.internetMessageId ?? row.messageId,
    }
  },
}
