/**
 * The Gmail REST subset: users.getProfile, messages.send (JSON and media upload) / list / get,
 * history.list, drafts, threads.get and the batch endpoint, with Gmail's request validation and
 * error shapes.
 */
import { randomBytes } from 'node:crypto'
import type { gmail_v1 } from '@googleapis/gmail'
import type { Account } from '../core.ts'
import { type ApiResponse, gmail } from '../errors.ts'
import { type ApiContext, header, jsonBody, parseHttpMessage } from '../http.ts'
import {
  decodeBase64Url,
  decodeTransfer,
  editHeaders,
  encodeBase64Url,
  formatAddress,
  headerValue,
  headerValues,
  type MimePart,
  parseAddressList,
  parseContentType,
  parseMessageHeaders,
  parseMimeTree,
  rfc2822Date,
  toCrlf,
} from '../mime.ts'
import { newGmailMessageId, type StoredMessage } from '../store.ts'
import { methodScopes, type QueryValues, validateBody, validateQuery } from './discovery.ts'
import { gmailInsert } from './mailbox.ts'
import { parseGmailQuery } from './query.ts'

type Handler = (ctx: ApiContext, q: QueryValues, params: string[]) => ApiResponse | Promise<ApiResponse>

interface Route {
  method: string
  pattern: RegExp
  id: string
  handler: Handler
}

const USER = '/gmail/v1/users/([^/]+)'
const routes: Route[] = [
  { method: 'GET', pattern: new RegExp(`^${USER}/profile$`), id: 'users.getProfile', handler: getProfile },
  { method: 'POST', pattern: new RegExp(`^${USER}/messages/send$`), id: 'users.messages.send', handler: sendJson },
  {
    method: 'POST',
    pattern: new RegExp(`^/upload${USER}/messages/send$`),
    id: 'users.messages.send',
    handler: sendUpload,
  },
  { method: 'GET', pattern: new RegExp(`^${USER}/messages$`), id: 'users.messages.list', handler: listMessages },
  { method: 'GET', pattern: new RegExp(`^${USER}/messages/([^/]+)$`), id: 'users.messages.get', handler: getMessage },
  { method: 'GET', pattern: new RegExp(`^${USER}/history$`), id: 'users.history.list', handler: listHistory },
  { method: 'POST', pattern: new RegExp(`^${USER}/drafts$`), id: 'users.drafts.create', handler: createDraft },
  { method: 'GET', pattern: new RegExp(`^${USER}/drafts$`), id: 'users.drafts.list', handler: listDrafts },
  { method: 'POST', pattern: new RegExp(`^${USER}/drafts/send$`), id: 'users.drafts.send', handler: sendDraft },
  { method: 'GET', pattern: new RegExp(`^${USER}/drafts/([^/]+)$`), id: 'users.drafts.get', handler: getDraft },
  {
    method: 'DELETE',
    pattern: new RegExp(`^${USER}/drafts/([^/]+)$`),
    id: 'users.drafts.delete',
    handler: deleteDraft,
  },
  { method: 'GET', pattern: new RegExp(`^${USER}/threads/([^/]+)$`), id: 'users.threads.get', handler: getThread },
]

/** Google's front end answers unknown paths with an HTML 404 page. */
function notFoundPage(path: string): ApiResponse {
  return {
    status: 404,
    contentType: 'text/html; charset=UTF-8',
    body: `<!DOCTYPE html>\n<html lang=en>\n<meta charset=utf-8>\n<title>Error 404 (Not Found)!!1</title>\n<p><b>404.</b> <ins>That’s an error.</ins>\n<p>The requested URL <code>${path.replace(/</g, '&lt;')}</code> was not found on this server.  <ins>That’s all we know.</ins>\n`,
  }
}

export function isGmailPath(path: string): boolean {
  return path.startsWith('/gmail/v1/') || path.startsWith('/upload/gmail/v1/') || path === '/batch/gmail/v1'
}

export async function handleGmail(ctx: ApiContext): Promise<ApiResponse> {
  const path = ctx.req.url.pathname
  if (path === '/batch/gmail/v1')
    return ctx.inBatch ? gmail.badRequest('Nested batch requests are not allowed.') : batch(ctx)
  const route = routes.find((r) => r.method === ctx.req.method && r.pattern.test(path))
  if (!route) return notFoundPage(path)
  const params = route.pattern.exec(path)!.slice(1).map(decodeURIComponent)
  const userId = params[0]!
  const q = validateQuery(route.id, ctx.req.url.searchParams)
  if (!isValues(q)) return q
  if (userId !== 'me' && userId.toLowerCase() !== ctx.account.address) return gmail.delegationDenied(userId)
  if (ctx.scopes && !methodScopes(route.id).some((s) => ctx.scopes!.has(s))) return gmail.insufficientScopes()
  const response = await route.handler(ctx, q, params.slice(1))
  return shape(response, q)
}

function isValues(v: QueryValues | ApiResponse): v is QueryValues {
  return !('status' in v && typeof (v as ApiResponse).status === 'number')
}

/** Applies `fields` (partial response) and `prettyPrint` to a JSON success. */
function shape(response: ApiResponse, q: QueryValues): ApiResponse {
  const body0 = response.body
  if (response.status >= 300 || body0 === undefined || typeof body0 !== 'object' || Buffer.isBuffer(body0))
    return response
  let body: unknown = response.body
  const fields = q.fields?.[0]
  if (fields) body = applyFields(body as Record<string, unknown>, parseFieldMask(fields))
  const pretty = q.prettyPrint?.[0] !== 'false'
  return {
    ...response,
    contentType: 'application/json; charset=UTF-8',
    body: pretty ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body),
  }
}

type Mask = Map<string, Mask | null>

export function parseFieldMask(text: string): Mask {
  let pos = 0
  const parseList = (): Mask => {
    const mask: Mask = new Map()
    while (pos < text.length && text[pos] !== ')') {
      let name = ''
      while (pos < text.length && !',()/'.includes(text[pos]!)) name += text[pos++]
      name = name.trim()
      let sub: Mask | null = null
      if (text[pos] === '/') {
        pos++
        sub = parseList1()
      } else if (text[pos] === '(') {
        pos++
        sub = parseList()
        pos++
      }
      if (name) mask.set(name, merge(mask.get(name), sub))
      if (text[pos] === ',') pos++
    }
    return mask
  }
  const parseList1 = (): Mask => {
    // a/b/c: one path segment per level
    let name = ''
    while (pos < text.length && !',()/'.includes(text[pos]!)) name += text[pos++]
    let sub: Mask | null = null
    if (text[pos] === '/') {
      pos++
      sub = parseList1()
    } else if (text[pos] === '(') {
      pos++
      sub = parseList()
      pos++
    }
    return new Map([[name.trim(), sub]])
  }
  const merge = (a: Mask | null | undefined, b: Mask | null): Mask | null => {
    if (a === undefined) return b
    if (a === null || b === null) return null
    for (const [k, v] of b) a.set(k, merge(a.get(k), v))
    return a
  }
  return parseList()
}

function applyFields(value: unknown, mask: Mask | null): unknown {
  if (mask === null || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => applyFields(v, mask))
  const out: Record<string, unknown> = {}
  for (const [key, sub] of mask) {
    const v = (value as Record<string, unknown>)[key]
    if (v !== undefined) out[key] = applyFields(v, sub)
  }
  return out
}

const ok = (body: unknown): ApiResponse => ({ status: 200, body })

// ---------- profile ----------

function getProfile(ctx: ApiContext): ApiResponse {
  const mailbox = ctx.account.mailbox
  const live = mailbox.live()
  const profile: gmail_v1.Schema$Profile = {
    emailAddress: ctx.account.address,
    messagesTotal: live.length,
    threadsTotal: new Set(live.map((m) => m.threadId)).size,
    historyId: String(mailbox.seq),
  }
  return ok(profile)
}

// ---------- message resources ----------

function escapeSnippet(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function partResource(part: MimePart, partId: string): gmail_v1.Schema$MessagePart {
  const disposition = headerValue(part.headers, 'content-disposition')
  const filename = (disposition ? parseContentType(disposition).params.filename : undefined) ?? part.params.name ?? ''
  const resource: gmail_v1.Schema$MessagePart = {
    partId,
    mimeType: part.mimeType,
    filename,
    headers: part.headers.map((h) => ({ name: h.name, value: h.value })),
  }
  if (part.mimeType.startsWith('multipart/')) {
    resource.body = { size: 0 }
    resource.parts = part.parts.map((p, i) => partResource(p, partId ? `${partId}.${i}` : String(i)))
  } else {
    const data = decodeTransfer(part)
    resource.body = filename
      ? { attachmentId: `ANGjdJ${randomBytes(24).toString('base64url')}`, size: data.length }
      : { size: data.length, data: encodeBase64Url(data) }
  }
  return resource
}

export function messageResource(
  item: StoredMessage,
  format: string,
  metadataHeaders: string[] = [],
): gmail_v1.Schema$Message {
  const resource: gmail_v1.Schema$Message = {
    id: item.id,
    threadId: item.threadId,
    labelIds: [...item.labels],
  }
  const f = format.toLowerCase()
  resource.snippet = escapeSnippet(item.snippet)
  resource.sizeEstimate = item.raw.length
  resource.historyId = String(item.version)
  resource.internalDate = String(item.internalDate)
  if (f === 'minimal') return resource
  if (f === 'raw') {
    resource.raw = encodeBase64Url(item.raw)
    return resource
  }
  if (f === 'metadata') {
    const wanted = metadataHeaders.map((h) => h.toLowerCase())
    const { type } = parseContentType(item.header('content-type'))
    resource.payload = {
      partId: '',
      mimeType: type,
      filename: '',
      headers: item.headers
        .filter((h) => !wanted.length || wanted.includes(h.name.toLowerCase()))
        .map((h) => ({ name: h.name, value: h.value })),
    }
    return resource
  }
  resource.payload = partResource(parseMimeTree(item.raw), '')
  return resource
}

function findMessage(account: Account, id: string): StoredMessage | null {
  const item = account.mailbox.items.get(id)
  return item && !item.deleted ? item : null
}

function validId(id: string): boolean {
  return /^[0-9a-f]{1,24}$/i.test(id)
}

function getMessage(ctx: ApiContext, q: QueryValues, [id]: string[]): ApiResponse {
  if (!validId(id!)) return gmail.invalidArgument('Invalid id value')
  const item = findMessage(ctx.account, id!)
  if (!item) return gmail.notFound()
  return ok(messageResource(item, q.format?.[0] ?? 'full', q.metadataHeaders ?? []))
}

function getThread(ctx: ApiContext, q: QueryValues, [id]: string[]): ApiResponse {
  if (!validId(id!)) return gmail.invalidArgument('Invalid id value')
  const items = (ctx.account.mailbox.threads.get(id!) ?? []).filter((m) => !m.deleted)
  if (!items.length) return gmail.notFound()
  const thread: gmail_v1.Schema$Thread = {
    id,
    historyId: String(Math.max(...items.map((m) => m.version))),
    messages: items.map((m) => messageResource(m, q.format?.[0] ?? 'full', q.metadataHeaders ?? [])),
  }
  return ok(thread)
}

// ---------- list ----------

/** Page tokens are decimal strings; this one carries the index to resume from. */
function encodePageToken(index: number): string {
  return String(index * 7919 + 104_729)
}

function decodePageToken(token: string): number | null {
  if (!/^\d+$/.test(token)) return null
  const n = Number(token) - 104_729
  return n >= 0 && n % 7919 === 0 ? n / 7919 : null
}

function maxResults(q: QueryValues, fallback = 100): number {
  const n = q.maxResults ? Number(q.maxResults[0]) : fallback
  return Math.min(Math.max(n, 1), 500)
}

function listMessages(ctx: ApiContext, q: QueryValues): ApiResponse {
  const now = ctx.core.clock.now()
  const query = q.q?.[0] ? parseGmailQuery(q.q[0]) : null
  const labelIds = q.labelIds ?? []
  const spamTrash = q.includeSpamTrash?.[0] === 'true' || query?.reachesSpamTrash === true
  const start = q.pageToken ? decodePageToken(q.pageToken[0]!) : 0
  if (start === null) return gmail.invalidArgument('Invalid pageToken')
  const limit = maxResults(q)
  const order = ctx.account.mailbox.order
  const messages: gmail_v1.Schema$Message[] = []
  let matched = 0
  let next: number | null = null
  // Newest first, as Gmail lists.
  for (let i = order.length - 1; i >= 0; i--) {
    const m = order[i]!
    if (m.deleted) continue
    if (!spamTrash && (m.labels.has('SPAM') || m.labels.has('TRASH'))) continue
    if (labelIds.length && !labelIds.every((l) => m.labels.has(l))) continue
    if (query && !query.predicate(m, now)) continue
    if (matched >= start) {
      if (messages.length === limit) {
        next = matched
        break
      }
      messages.push({ id: m.id, threadId: m.threadId })
    }
    matched++
  }
  const response: gmail_v1.Schema$ListMessagesResponse = { resultSizeEstimate: messages.length }
  if (messages.length) response.messages = messages
  if (next !== null) response.nextPageToken = encodePageToken(next)
  return ok(response)
}

// ---------- history ----------

const HISTORY_TYPE = {
  added: 'messageAdded',
  removed: 'messageDeleted',
  labelAdded: 'labelAdded',
  labelRemoved: 'labelRemoved',
} as const

function listHistory(ctx: ApiContext, q: QueryValues): ApiResponse {
  const mailbox = ctx.account.mailbox
  if (!q.startHistoryId) return gmail.invalidArgument('Missing startHistoryId')
  const start = Number(q.startHistoryId[0])
  if (start < mailbox.droppedThrough) return gmail.notFound()
  const types = (q.historyTypes ?? []).map((t) => t.toLowerCase())
  const labelId = q.labelId?.[0]
  const limit = maxResults(q)
  let index = mailbox.logIndexAfter(start)
  if (q.pageToken) {
    const resume = decodePageToken(q.pageToken[0]!)
    if (resume === null) return gmail.invalidArgument('Invalid pageToken')
    index = Math.max(index, mailbox.logIndexAfter(resume))
  }
  const history: gmail_v1.Schema$History[] = []
  let next: string | undefined
  for (; index < mailbox.log.length; index++) {
    const entry = mailbox.log[index]!
    if (entry.kind === 'updated') continue
    const type = HISTORY_TYPE[entry.kind]
    if (types.length && !types.includes(type.toLowerCase())) continue
    if (labelId && !entry.labels.includes(labelId) && !entry.changedLabels?.includes(labelId)) continue
    if (history.length === limit) {
      next = encodePageToken(mailbox.log[index - 1]!.seq)
      break
    }
    const ref = { id: entry.id, threadId: entry.item.threadId }
    const record: gmail_v1.Schema$History = { id: String(entry.seq), messages: [ref] }
    const message = { ...ref, labelIds: entry.labels }
    if (entry.kind === 'added') record.messagesAdded = [{ message }]
    else if (entry.kind === 'removed') record.messagesDeleted = [{ message }]
    else if (entry.kind === 'labelAdded') record.labelsAdded = [{ message, labelIds: entry.changedLabels ?? [] }]
    else record.labelsRemoved = [{ message, labelIds: entry.changedLabels ?? [] }]
    history.push(record)
  }
  const response: gmail_v1.Schema$ListHistoryResponse = { historyId: String(mailbox.seq) }
  if (history.length) response.history = history
  if (next) response.nextPageToken = next
  return ok(response)
}

// ---------- send ----------

const SINGLETON_HEADERS = [
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'message-id',
  'in-reply-to',
  'references',
  'subject',
  'date',
]
const MAX_MESSAGE_BYTES = 36_700_160

interface Composed {
  raw: Buffer
  recipients: string[]
  threadHint?: string
}

/** Validates a raw message the way Gmail refuses it, and rewrites what Gmail rewrites. */
function composeForSend(ctx: ApiContext, raw: Buffer, threadId: string | undefined): Composed | ApiResponse {
  if (raw.length > MAX_MESSAGE_BYTES) return gmail.invalidArgument('Message too large')
  const crlf = toCrlf(raw)
  const parsed = parseMessageHeaders(crlf)
  if (!parsed.headers.length || parsed.problems.length) {
    return gmail.invalidArgument(`Invalid RFC822 message: ${parsed.problems[0] ?? 'no header section'}`)
  }
  for (const name of SINGLETON_HEADERS) {
    if (headerValues(parsed.headers, name).length > 1) {
      const title = name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())
      return gmail.invalidArgument(`Invalid ${title} header`)
    }
  }
  const recipients: string[] = []
  for (const name of ['to', 'cc', 'bcc']) {
    const { list, invalid } = parseAddressList(headerValue(parsed.headers, name))
    if (invalid.length)
      return gmail.invalidArgument(`Invalid ${name === 'to' ? 'To' : name === 'cc' ? 'Cc' : 'Bcc'} header`)
    for (const a of list) if (!recipients.includes(a.address.toLowerCase())) recipients.push(a.address.toLowerCase())
  }
  if (!recipients.length) return gmail.invalidArgument('Recipient address required')
  if (threadId !== undefined && threadId !== '') {
    if (!validId(threadId)) return gmail.invalidArgument('Invalid thread_id value')
    if (!(ctx.account.mailbox.threads.get(threadId) ?? []).some((m) => !m.deleted)) return gmail.notFound()
  }
  const account = ctx.account
  const now = ctx.core.clock.now()
  const from = parseAddressList(headerValue(parsed.headers, 'from')).list[0]
  const edits: { name: string; value: string | null }[] = []
  // Gmail sends as the authenticated user: a missing or foreign From becomes the account's address.
  if (!from || from.address.toLowerCase() !== account.address) {
    edits.push({
      name: 'From',
      value: formatAddress({ name: from?.name || account.displayName, address: account.address }),
    })
  }
  const hasId = /<[^<>\s]+@[^<>\s]+>/.test(headerValue(parsed.headers, 'message-id') ?? '')
  if (ctx.core.options.gmailMessageId === 'replace' || !hasId)
    edits.push({ name: 'Message-ID', value: newGmailMessageId() })
  if (!headerValue(parsed.headers, 'date')) edits.push({ name: 'Date', value: rfc2822Date(now) })
  return { raw: edits.length ? editHeaders(crlf, edits) : crlf, recipients, threadHint: threadId || undefined }
}

function limitResponse(ctx: ApiContext, recipients: number): ApiResponse | null {
  const refusal = ctx.core.checkLimits(ctx.account, recipients)
  if (!refusal) return null
  const limits = ctx.core.effectiveLimits(ctx.account)
  switch (refusal.kind) {
    case 'perMessage':
      return gmail.invalidArgument(`Too many recipients: a message may have at most ${refusal.limit}`)
    case 'blocked':
      return limits.gmailOverDaily === '403'
        ? gmail.dailyLimitExceeded()
        : gmail.userRateLimit429(ctx.core.clock.now() + 3600_000, true)
    case 'perMinute':
      return gmail.userRateLimit429(refusal.retryAt, true)
    default:
      return limits.gmailOverDaily === '403'
        ? gmail.dailyLimitExceeded()
        : gmail.userRateLimit429(refusal.retryAt, true)
  }
}

function sendRaw(ctx: ApiContext, raw: Buffer | null, threadId: string | undefined): ApiResponse {
  if (!raw)
    return gmail.invalidArgument("'raw' RFC822 payload message string or uploading message via /upload/* URL required")
  const composed = composeForSend(ctx, raw, threadId)
  if (!('raw' in composed)) return composed
  const refused = limitResponse(ctx, composed.recipients.length)
  if (refused) return refused
  const account = ctx.account
  const labels = ['SENT']
  if (composed.recipients.includes(account.address)) labels.push('INBOX', 'UNREAD')
  const item = gmailInsert(account, composed.raw, labels, ctx.core.clock.now(), composed.threadHint)
  ctx.core.dispatchOutgoing(
    account,
    item,
    composed.recipients.filter((r) => r !== account.address),
  )
  const message: gmail_v1.Schema$Message = { id: item.id, threadId: item.threadId, labelIds: [...item.labels] }
  return ok(message)
}

function readRawField(body: Record<string, unknown> | undefined): Buffer | null | ApiResponse {
  const raw = body?.raw
  if (raw === undefined || raw === null || raw === '') return null
  const bytes = decodeBase64Url(raw as string)
  if (!bytes) return gmail.invalidArgument(`Invalid value for ByteString: ${(raw as string).slice(0, 100)}`)
  return bytes
}

function sendJson(ctx: ApiContext): ApiResponse {
  const parsed = jsonBody(ctx.req)
  if (!parsed.ok) return gmail.invalid(`Invalid JSON payload received. ${parsed.error}`)
  const bad = validateBody('Message', parsed.value ?? {}, 'message')
  if (bad) return bad
  const body = parsed.value as gmail_v1.Schema$Message | undefined
  const raw = readRawField(body as Record<string, unknown>)
  if (raw && !Buffer.isBuffer(raw)) return raw
  return sendRaw(ctx, raw, body?.threadId ?? undefined)
}

function sendUpload(ctx: ApiContext, q: QueryValues): ApiResponse {
  const uploadType = q.uploadType?.[0] ?? 'media'
  const contentType = header(ctx.req, 'content-type') ?? ''
  if (uploadType === 'media') {
    if (!/^message\//i.test(contentType)) {
      return gmail.badRequest(
        `Media type '${contentType.split(';')[0]}' is not supported. Valid media types: [message/*]`,
      )
    }
    return sendRaw(ctx, ctx.req.body.length ? ctx.req.body : null, undefined)
  }
  if (uploadType === 'multipart') {
    const tree = parseMimeTree(Buffer.concat([Buffer.from(`Content-Type: ${contentType}\r\n\r\n`), ctx.req.body]))
    if (!tree.mimeType.startsWith('multipart/') || tree.parts.length !== 2) {
      return gmail.badRequest('Invalid multipart request with 0 mime parts.')
    }
    const [meta, media] = tree.parts as [MimePart, MimePart]
    let metadata: gmail_v1.Schema$Message
    try {
      metadata = meta.body.length ? JSON.parse(meta.body.toString('utf8')) : {}
    } catch (e) {
      return gmail.invalid(`Invalid JSON payload received. ${(e as Error).message}`)
    }
    const bad = validateBody('Message', metadata, 'message')
    if (bad) return bad
    if (!/^message\//.test(media.mimeType)) {
      return gmail.badRequest(`Media type '${media.mimeType}' is not supported. Valid media types: [message/*]`)
    }
    return sendRaw(ctx, decodeTransfer(media), metadata.threadId ?? undefined)
  }
  return gmail.badRequest(`Upload type '${uploadType}' is not supported by the emulator.`)
}

// ---------- drafts ----------

function newDraftId(): string {
  return `r${BigInt(`0x${randomBytes(8).toString('hex')}`) % 10n ** 19n}`
}

function draftItem(account: Account, draftId: string): StoredMessage | null {
  const id = account.drafts.get(draftId)
  return id ? findMessage(account, id) : null
}

function createDraft(ctx: ApiContext): ApiResponse {
  const parsed = jsonBody(ctx.req)
  if (!parsed.ok) return gmail.invalid(`Invalid JSON payload received. ${parsed.error}`)
  const bad = validateBody('Draft', parsed.value ?? {}, 'draft')
  if (bad) return bad
  const draft = (parsed.value ?? {}) as gmail_v1.Schema$Draft
  const raw = readRawField(draft.message as Record<string, unknown> | undefined)
  if (raw && !Buffer.isBuffer(raw)) return raw
  if (!raw)
    return gmail.invalidArgument("'raw' RFC822 payload message string or uploading message via /upload/* URL required")
  const crlf = toCrlf(raw)
  const item = gmailInsert(ctx.account, crlf, ['DRAFT'], ctx.core.clock.now(), draft.message?.threadId ?? undefined)
  const id = newDraftId()
  ctx.account.drafts.set(id, item.id)
  return ok({
    id,
    message: { id: item.id, threadId: item.threadId, labelIds: ['DRAFT'] },
  } satisfies gmail_v1.Schema$Draft)
}

function getDraft(ctx: ApiContext, q: QueryValues, [draftId]: string[]): ApiResponse {
  const item = draftItem(ctx.account, draftId!)
  if (!item) return gmail.notFound()
  return ok({ id: draftId, message: messageResource(item, q.format?.[0] ?? 'full') } satisfies gmail_v1.Schema$Draft)
}

function listDrafts(ctx: ApiContext, q: QueryValues): ApiResponse {
  const drafts: gmail_v1.Schema$Draft[] = []
  for (const [id, messageId] of ctx.account.drafts) {
    const item = findMessage(ctx.account, messageId)
    if (item) drafts.push({ id, message: { id: item.id, threadId: item.threadId } })
  }
  drafts.reverse()
  const limit = maxResults(q)
  const response: gmail_v1.Schema$ListDraftsResponse = { resultSizeEstimate: Math.min(drafts.length, limit) }
  if (drafts.length) response.drafts = drafts.slice(0, limit)
  return ok(response)
}

function removeDraft(account: Account, draftId: string, item: StoredMessage): void {
  account.drafts.delete(draftId)
  item.deleted = true
  account.mailbox.unindexMessageId(item)
  account.mailbox.record(item, 'removed')
}

function deleteDraft(ctx: ApiContext, _q: QueryValues, [draftId]: string[]): ApiResponse {
  const item = draftItem(ctx.account, draftId!)
  if (!item) return gmail.notFound()
  removeDraft(ctx.account, draftId!, item)
  return { status: 204 }
}

function sendDraft(ctx: ApiContext): ApiResponse {
  const parsed = jsonBody(ctx.req)
  if (!parsed.ok) return gmail.invalid(`Invalid JSON payload received. ${parsed.error}`)
  const bad = validateBody('Draft', parsed.value ?? {}, 'draft')
  if (bad) return bad
  const draft = (parsed.value ?? {}) as gmail_v1.Schema$Draft
  if (!draft.id) return gmail.invalidArgument('Invalid draft')
  const item = draftItem(ctx.account, draft.id)
  if (!item) return gmail.notFound()
  const response = sendRaw(ctx, item.raw, item.threadId === item.id ? undefined : item.threadId)
  if (response.status === 200) removeDraft(ctx.account, draft.id, item)
  return response
}

// ---------- batch ----------

const MAX_BATCH = 100

async function batch(ctx: ApiContext): Promise<ApiResponse> {
  if (ctx.req.method !== 'POST') return notFoundPage(ctx.req.url.pathname)
  const contentType = header(ctx.req, 'content-type') ?? ''
  const { type, params } = parseContentType(contentType)
  if (type !== 'multipart/mixed' || !params.boundary) {
    return gmail.badRequest('Batch requests must be multipart/mixed with a boundary.')
  }
  const tree = parseMimeTree(Buffer.concat([Buffer.from(`Content-Type: ${contentType}\r\n\r\n`), ctx.req.body]))
  if (tree.parts.length > MAX_BATCH) return gmail.badRequest(`A batch request may contain at most ${MAX_BATCH} calls.`)
  const boundary = `batch_${randomBytes(12).toString('base64url')}`
  const out: string[] = []
  for (const part of tree.parts) {
    const contentId = headerValue(part.headers, 'content-id')
    const inner = parseHttpMessage(part.body, ctx.req.url)
    let response: ApiResponse
    if (!inner) response = gmail.badRequest('Failed to parse batch request')
    else {
      if (!inner.headers.authorization && ctx.req.headers.authorization)
        inner.headers.authorization = ctx.req.headers.authorization
      response = await ctx.runPart(inner)
    }
    const rendered = renderBody(response)
    const lines = [`--${boundary}`, 'Content-Type: application/http']
    if (contentId) lines.push(`Content-ID: <response-${contentId.replace(/^<|>$/g, '')}>`)
    lines.push('', `HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? ''}`.trimEnd())
    for (const [k, v] of Object.entries(response.headers ?? {})) lines.push(`${k}: ${v}`)
    lines.push(
      `Content-Type: ${rendered.contentType}`,
      `Content-Length: ${Buffer.byteLength(rendered.text)}`,
      '',
      rendered.text,
    )
    out.push(lines.join('\r\n'))
  }
  out.push(`--${boundary}--`, '')
  return { status: 200, contentType: `multipart/mixed; boundary=${boundary}`, body: out.join('\r\n') }
}

export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export function renderBody(response: ApiResponse): { text: string; contentType: string } {
  const body = response.body
  if (body === undefined) return { text: '', contentType: response.contentType ?? 'text/plain' }
  if (typeof body === 'string') return { text: body, contentType: response.contentType ?? 'text/plain; charset=UTF-8' }
  if (Buffer.isBuffer(body))
    return { text: body.toString('utf8'), contentType: response.contentType ?? 'application/octet-stream' }
  return { text: JSON.stringify(body, null, 2), contentType: response.contentType ?? 'application/json; charset=UTF-8' }
}
