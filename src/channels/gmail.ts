import type { gmail_v1 } from '@googleapis/gmail'
import { endpoints } from '../config.ts'
import { addressKey } from '../core/address.ts'
import { buildMime, newMessageId, toBase64Url } from '../core/mime.ts'
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

/** Above this, `raw` goes through the media upload endpoint instead of a JSON body. */
const UPLOAD_THRESHOLD = 4 * 1024 * 1024

type GmailError = {
  error?: { code?: number; message?: string; errors?: { reason?: string; message?: string }[]; status?: string }
}

export async function gmailError(res: Response, maybeSent: boolean): Promise<ProviderError> {
  const body = (await res.json().catch(() => ({}))) as GmailError
  const reasons = (body.error?.errors ?? []).map((e) => e.reason ?? '')
  const message = body.error?.message ?? `Gmail API HTTP ${res.status}`
  const wait = retryAfterMs(res.headers.get('Retry-After'))
  if (res.status === 401) return new ProviderError('token_expired', message, { kind: 'auth' })
  if (reasons.includes('dailyLimitExceeded'))
    return new ProviderError('daily_limit', message, { kind: 'daily', retryAfterMs: wait })
  if (res.status === 429 || reasons.includes('userRateLimitExceeded') || reasons.includes('rateLimitExceeded')) {
    return new ProviderError('rate_limited', message, { kind: 'rate', retryAfterMs: wait })
  }
  if (res.status >= 500)
    return new ProviderError('provider_error', message, { kind: 'transient', retryAfterMs: wait, maybeSent })
  if (res.status === 403 && reasons.some((r) => /insufficientPermissions|forbidden/i.test(r))) {
    return new ProviderError('auth_failed', message, { kind: 'auth' })
  }
  return new ProviderError('provider_rejected', message, { kind: 'permanent' }, [message])
}

async function gmailFetch(
  ctx: ChannelContext,
  path: string,
  init: RequestInit = {},
  base = endpoints.gmailApi,
): Promise<Response> {
  const token = await ctx.token()
  const res = await providerFetch(`${base}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` },
  })
  if (res.status === 401) await ctx.invalidate()
  return res
}

function header(msg: gmail_v1.Schema$Message, name: string): string | undefined {
  return msg.payload?.headers?.find((h) => h.name?.toLowerCase() === name.toLowerCase())?.value ?? undefined
}

async function metadata(ctx: ChannelContext, id: string): Promise<gmail_v1.Schema$Message> {
  const q = new URLSearchParams({ format: 'metadata' })
  q.append('metadataHeaders', 'Message-ID')
  q.append('metadataHeaders', 'X-Dispatch-Id')
  const res = await gmailFetch(ctx, `/gmail/v1/users/me/messages/${encodeURIComponent(id)}?${q}`)
  if (!res.ok) throw await gmailError(res, false)
  return readAnswer<gmail_v1.Schema$Message>(res)
}

/**
 * Gmail threads an API send into `threadId` only when In-Reply-To/References name a message of the
 * thread and the subject matches. A reply started in Gmail knows the replied-to message's API id,
 * not its Message-ID, so that is read here.
 */
async function withThreadHeaders(row: OutboxRow, ctx: ChannelContext): Promise<OutboxRow['message']> {
  const m = row.message
  if (m.inReplyTo || !m.replyToProviderMessageId) return m
  const q = new URLSearchParams({ format: 'metadata' })
  for (const h of ['Message-ID', 'References', 'Subject']) q.append('metadataHeaders', h)
  const res = await gmailFetch(
    ctx,
    `/gmail/v1/users/me/messages/${encodeURIComponent(m.replyToProviderMessageId)}?${q}`,
  )
  if (!res.ok) return m
  const parent = await readAnswer<gmail_v1.Schema$Message>(res)
  const parentId = header(parent, 'Message-ID')
  if (!parentId) return m
  const refs = (header(parent, 'References') ?? '').split(/\s+/).filter(Boolean)
  const subject = m.subject || `Re: ${(header(parent, 'Subject') ?? '').replace(/^(re|aw|sv|antw):\s*/i, '')}`
  return {
    ...m,
    subject,
    inReplyTo: parentId,
    references: [...refs, parentId],
    providerThreadId: m.providerThreadId ?? parent.threadId ?? undefined,
  }
}

export const gmailChannel: Channel = {
  kind: 'gmail',

  async send(row, ctx, progress) {
    const messageId = row.messageId ?? newMessageId(row.id, ctx.from.address)
    if (!row.messageId) await progress({ messageId })
    const message = await withThreadHeaders(row, ctx)
    const raw = buildMime({ from: ctx.from, message, dispatchId: row.id, messageId })
    let res: Response
    if (raw.length > UPLOAD_THRESHOLD) {
      // Multipart upload: JSON metadata (the thread) and the message itself.
      const boundary = `dispatch-${crypto.randomUUID()}`
      const meta = JSON.stringify(row.message.providerThreadId ? { threadId: row.message.providerThreadId } : {})
      const body = `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${meta}\r\n--${boundary}\r\nContent-Type: message/rfc822\r\n\r\n${raw}\r\n--${boundary}--`
      res = await gmailFetch(ctx, '/upload/gmail/v1/users/me/messages/send?uploadType=multipart', {
        method: 'POST',
        headers: { 'Content-Type': `multipart/related; boundary=${boundary}` },
        body,
      })
    } else {
      const body: gmail_v1.Schema$Message = { raw: toBase64Url(raw) }
      if (row.message.providerThreadId) body.threadId = row.message.providerThreadId
      res = await gmailFetch(ctx, '/gmail/v1/users/me/messages/send', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    }
    if (!res.ok) throw await gmailError(res, res.status >= 500)
    const sent = await readAnswer<gmail_v1.Schema$Message>(res, { method: 'POST' })
    const result: SentMessage = {
      providerMessageId: sent.id ?? '',
      providerThreadId: sent.threadId ?? undefined,
      messageId,
    }
    // Gmail may assign its own Message-ID: read the final one back (bounces quote that one).
    try {
      const meta = await metadata(ctx, result.providerMessageId)
      result.messageId = header(meta, 'Message-ID') ?? messageId
    } catch {
      // The message is sent; a missing read-back only weakens Message-ID matching (X-Dispatch-Id remains).
    }
    return result
  },

  async findSent(row, ctx) {
    // First by Message-ID (cheap; works when Gmail kept ours), then by our own header among sent
    // messages to the first recipient since the row was created.
    const candidates: string[] = []
    const search = async (q: string, pages: number) => {
      let pageToken: string | undefined
      for (let page = 0; page < pages; page++) {
        const params = new URLSearchParams({ q, maxResults: '100' })
        if (pageToken) params.set('pageToken', pageToken)
        const res = await gmailFetch(ctx, `/gmail/v1/users/me/messages?${params}`)
        if (!res.ok) throw await gmailError(res, false)
        const list = await readAnswer<gmail_v1.Schema$ListMessagesResponse>(res)
        for (const m of list.messages ?? []) if (m.id && !candidates.includes(m.id)) candidates.push(m.id)
        pageToken = list.nextPageToken ?? undefined
        if (!pageToken) break
      }
    }
    if (row.messageId) await search(`rfc822msgid:${row.messageId.replace(/^<|>$/g, '')}`, 1)
    const first = [...row.message.to, ...row.message.cc, ...row.message.bcc][0]
    const after = Math.floor(row.createdAt / 1000) - 60
    // Gmail search has no operator for our own header: narrow by recipient, time and subject words,
    // then read X-Dispatch-Id from each candidate. A wrong "absent" would send twice, so look far.
    const words = row.message.subject.replace(/["\\]/g, ' ').trim()
    const narrow = `in:sent after:${after}${first ? ` to:${addressKey(first)}` : ''}${words ? ` subject:"${words}"` : ''}`
    await search(narrow, 5)
    for (const id of candidates) {
      const meta = await metadata(ctx, id)
      if (header(meta, 'X-Dispatch-Id') === row.id || (row.messageId && header(meta, 'Message-ID') === row.messageId)) {
        if (!meta.labelIds?.includes('SENT')) continue
        return {
          providerMessageId: meta.id ?? id,
          providerThreadId: meta.threadId ?? undefined,
          messageId: header(meta, 'Message-ID') ?? row.messageId,
        }
      }
    }
    return null
  },
}

export type { OutboxRow }
