/**
 * Gmail inbox source: `history.list` (messageAdded, INBOX) from the stored historyId; headers of
 * the new messages through ONE batch request per 50 messages (format=metadata); raw MIME only for
 * the few the scanner asks for, batched too. When the stored historyId has expired (404), a bounded
 * search stands in and a new cursor starts.
 */
import type { gmail_v1 } from '@googleapis/gmail'
import type { ScanCursor } from '../../core/types.ts'
import { base64ToBytes, type MailboxClient } from './api.ts'
import {
  chunk,
  headerMap,
  type InboxItem,
  type InboxSource,
  type PageOptions,
  type RawResult,
  readParts,
  type ScanMode,
  type SourcePage,
} from './source.ts'

/** The headers the pre-filter and reply matching read; nothing else is fetched for most mail. */
export const GMAIL_METADATA_HEADERS = [
  'From',
  'Subject',
  'Content-Type',
  'Auto-Submitted',
  'X-Failed-Recipients',
  'Return-Path',
  'X-MS-Exchange-Message-Is-Ndr',
  'Message-ID',
  'In-Reply-To',
  'References',
]

/** Google advises at most 50 calls per batch: larger ones tend to be rate limited. */
const METADATA_BATCH = 50
const RAW_BATCH = 10
const RAW_BATCH_BYTES = 8 * 1024 * 1024
const HISTORY_PAGE = 500
const SEARCH_PAGE = 500
const SEARCH_MAX_PAGES = 4

export function gmailSource(client: MailboxClient, sleep: (ms: number) => Promise<void>): InboxSource {
  const api = `${client.endpoints.gmailApi}/gmail/v1/users/me`
  // Paths inside a batch are absolute paths on the API host.
  const apiPath = `${new URL(client.endpoints.gmailApi).pathname.replace(/\/$/, '')}/gmail/v1/users/me`

  async function metadata(ids: string[]): Promise<Pick<SourcePage, 'items' | 'failed'>> {
    const items: InboxItem[] = []
    const failed: SourcePage['failed'] = []
    const q = new URLSearchParams({
      format: 'metadata',
      fields: 'id,threadId,internalDate,sizeEstimate,payload/headers',
    })
    for (const h of GMAIL_METADATA_HEADERS) q.append('metadataHeaders', h)
    for (const group of chunk(ids, METADATA_BATCH)) {
      const results = await readParts(
        client,
        group,
        (keys) => client.gmailBatch(keys.map((id) => `${apiPath}/messages/${encodeURIComponent(id)}?${q}`)),
        (_id, part) => JSON.parse(part.body) as gmail_v1.Schema$Message,
        sleep,
      )
      for (const id of group) {
        const r = results.get(id)!
        if ('ok' in r) {
          const m = r.ok
          items.push({
            providerId: m.id ?? id,
            threadId: m.threadId ?? undefined,
            receivedAt: Number(m.internalDate ?? 0),
            headers: headerMap(m.payload?.headers),
            size: m.sizeEstimate ?? undefined,
          })
        } else if (r.kind !== 'gone') failed.push({ providerId: id, error: r.error })
        // A message deleted since it was listed has nothing left to scan.
      }
    }
    return { items, failed }
  }

  /** Inbox messages since `floor` by search, then a fresh cursor taken before the search began. */
  async function* search(floor: number, mode: ScanMode, known: PageOptions['known']): AsyncGenerator<SourcePage> {
    const profile = await client.json<gmail_v1.Schema$Profile>(`${api}/profile`)
    const found = new Set<string>()
    let pageToken: string | undefined
    for (let page = 0; page < SEARCH_MAX_PAGES; page++) {
      const q = new URLSearchParams({
        q: `in:inbox after:${Math.floor(floor / 1000)}`,
        maxResults: String(SEARCH_PAGE),
      })
      if (pageToken) q.set('pageToken', pageToken)
      const list = await client.json<gmail_v1.Schema$ListMessagesResponse>(`${api}/messages?${q}`)
      for (const m of list.messages ?? []) if (m.id) found.add(m.id)
      pageToken = list.nextPageToken ?? undefined
      if (!pageToken) break
    }
    const ids = [...found]
    const done = await known(ids)
    const todo = ids.filter((id) => !done.has(id))
    const groups = chunk(todo, HISTORY_PAGE)
    if (groups.length === 0) groups.push([])
    for (let i = 0; i < groups.length; i++) {
      const last = i === groups.length - 1
      yield {
        mode,
        ...(await metadata(groups[i]!)),
        cursor: last ? { gmailHistoryId: profile.historyId ?? undefined } : {},
      }
    }
  }

  return {
    async *pages(cursor: ScanCursor | undefined, opts: PageOptions): AsyncGenerator<SourcePage> {
      if (!cursor?.gmailHistoryId) {
        yield* search(opts.floor, 'baseline', opts.known)
        return
      }
      let pageToken: string | undefined
      for (;;) {
        const q = new URLSearchParams({
          startHistoryId: cursor.gmailHistoryId,
          historyTypes: 'messageAdded',
          labelId: 'INBOX',
          maxResults: String(HISTORY_PAGE),
        })
        if (pageToken) q.set('pageToken', pageToken)
        const res = await client.send(`${api}/history?${q}`, {}, [404])
        if (res.status === 404) {
          // The historyId is too old (Gmail keeps history for about a week): search instead.
          yield* search(opts.fallbackFloor, 'fallback', opts.known)
          return
        }
        const body = (await res.json()) as gmail_v1.Schema$ListHistoryResponse
        const added = new Set<string>()
        for (const record of body.history ?? []) {
          for (const a of record.messagesAdded ?? []) if (a.message?.id) added.add(a.message.id)
        }
        const ids = [...added]
        const done = await opts.known(ids)
        const page = await metadata(ids.filter((id) => !done.has(id)))
        pageToken = body.nextPageToken ?? undefined
        const lastRecord = body.history?.at(-1)?.id ?? undefined
        // Mid-way, the last record handled is a valid start point; at the end, the mailbox's own.
        const next = pageToken ? lastRecord : (body.historyId ?? undefined)
        yield { mode: 'incremental', ...page, cursor: next ? { gmailHistoryId: next } : {} }
        if (!pageToken) return
      }
    },

    async raw(items: InboxItem[]): Promise<Map<string, RawResult>> {
      const out = new Map<string, RawResult>()
      // Small groups by count and size: an NDR may carry the whole original message back.
      const groups: InboxItem[][] = []
      let current: InboxItem[] = []
      let bytes = 0
      for (const item of items) {
        const size = item.size ?? 0
        if (current.length && (current.length >= RAW_BATCH || bytes + size > RAW_BATCH_BYTES)) {
          groups.push(current)
          current = []
          bytes = 0
        }
        current.push(item)
        bytes += size
      }
      if (current.length) groups.push(current)
      for (const group of groups) {
        const results = await readParts(
          client,
          group.map((i) => i.providerId),
          (keys) =>
            client.gmailBatch(keys.map((id) => `${apiPath}/messages/${encodeURIComponent(id)}?format=raw&fields=raw`)),
          (_id, part) => {
            const m = JSON.parse(part.body) as gmail_v1.Schema$Message
            if (!m.raw) throw new Error('no raw field')
            return base64ToBytes(m.raw)
          },
          sleep,
        )
        for (const [id, r] of results) out.set(id, 'ok' in r ? { bytes: r.ok } : r)
      }
      return out
    },
  }
}
