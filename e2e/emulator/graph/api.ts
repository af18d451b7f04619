/**
 * The Microsoft Graph mail subset: /me, create / update / send drafts, createReply(All), sendMail,
 * message lists with $filter/$select/$top, the inbox delta query, $value, and JSON $batch — in
 * Graph's shapes, with Graph's refusals.
 */
import type * as MSGraph from '@microsoft/microsoft-graph-types'
import type { Account } from '../core.ts'
import { type ApiResponse, graph } from '../errors.ts'
import { type ApiContext, type EmuRequest, header } from '../http.ts'
import { type EmailAddress, type Header, htmlToText, isValidAddress, snippetOf } from '../mime.ts'
import { type Folder, type GraphDraft, newGraphId, type StoredMessage } from '../store.ts'
import { createDraftItem, draftMime, emptyDraft, touch } from './mailbox.ts'
import { FilterError, type FilterValue, parseFilter } from './odata.ts'

const GRAPH_ROOT = 'https://graph.microsoft.com/v1.0'
const TYPE = 'microsoft.graph.message'

export function isGraphPath(path: string): boolean {
  return path.startsWith('/v1.0/') || path === '/v1.0'
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

const FOLDER_NAMES: Record<string, Folder> = { inbox: 'inbox', sentitems: 'sent', drafts: 'drafts' }
const FOLDER_DISPLAY: Record<Folder, string> = { inbox: 'Inbox', sent: 'Sent Items', drafts: 'Drafts' }

function resolveFolder(account: Account, name: string): Folder | null {
  const known = FOLDER_NAMES[name.toLowerCase()]
  if (known) return known
  for (const [folder, id] of Object.entries(account.folderIds)) if (id === name) return folder as Folder
  return null
}

// ---------- JSON representation ----------

const DEFAULT_PROPS = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
]
const SELECTABLE = new Set([...DEFAULT_PROPS, 'internetMessageHeaders', 'uniqueBody'])

const recipient = (a: EmailAddress): MSGraph.Recipient => ({
  emailAddress: { name: a.name || a.address, address: a.address },
})

interface View {
  subject: string
  body: { contentType: 'text' | 'html'; content: string }
  from: EmailAddress | null
  to: EmailAddress[]
  cc: EmailAddress[]
  bcc: EmailAddress[]
  replyTo: EmailAddress[]
}

function view(account: Account, item: StoredMessage): View {
  const d = item.graph?.draft
  if (d) {
    return {
      subject: d.subject,
      body: d.body,
      from: item.graph!.fromOverride ?? { name: account.displayName, address: account.address },
      to: d.toRecipients,
      cc: d.ccRecipients,
      bcc: d.bccRecipients,
      replyTo: d.replyTo,
    }
  }
  const { text, html } = item.bodyText
  return {
    subject: item.subject,
    body: html !== null ? { contentType: 'html', content: html } : { contentType: 'text', content: text },
    from: item.from,
    to: item.addresses('to'),
    cc: item.addresses('cc'),
    bcc: item.addresses('bcc'),
    replyTo: item.addresses('reply-to'),
  }
}

interface RenderOptions {
  select: string[] | null
  bodyAsText: boolean
  sentHeaders: boolean
}

export function messageJson(account: Account, item: StoredMessage, opts: RenderOptions): Record<string, unknown> {
  const g = item.graph!
  const v = view(account, item)
  const props = opts.select ?? DEFAULT_PROPS
  const out: Record<string, unknown> = { '@odata.etag': `W/"${g.changeKey}"` }
  const body =
    opts.bodyAsText && v.body.contentType === 'html'
      ? { contentType: 'text', content: htmlToText(v.body.content) }
      : v.body
  for (const prop of ['id', ...props]) {
    switch (prop) {
      case 'id':
        out.id = item.id
        break
      case 'createdDateTime':
        out.createdDateTime = iso(g.createdDateTime)
        break
      case 'lastModifiedDateTime':
        out.lastModifiedDateTime = iso(g.lastModifiedDateTime)
        break
      case 'changeKey':
        out.changeKey = g.changeKey
        break
      case 'categories':
        out.categories = g.categories
        break
      case 'receivedDateTime':
        out.receivedDateTime = iso(item.internalDate)
        break
      case 'sentDateTime':
        out.sentDateTime = g.sentDateTime === null ? null : iso(g.sentDateTime)
        break
      case 'hasAttachments':
        out.hasAttachments = /multipart\/mixed/i.test(item.header('content-type') ?? '')
        break
      case 'internetMessageId':
        out.internetMessageId = g.internetMessageId
        break
      case 'subject':
        out.subject = v.subject
        break
      case 'bodyPreview':
        out.bodyPreview = snippetOf(v.body.contentType === 'html' ? htmlToText(v.body.content) : v.body.content, 255)
        break
      case 'importance':
        out.importance = g.importance
        break
      case 'parentFolderId':
        out.parentFolderId = account.folderIds[item.folder]
        break
      case 'conversationId':
        out.conversationId = item.threadId
        break
      case 'conversationIndex':
        out.conversationIndex = g.conversationIndex
        break
      case 'isDeliveryReceiptRequested':
      case 'isReadReceiptRequested':
        out[prop] = false
        break
      case 'isRead':
        out.isRead = g.isRead
        break
      case 'isDraft':
        out.isDraft = g.isDraft
        break
      case 'webLink':
        out.webLink = `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(item.id)}&exvsurl=1&viewmodel=ReadMessageItem`
        break
      case 'inferenceClassification':
        out.inferenceClassification = 'focused'
        break
      case 'body':
      case 'uniqueBody':
        out[prop] = body
        break
      case 'sender':
      case 'from':
        out[prop] = v.from ? recipient(v.from) : null
        break
      case 'toRecipients':
        out.toRecipients = v.to.map(recipient)
        break
      case 'ccRecipients':
        out.ccRecipients = v.cc.map(recipient)
        break
      case 'bccRecipients':
        out.bccRecipients = v.bcc.map(recipient)
        break
      case 'replyTo':
        out.replyTo = v.replyTo.map(recipient)
        break
      case 'flag':
        out.flag = { flagStatus: g.flagStatus }
        break
      case 'internetMessageHeaders':
        // Exchange keeps transport headers only on received items; sent items and drafts have none.
        if (item.folder === 'inbox' && !g.draft)
          out.internetMessageHeaders = item.headers.map((h) => ({ name: h.name, value: h.value }))
        else if (opts.sentHeaders && g.draft) out.internetMessageHeaders = g.draft.internetMessageHeaders
        break
    }
  }
  return out
}

// ---------- request helpers ----------

const ok = (status: number, body: unknown, headers?: Record<string, string>): ApiResponse => ({
  status,
  body,
  headers,
  contentType: 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8',
})

function prefer(req: EmuRequest): { maxPageSize: number | null; immutable: boolean; bodyText: boolean } {
  const value = (header(req, 'prefer') ?? '').toLowerCase()
  const size = /odata\.maxpagesize\s*=\s*(\d+)/.exec(value)
  return {
    maxPageSize: size ? Number(size[1]) : null,
    immutable: /idtype\s*=\s*"?immutableid"?/.test(value),
    bodyText: /outlook\.body-content-type\s*=\s*"?text"?/.test(value),
  }
}

function parseSelect(value: string | null): string[] | ApiResponse | null {
  if (value === null) return null
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const name of list) {
    if (!SELECTABLE.has(name)) {
      return graph.badRequest(`Could not find a property named '${name}' on type '${TYPE}'.`, 'RequestBroker--ParseUri')
    }
  }
  return list
}

const isResponse = (v: unknown): v is ApiResponse =>
  typeof v === 'object' && v !== null && 'status' in v && typeof (v as ApiResponse).status === 'number'

function checkOptions(url: URL, allowed: string[]): ApiResponse | null {
  for (const key of url.searchParams.keys()) {
    if (key.startsWith('$') && !allowed.includes(key.toLowerCase())) {
      return graph.badRequest(
        `Query option '${key}' is not allowed. Make sure the query option is supported for this request.`,
      )
    }
  }
  return null
}

function readJson(req: EmuRequest): { value: unknown } | ApiResponse {
  if (!req.body.length) return { value: undefined }
  const type = header(req, 'content-type') ?? ''
  const bad = graph.badRequest(
    'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
  )
  if (!/application\/json/i.test(type)) return bad
  try {
    return { value: JSON.parse(req.body.toString('utf8')) }
  } catch {
    return bad
  }
}

// ---------- drafts from JSON ----------

const WRITABLE = new Set([
  'subject',
  'body',
  'torecipients',
  'ccrecipients',
  'bccrecipients',
  'replyto',
  'from',
  'sender',
  'importance',
  'internetmessageheaders',
  'internetmessageid',
  'isread',
  'categories',
  'flag',
  'isdeliveryreceiptrequested',
  'isreadreceiptrequested',
  'inferenceclassification',
  'singlevalueextendedproperties',
  'multivalueextendedproperties',
  '@odata.type',
])

const MAX_CUSTOM_HEADERS = 5
const MAX_HEADER_BYTES = 256 * 1024

function bodyReadError(message: string): ApiResponse {
  return graph.badRequest(message, 'RequestBodyRead')
}

function readRecipients(value: unknown, prop: string): EmailAddress[] | ApiResponse {
  if (value === null) return []
  if (!Array.isArray(value)) {
    return bodyReadError(
      `An unexpected 'StartObject' node was found for property named '${prop}' when reading from the JSON reader. A 'StartArray' node was expected.`,
    )
  }
  const out: EmailAddress[] = []
  for (const r of value) {
    const email = (r as MSGraph.Recipient | null)?.emailAddress
    if (!email || typeof email !== 'object') return bodyReadError(`Invalid recipient in '${prop}'.`)
    out.push({
      name: typeof email.name === 'string' ? email.name : '',
      address: typeof email.address === 'string' ? email.address : '',
    })
  }
  return out
}

interface DraftPatch {
  draft: Partial<GraphDraft>
  isRead?: boolean
  importance?: 'low' | 'normal' | 'high'
  categories?: string[]
  flagStatus?: 'notFlagged' | 'complete' | 'flagged'
  from?: EmailAddress | null
  internetMessageId?: string
}

/** Reads message properties from a JSON body; Graph refuses unknown properties and non-x- headers. */
function readMessageProps(value: unknown): DraftPatch | ApiResponse {
  if (value === undefined) return { draft: {} }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bodyReadError('The request payload must be a JSON object representing a message.')
  }
  const patch: DraftPatch = { draft: {} }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const lower = key.toLowerCase()
    if (lower === 'attachments')
      return graph.badRequest('Attachments are not supported by the emulator.', 'NotSupported')
    if (!WRITABLE.has(lower)) {
      return bodyReadError(
        `The property '${key}' does not exist on type '${TYPE}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      )
    }
    switch (lower) {
      case 'subject':
        if (v !== null && typeof v !== 'string')
          return bodyReadError(`Cannot convert a primitive value to the expected type 'Edm.String'.`)
        patch.draft.subject = (v as string | null) ?? ''
        break
      case 'body': {
        const b = v as MSGraph.ItemBody | null
        if (b !== null && (typeof b !== 'object' || Array.isArray(b)))
          return bodyReadError("Invalid value for property 'body'.")
        const type = String(b?.contentType ?? 'text').toLowerCase()
        if (type !== 'text' && type !== 'html') {
          return bodyReadError(`The value '${b?.contentType}' is not a valid value for 'microsoft.graph.bodyType'.`)
        }
        patch.draft.body = { contentType: type, content: typeof b?.content === 'string' ? b.content : '' }
        break
      }
      case 'torecipients':
      case 'ccrecipients':
      case 'bccrecipients':
      case 'replyto': {
        const list = readRecipients(v, key)
        if (isResponse(list)) return list
        const field = (
          {
            torecipients: 'toRecipients',
            ccrecipients: 'ccRecipients',
            bccrecipients: 'bccRecipients',
            replyto: 'replyTo',
          } as const
        )[lower]
        patch.draft[field] = list
        break
      }
      case 'from':
      case 'sender': {
        const email = (v as MSGraph.Recipient | null)?.emailAddress
        patch.from = email?.address ? { name: email.name ?? '', address: email.address } : null
        break
      }
      case 'importance': {
        const imp = String(v).toLowerCase()
        if (!['low', 'normal', 'high'].includes(imp))
          return bodyReadError(`The value '${v}' is not a valid value for 'microsoft.graph.importance'.`)
        patch.importance = imp as DraftPatch['importance']
        break
      }
      case 'isread':
        if (typeof v !== 'boolean')
          return bodyReadError("Cannot convert a primitive value to the expected type 'Edm.Boolean'.")
        patch.isRead = v
        break
      case 'categories':
        if (!Array.isArray(v) || v.some((c) => typeof c !== 'string'))
          return bodyReadError("Invalid value for property 'categories'.")
        patch.categories = v as string[]
        break
      case 'flag': {
        const status = (v as MSGraph.FollowupFlag | null)?.flagStatus ?? 'notFlagged'
        if (!['notFlagged', 'complete', 'flagged'].includes(status))
          return bodyReadError("Invalid value for property 'flagStatus'.")
        patch.flagStatus = status as DraftPatch['flagStatus']
        break
      }
      case 'internetmessageid':
        if (typeof v !== 'string' || !/^<[^<>\s]+@[^<>\s]+>$/.test(v)) {
          return graph.badRequest('The internet message id is not valid.', 'ErrorInvalidInternetMessageId')
        }
        patch.internetMessageId = v
        break
      case 'internetmessageheaders': {
        if (!Array.isArray(v) || v.length === 0 || v.length > MAX_CUSTOM_HEADERS) {
          return graph.badRequest(
            `Maximum number of headers in one message should be less than or equal to ${MAX_CUSTOM_HEADERS}.`,
            'InvalidInternetMessageHeaderCollection',
          )
        }
        const headers: Header[] = []
        let size = 0
        for (const h of v as MSGraph.InternetMessageHeader[]) {
          const name = typeof h?.name === 'string' ? h.name : ''
          const val = typeof h?.value === 'string' ? h.value : ''
          if (!/^x-/i.test(name)) {
            return graph.badRequest(
              `The internet message header name '${name}' should start with 'x-' or 'X-'.`,
              'InvalidInternetMessageHeader',
            )
          }
          if (!/^[!-9;-~]+$/.test(name) || /[\r\n\0]/.test(val)) {
            return graph.badRequest(
              `The internet message header '${name}' has an invalid name or value.`,
              'InvalidInternetMessageHeader',
            )
          }
          size += name.length + val.length
          headers.push({ name, value: val })
        }
        if (size > MAX_HEADER_BYTES)
          return graph.badRequest(
            'The internet message headers exceed the size limit.',
            'InvalidInternetMessageHeaderCollection',
          )
        patch.draft.internetMessageHeaders = headers
        break
      }
      default:
        break
    }
  }
  return patch
}

function applyPatch(account: Account, item: StoredMessage, patch: DraftPatch): void {
  const g = item.graph!
  if (g.draft) Object.assign(g.draft, patch.draft)
  if (patch.isRead !== undefined) g.isRead = patch.isRead
  if (patch.importance) g.importance = patch.importance
  if (patch.categories) g.categories = patch.categories
  if (patch.flagStatus) g.flagStatus = patch.flagStatus
  if (patch.from !== undefined && g.draft) {
    g.fromOverride = patch.from && patch.from.address.toLowerCase() !== account.address ? patch.from : null
  }
  if (g.draft) item.setSource(() => draftMime(account, item))
}

// ---------- routing ----------

type Handler = (ctx: ApiContext, params: string[]) => ApiResponse | Promise<ApiResponse>
interface Route {
  method: string
  pattern: RegExp
  handler: Handler
  /** Scopes that allow the call (any of them). */
  scopes: string[]
}

const READ = ['Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic']
const READ_FULL = ['Mail.Read', 'Mail.ReadWrite']
const WRITE = ['Mail.ReadWrite']
const SEND = ['Mail.Send']

const routes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/me$/,
    handler: getMe,
    scopes: ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All'],
  },
  { method: 'GET', pattern: /^\/me\/messages$/, handler: (c) => listMessages(c, null), scopes: READ },
  { method: 'POST', pattern: /^\/me\/messages$/, handler: createMessage, scopes: WRITE },
  { method: 'POST', pattern: /^\/me\/sendmail$/i, handler: sendMail, scopes: SEND },
  { method: 'GET', pattern: /^\/me\/mailfolders\/([^/]+)$/i, handler: getFolder, scopes: READ },
  {
    method: 'GET',
    pattern: /^\/me\/mailfolders\/([^/]+)\/messages$/i,
    handler: (c, p) => listFolder(c, p),
    scopes: READ,
  },
  { method: 'GET', pattern: /^\/me\/mailfolders\/([^/]+)\/messages\/delta(\(\))?$/i, handler: delta, scopes: READ },
  { method: 'GET', pattern: /^\/me\/messages\/([^/]+)$/, handler: getMessage, scopes: READ },
  { method: 'PATCH', pattern: /^\/me\/messages\/([^/]+)$/, handler: patchMessage, scopes: WRITE },
  { method: 'DELETE', pattern: /^\/me\/messages\/([^/]+)$/, handler: deleteMessage, scopes: WRITE },
  { method: 'GET', pattern: /^\/me\/messages\/([^/]+)\/\$value$/, handler: getMime, scopes: READ_FULL },
  { method: 'POST', pattern: /^\/me\/messages\/([^/]+)\/send$/i, handler: sendDraft, scopes: SEND },
  {
    method: 'POST',
    pattern: /^\/me\/messages\/([^/]+)\/createreply$/i,
    handler: (c, p) => createReply(c, p, false),
    scopes: WRITE,
  },
  {
    method: 'POST',
    pattern: /^\/me\/messages\/([^/]+)\/createreplyall$/i,
    handler: (c, p) => createReply(c, p, true),
    scopes: WRITE,
  },
]

/** Maps `/users/{id or upn}/…` onto `/me/…` for the signed-in user. */
function normalizePath(ctx: ApiContext): string | ApiResponse {
  // OData key syntax — mailFolders('inbox'), messages('id') — is the same resource as the path form.
  let path = (ctx.req.url.pathname.slice('/v1.0'.length) || '/').replace(
    /\/(\w+)\((?:'|%27)([^')]*)(?:'|%27)\)/g,
    '/$1/$2',
  )
  const users = /^\/users\/([^/]+)(\/.*)?$/.exec(path)
  if (users) {
    const who = decodeURIComponent(users[1]!).toLowerCase()
    if (who !== ctx.account.address && who !== ctx.account.id) return graph.accessDenied()
    path = `/me${users[2] ?? ''}`
  }
  return path
}

export async function handleGraph(ctx: ApiContext): Promise<ApiResponse> {
  const path = normalizePath(ctx)
  if (isResponse(path)) return path
  if (path === '/$batch') return ctx.inBatch ? graph.badRequest('Nested batch requests are not supported.') : batch(ctx)
  for (const route of routes) {
    if (route.method !== ctx.req.method) continue
    const match = route.pattern.exec(path)
    if (!match) continue
    if (ctx.scopes && !route.scopes.some((s) => ctx.scopes!.has(s))) return graph.accessDenied()
    return route.handler(
      ctx,
      match
        .slice(1)
        .filter((p) => p !== undefined && p !== '()')
        .map(decodeURIComponent),
    )
  }
  const segment = path.split('/').filter(Boolean).pop() ?? ''
  if (routes.some((r) => r.pattern.test(path)))
    return graph.badRequest(`Unsupported method ${ctx.req.method}.`, 'BadRequest')
  return graph.badRequest(`Resource not found for the segment '${segment}'.`)
}

function findItem(ctx: ApiContext, id: string): StoredMessage | ApiResponse {
  if (!/^[A-Za-z0-9_=+/-]{20,}$/.test(id)) return graph.malformedId()
  const item = ctx.account.mailbox.items.get(id)
  return item && !item.deleted ? item : graph.notFound()
}

function renderOptions(ctx: ApiContext, select: string[] | null): RenderOptions {
  return { select, bodyAsText: prefer(ctx.req).bodyText, sentHeaders: ctx.core.options.graphSentHeaders }
}

// ---------- handlers ----------

function getMe(ctx: ApiContext): ApiResponse {
  const a = ctx.account
  const [given = a.displayName, ...rest] = a.displayName.split(' ')
  const user: MSGraph.User & Record<string, unknown> = {
    '@odata.context': `${GRAPH_ROOT}/$metadata#users/$entity`,
    businessPhones: [],
    displayName: a.displayName,
    givenName: given,
    jobTitle: null,
    mail: a.address,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: a.lang === 'en' ? 'en-US' : a.lang,
    surname: rest.join(' ') || null,
    userPrincipalName: a.address,
    id: a.id,
  }
  return ok(200, user)
}

function getFolder(ctx: ApiContext, [name]: string[]): ApiResponse {
  const folder = resolveFolder(ctx.account, name!)
  if (!folder) return graph.notFound()
  const items = ctx.account.mailbox.inFolder(folder)
  const body: MSGraph.MailFolder & Record<string, unknown> = {
    '@odata.context': `${GRAPH_ROOT}/$metadata#users('${ctx.account.id}')/mailFolders/$entity`,
    id: ctx.account.folderIds[folder],
    displayName: FOLDER_DISPLAY[folder],
    parentFolderId: ctx.account.folderIds.inbox.replace(/AAA=$/, 'AAE='),
    childFolderCount: 0,
    unreadItemCount: items.filter((m) => !m.graph?.isRead).length,
    totalItemCount: items.length,
    isHidden: false,
  }
  return ok(200, body)
}

const FILTER_PROPS: Record<string, (m: StoredMessage) => FilterValue> = {
  internetmessageid: (m) => m.graph?.internetMessageId ?? null,
  subject: (m) => m.graph?.draft?.subject ?? m.subject,
  receiveddatetime: (m) => m.internalDate,
  sentdatetime: (m) => m.graph?.sentDateTime ?? null,
  createddatetime: (m) => m.graph?.createdDateTime ?? null,
  lastmodifieddatetime: (m) => m.graph?.lastModifiedDateTime ?? null,
  isread: (m) => m.graph?.isRead ?? false,
  isdraft: (m) => m.graph?.isDraft ?? false,
  importance: (m) => m.graph?.importance ?? 'normal',
  conversationid: (m) => m.threadId,
  hasattachments: (m) => /multipart\/mixed/i.test(m.header('content-type') ?? ''),
  'from/emailaddress/address': (m) => m.from?.address ?? null,
  'from/emailaddress/name': (m) => m.from?.name ?? null,
  'sender/emailaddress/address': (m) => m.from?.address ?? null,
  inferenceclassification: () => 'focused',
}

function filterProps(account: Account): Record<string, (m: StoredMessage) => FilterValue> {
  return {
    ...FILTER_PROPS,
    parentfolderid: (m) => account.folderIds[m.folder],
    'from/emailaddress/address': (m) =>
      m.graph?.draft ? (m.graph.fromOverride?.address ?? account.address) : (m.from?.address ?? null),
  }
}

const LIST_OPTIONS = ['$select', '$filter', '$top', '$skip', '$orderby', '$count']

function listFolder(ctx: ApiContext, [name]: string[]): ApiResponse {
  const folder = resolveFolder(ctx.account, name!)
  if (!folder) return graph.notFound()
  return listMessages(ctx, folder)
}

function listMessages(ctx: ApiContext, folder: Folder | null): ApiResponse {
  const url = ctx.req.url
  const bad = checkOptions(url, LIST_OPTIONS)
  if (bad) return bad
  const params = url.searchParams
  const select = parseSelect(params.get('$select'))
  if (isResponse(select)) return select
  const top = params.has('$top') ? Number(params.get('$top')) : 10
  const skip = params.has('$skip') ? Number(params.get('$skip')) : 0
  if (!Number.isInteger(top) || top < 0 || top > 1000)
    return graph.badRequest(`Invalid value '${params.get('$top')}' for $top query option found.`)
  if (!Number.isInteger(skip) || skip < 0)
    return graph.badRequest(`Invalid value '${params.get('$skip')}' for $skip query option found.`)
  const mailbox = ctx.account.mailbox
  let candidates: StoredMessage[]
  let predicate: ((m: StoredMessage) => boolean) | null = null
  const filterText = params.get('$filter')
  if (filterText) {
    try {
      const parsed = parseFilter(filterText, filterProps(ctx.account), TYPE)
      predicate = parsed.predicate
      candidates =
        parsed.internetMessageId !== null ? (mailbox.byMessageId.get(parsed.internetMessageId) ?? []) : mailbox.order
    } catch (e) {
      if (e instanceof FilterError) return graph.badRequest(e.message, e.code)
      throw e
    }
  } else candidates = mailbox.order
  const orderby = (params.get('$orderby') ?? 'receivedDateTime desc').trim()
  const order = /^(receivedDateTime|sentDateTime|createdDateTime)(\s+(asc|desc))?$/i.exec(orderby)
  if (!order) return graph.badRequest(`The $orderby expression '${orderby}' is not supported.`, 'ErrorInvalidUrlQuery')
  const matches = candidates.filter(
    (m) => !m.deleted && (folder === null || m.folder === folder) && (!predicate || predicate(m)),
  )
  const key = order[1]!.toLowerCase()
  const value = (m: StoredMessage) =>
    key === 'receiveddatetime'
      ? m.internalDate
      : key === 'sentdatetime'
        ? (m.graph?.sentDateTime ?? 0)
        : (m.graph?.createdDateTime ?? 0)
  const descending = (order[3] ?? 'asc').toLowerCase() === 'desc'
  const sorted = matches
    .map((m, i) => ({ m, i }))
    .sort((a, b) => (value(a.m) - value(b.m) || a.i - b.i) * (descending ? -1 : 1))
    .map((x) => x.m)
  const page = sorted.slice(skip, skip + top)
  const where = folder ? `mailFolders('${folder === 'sent' ? 'sentitems' : folder}')/messages` : 'messages'
  const body: Record<string, unknown> = {
    '@odata.context': `${GRAPH_ROOT}/$metadata#users('${ctx.account.id}')/${where}${select ? `(${select.join(',')})` : ''}`,
  }
  if (params.get('$count') === 'true') body['@odata.count'] = sorted.length
  body.value = page.map((m) => messageJson(ctx.account, m, renderOptions(ctx, select)))
  if (skip + top < sorted.length) {
    const next = new URL(url.href)
    next.searchParams.set('$top', String(top))
    next.searchParams.set('$skip', String(skip + top))
    body['@odata.nextLink'] = next.href
  }
  return ok(200, body)
}

function getMessage(ctx: ApiContext, [id]: string[]): ApiResponse {
  const bad = checkOptions(ctx.req.url, ['$select', '$expand'])
  if (bad) return bad
  const item = findItem(ctx, id!)
  if (isResponse(item)) return item
  const select = parseSelect(ctx.req.url.searchParams.get('$select'))
  if (isResponse(select)) return select
  return ok(200, {
    '@odata.context': `${GRAPH_ROOT}/$metadata#users('${ctx.account.id}')/messages/$entity`,
    ...messageJson(ctx.account, item, renderOptions(ctx, select)),
  })
}

function getMime(ctx: ApiContext, [id]: string[]): ApiResponse {
  const item = findItem(ctx, id!)
  if (isResponse(item)) return item
  return { status: 200, contentType: 'text/plain', body: item.raw }
}

function createMessage(ctx: ApiContext): ApiResponse {
  const json = readJson(ctx.req)
  if (isResponse(json)) return json
  const patch = readMessageProps(json.value)
  if (isResponse(patch)) return patch
  const item = createDraftItem(ctx.account, ctx.core.clock.now(), { ...emptyDraft(), ...patch.draft })
  if (patch.internetMessageId) {
    ctx.account.mailbox.unindexMessageId(item)
    item.graph!.internetMessageId = patch.internetMessageId
    item.setSource(() => draftMime(ctx.account, item))
    ctx.account.mailbox.index(item)
  }
  item.graph!.immutableId = prefer(ctx.req).immutable
  applyPatch(ctx.account, item, { ...patch, draft: {} })
  const body = {
    '@odata.context': `${GRAPH_ROOT}/$metadata#users('${ctx.account.id}')/messages/$entity`,
    ...messageJson(ctx.account, item, renderOptions(ctx, null)),
  }
  return ok(201, body, { location: `${GRAPH_ROOT}/users('${ctx.account.id}')/messages('${item.id}')` })
}

function patchMessage(ctx: ApiContext, [id]: string[]): ApiResponse {
  const item = findItem(ctx, id!)
  if (isResponse(item)) return item
  const json = readJson(ctx.req)
  if (isResponse(json)) return json
  const patch = readMessageProps(json.value)
  if (isResponse(patch)) return patch
  if (!item.graph!.isDraft) {
    const locked = Object.keys(patch.draft).concat(patch.from !== undefined ? ['from'] : [])
    if (locked.length) {
      return graph.badRequest(
        `The property '${locked[0]}' can only be updated on a draft message.`,
        'ErrorInvalidPropertyUpdateSentMessage',
      )
    }
  }
  applyPatch(ctx.account, item, patch)
  touch(ctx.account, item, ctx.core.clock.now())
  return ok(200, {
    '@odata.context': `${GRAPH_ROOT}/$metadata#users('${ctx.account.id}')/messages/$entity`,
    ...messageJson(ctx.account, item, renderOptions(ctx, null)),
  })
}

function deleteMessage(ctx: ApiContext, [id]: string[]): ApiResponse {
  const item = findItem(ctx, id!)
  if (isResponse(item)) return item
  item.deleted = true
  ctx.account.mailbox.unindexMessageId(item)
  ctx.account.mailbox.record(item, 'removed')
  return { status: 204 }
}

function createReply(ctx: ApiContext, [id]: string[], all: boolean): ApiResponse {
  const original = findItem(ctx, id!)
  if (isResponse(original)) return original
  const json = readJson(ctx.req)
  if (isResponse(json)) return json
  const input = (json.value ?? {}) as { comment?: unknown; message?: unknown }
  for (const key of Object.keys(input)) {
    if (key !== 'comment' && key !== 'message') {
      return bodyReadError(
        `The parameter '${key}' in the request payload is not a valid parameter for the operation '${all ? 'createReplyAll' : 'createReply'}'.`,
      )
    }
  }
  const patch = readMessageProps(input.message)
  if (isResponse(patch)) return patch
  const me = ctx.account.address
  const v = view(ctx.account, original)
  const sender = v.replyTo.length ? v.replyTo : v.from ? [v.from] : []
  const notMe = (a: EmailAddress) => a.address.toLowerCase() !== me
  const to = all ? [...sender, ...v.to.filter(notMe)] : sender
  const cc = all ? v.cc.filter(notMe) : []
  const mid = original.graph?.internetMessageId ?? original.messageId
  const references = [original.header('references'), mid].filter(Boolean).join(' ')
  const comment = typeof input.comment === 'string' ? input.comment : ''
  const quoted = v.body.contentType === 'html' ? v.body.content : `<pre>${v.body.content.replace(/</g, '&lt;')}</pre>`
  const draft: GraphDraft = {
    ...emptyDraft(),
    subject: /^re:/i.test(v.subject) ? v.subject : `RE: ${v.subject}`,
    body: {
      contentType: 'html',
      content: `<html><body><div>${comment}</div><hr><div><b>From:</b> ${v.from?.name ?? ''} &lt;${v.from?.address ?? ''}&gt;<br><b>Subject:</b> ${v.subject}</div>${quoted}</body></html>`,
    },
    toRecipients: to,
    ccRecipients: cc,
    inReplyTo: mid,
    references,
    ...patch.draft,
  }
  const item = createDraftItem(ctx.account, ctx.core.clock.now(), draft, original.threadId)
  item.graph!.immutableId = prefer(ctx.req).immutable
  return ok(201, {
    '@odata.context': `${GRAPH_ROOT}/$metadata#users('${ctx.account.id}')/messages/$entity`,
    ...messageJson(ctx.account, item, renderOptions(ctx, null)),
  })
}

/** Submits a draft: checks recipients and limits, then moves it to Sent Items and sends it on. */
function submit(ctx: ApiContext, item: StoredMessage): ApiResponse {
  const core = ctx.core
  const account = ctx.account
  const g = item.graph!
  const d = g.draft!
  if (g.fromOverride) return graph.sendAsDenied()
  const all = [...d.toRecipients, ...d.ccRecipients, ...d.bccRecipients]
  if (!all.length) {
    return graph.badRequest(
      "At least one recipient is not valid., A message can't be sent because it contains no recipients.",
      'ErrorInvalidRecipients',
    )
  }
  const invalid = all.find((a) => !isValidAddress(a.address))
  if (invalid) {
    return graph.badRequest(
      `At least one recipient is not valid., Recipient '${invalid.address}' is not resolved. All recipients must be resolved before a message can be submitted.`,
      'ErrorInvalidRecipients',
    )
  }
  const recipients = [...new Set(all.map((a) => a.address.toLowerCase()))]
  const limits = core.effectiveLimits(account)
  const refusal = core.checkLimits(account, recipients.length)
  let delay = core.options.sentItemDelayMs
  let quotaNdr = false
  if (refusal) {
    switch (refusal.kind) {
      case 'perMessage':
        return graph.badRequest(
          `The message has too many recipients. The maximum is ${refusal.limit}.`,
          'ErrorTooManyRecipients',
        )
      case 'blocked':
        return graph.quotaExceeded()
      case 'dailyRecipients':
      case 'daily':
        if (limits.exchangeOverDaily === 'ndr') quotaNdr = true
        else return graph.quotaExceeded()
        break
      case 'perMinute':
        if (limits.exchangeOverMinute === 'reject') {
          return graph.throttled(
            Math.max(1, Math.ceil((refusal.retryAt - core.clock.now()) / 1000)),
            'MessageSubmission',
          )
        }
        delay = Math.max(delay, holdBack(account, core.clock.now()) - core.clock.now())
        break
    }
  }
  const mailbox = account.mailbox
  // The draft leaves Drafts at once; the sent copy appears when Exchange has submitted it.
  mailbox.record(item, 'removed', undefined, 'drafts')
  item.folder = 'sent'
  const finish = () => {
    const now = core.clock.now()
    g.isDraft = false
    g.sentDateTime = now
    g.lastModifiedDateTime = now
    item.internalDate = now
    item.setSource(() => draftMime(account, item))
    if (!g.immutableId) {
      mailbox.items.delete(item.id)
      item.id = newGraphId()
      mailbox.items.set(item.id, item)
    }
    mailbox.record(item, 'added')
    if (quotaNdr) {
      account.sends.push({ at: now, id: item.id, messageId: g.internetMessageId, recipients: [], subject: d.subject })
      core.quotaNdr(account, item.raw, recipients[0]!)
    } else
      core.dispatchOutgoing(
        account,
        item,
        recipients.filter((r) => r !== account.address),
      )
    if (recipients.includes(account.address)) core.deliver(account.address, item.raw)
  }
  if (delay > 0) {
    item.deleted = true
    core.later(delay, () => {
      item.deleted = false
      finish()
    })
  } else finish()
  return { status: 202 }
}

/** Exchange holds back submissions over 30/min: the next free slot in the rolling minute. */
function holdBack(account: Account, now: number): number {
  account.queue = account.queue.filter((t) => t > now - 60_000)
  const recent = [...account.sends.map((s) => s.at).filter((t) => t > now - 60_000), ...account.queue].sort(
    (a, b) => a - b,
  )
  const limit = 30
  const slot = recent.length >= limit ? recent[recent.length - limit]! + 60_000 : now
  account.queue.push(slot)
  return slot
}

function sendDraft(ctx: ApiContext, [id]: string[]): ApiResponse {
  const item = findItem(ctx, id!)
  if (isResponse(item)) return item
  if (ctx.req.body.length) {
    const json = readJson(ctx.req)
    if (isResponse(json)) return json
  }
  if (!item.graph?.isDraft) return graph.badRequest('Only draft messages can be sent.', 'ErrorInvalidOperation')
  return submit(ctx, item)
}

function sendMail(ctx: ApiContext): ApiResponse {
  const json = readJson(ctx.req)
  if (isResponse(json)) return json
  const input = json.value as { message?: unknown; saveToSentItems?: unknown } | undefined
  if (!input || typeof input !== 'object' || !input.message) {
    return graph.badRequest('Empty Payload. JSON content expected.', 'ErrorInvalidRequest')
  }
  for (const key of Object.keys(input)) {
    if (key !== 'message' && key !== 'saveToSentItems') {
      return bodyReadError(
        `The parameter '${key}' in the request payload is not a valid parameter for the operation 'sendMail'.`,
      )
    }
  }
  const patch = readMessageProps(input.message)
  if (isResponse(patch)) return patch
  const item = createDraftItem(ctx.account, ctx.core.clock.now(), { ...emptyDraft(), ...patch.draft })
  applyPatch(ctx.account, item, { ...patch, draft: {} })
  const response = submit(ctx, item)
  if (response.status !== 202) {
    item.deleted = true
    ctx.account.mailbox.record(item, 'removed')
  } else if (input.saveToSentItems === false) {
    item.deleted = true
  }
  return response
}

// ---------- delta ----------

interface DeltaState {
  /** Folder being tracked. */
  f: Folder
  /** Resume after this log position. */
  c: number
  /** Round snapshot: changes after this belong to the next round. */
  u: number
  /** Initial round (deletions are not reported). */
  i: boolean
  s: string | null
  /** receivedDateTime ge/gt filter, in ms, and whether it is strict. */
  r: number | null
  rs: boolean
  t: string | null
  p: number
  /** Sync epoch: a reset invalidates earlier tokens. */
  e: number
}

function encodeState(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url')
}

function decodeState(token: string): DeltaState | null {
  try {
    const s = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaState
    return typeof s.c === 'number' && typeof s.u === 'number' ? s : null
  } catch {
    return null
  }
}

export const syncEpochs = new WeakMap<Account, number>()

function delta(ctx: ApiContext, [name]: string[]): ApiResponse {
  const url = ctx.req.url
  const bad = checkOptions(url, ['$select', '$top', '$filter', '$orderby', '$deltatoken', '$skiptoken', '$expand'])
  if (bad) return bad
  const folder = resolveFolder(ctx.account, name!)
  if (!folder) return graph.notFound()
  const mailbox = ctx.account.mailbox
  const epoch = syncEpochs.get(ctx.account) ?? 0
  const params = url.searchParams
  const token = params.get('$deltatoken') ?? params.get('$skiptoken')
  let state: DeltaState
  if (token) {
    const decoded = decodeState(token)
    if (!decoded || decoded.f !== folder)
      return graph.badRequest('The sync state data is not valid.', 'ErrorInvalidSyncStateData')
    if (decoded.e !== epoch) return graphGone()
    state = decoded
    if (params.has('$deltatoken')) state = { ...state, u: mailbox.seq, i: false }
  } else {
    const select = parseSelect(params.get('$select'))
    if (isResponse(select)) return select
    let since: number | null = null
    let strict = false
    const filter = params.get('$filter')
    if (filter) {
      const m = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i.exec(filter)
      const at = m ? Date.parse(m[2]!) : Number.NaN
      if (!m || Number.isNaN(at)) {
        return graph.badRequest(
          'The only supported $filter for messages delta is receivedDateTime ge/gt a date.',
          'ErrorInvalidUrlQueryFilter',
        )
      }
      since = at
      strict = m[1]!.toLowerCase() === 'gt'
    }
    const changeType = params.get('changeType')
    if (changeType && !['created', 'updated', 'deleted'].includes(changeType)) {
      return graph.badRequest(`The value '${changeType}' is not valid for changeType.`)
    }
    const top = params.has('$top') ? Number(params.get('$top')) : null
    state = {
      f: folder,
      c: 0,
      u: mailbox.seq,
      i: true,
      s: select ? select.join(',') : null,
      r: since,
      rs: strict,
      t: changeType,
      p: top ?? 0,
      e: epoch,
    }
  }
  const pageSize = Math.min(prefer(ctx.req).maxPageSize ?? (state.p || 10), 1000)
  const select = state.s ? state.s.split(',') : null
  const value: Record<string, unknown>[] = []
  let index = mailbox.logIndexAfter(state.c)
  let cursor = state.c
  let more = false
  for (; index < mailbox.log.length; index++) {
    const entry = mailbox.log[index]!
    if (entry.seq > state.u) break
    if (value.length === pageSize) {
      more = true
      break
    }
    cursor = entry.seq
    if (entry.folder !== folder) continue
    const item = entry.item
    if (item.lastSeqIn.get(folder) !== entry.seq) continue
    const present = !item.deleted && item.folder === folder && entry.kind !== 'removed'
    if (present) {
      if (
        state.t === 'deleted' ||
        (state.t === 'created' && entry.kind !== 'added') ||
        (state.t === 'updated' && entry.kind !== 'updated')
      )
        continue
      if (state.r !== null && (state.rs ? item.internalDate <= state.r : item.internalDate < state.r)) continue
      value.push({ '@odata.type': `#${TYPE}`, ...messageJson(ctx.account, item, renderOptions(ctx, select)) })
    } else {
      if (state.i || (state.t && state.t !== 'deleted')) continue
      value.push({ '@odata.type': `#${TYPE}`, id: entry.id, '@removed': { reason: 'deleted' } })
    }
  }
  const base = `${url.origin}/v1.0/me/mailFolders('${folder === 'sent' ? 'sentitems' : folder}')/messages/delta`
  const body: Record<string, unknown> = {
    '@odata.context': `${GRAPH_ROOT}/$metadata#Collection(message)`,
  }
  if (more) body['@odata.nextLink'] = `${base}?$skiptoken=${encodeState({ ...state, c: cursor })}`
  else body['@odata.deltaLink'] = `${base}?$deltatoken=${encodeState({ ...state, c: state.u, i: false })}`
  body.value = value
  return ok(200, body)
}

function graphGone(): ApiResponse {
  const r = graph.badRequest(
    'The sync state is not found or has expired. Start a new sync without a token.',
    'SyncStateNotFound',
  )
  return { ...r, status: 410 }
}

// ---------- $batch ----------

const MAX_BATCH = 20

async function batch(ctx: ApiContext): Promise<ApiResponse> {
  if (ctx.req.method !== 'POST') return graph.badRequest('Unsupported method for $batch.')
  const json = readJson(ctx.req)
  if (isResponse(json)) return json
  const requests = (json.value as { requests?: unknown } | undefined)?.requests
  if (!Array.isArray(requests)) return graph.badRequest('Invalid batch payload format.')
  if (requests.length > MAX_BATCH)
    return graph.badRequest(`Number of requests in a batch must not exceed ${MAX_BATCH}.`)
  const ids = new Set<string>()
  for (const r of requests as Record<string, unknown>[]) {
    if (typeof r?.id !== 'string' || typeof r.method !== 'string' || typeof r.url !== 'string') {
      return graph.badRequest('Invalid batch payload format.')
    }
    if (ids.has(r.id)) return graph.badRequest(`Duplicate request id '${r.id}' in the batch.`)
    ids.add(r.id)
  }
  const statuses = new Map<string, number>()
  const responses: Record<string, unknown>[] = []
  for (const r of requests as {
    id: string
    method: string
    url: string
    headers?: Record<string, string>
    body?: unknown
    dependsOn?: string[]
  }[]) {
    const failedDep = (r.dependsOn ?? []).find((d) => (statuses.get(d) ?? 0) >= 400 || !statuses.has(d))
    if (failedDep !== undefined) {
      statuses.set(r.id, 424)
      responses.push({
        id: r.id,
        status: 424,
        body: { error: { code: 'FailedDependency', message: `Dependent request '${failedDep}' failed.` } },
      })
      continue
    }
    const relative = r.url.startsWith('/') ? r.url : `/${r.url}`
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v)
    if (ctx.req.headers.authorization) headers.authorization = String(ctx.req.headers.authorization)
    let body = Buffer.alloc(0)
    if (r.body !== undefined) {
      body = Buffer.from(typeof r.body === 'string' ? r.body : JSON.stringify(r.body))
      headers['content-type'] ??= 'application/json'
    }
    const inner: EmuRequest = {
      method: r.method.toUpperCase(),
      url: new URL(`/v1.0${relative}`, ctx.req.url),
      headers,
      body,
    }
    const response = await ctx.runPart(inner)
    statuses.set(r.id, response.status)
    const out: Record<string, unknown> = { id: r.id, status: response.status }
    const outHeaders: Record<string, string> = { ...(response.headers ?? {}) }
    if (response.contentType) outHeaders['content-type'] = response.contentType
    if (Object.keys(outHeaders).length) out.headers = outHeaders
    if (response.body !== undefined) {
      // JSON stays JSON; anything else (MIME from $value) is base64, as Graph batches do.
      out.body = Buffer.isBuffer(response.body)
        ? response.body.toString('base64')
        : typeof response.body === 'string'
          ? Buffer.from(response.body).toString('base64')
          : response.body
    }
    responses.push(out)
  }
  return ok(200, { responses })
}
