/**
 * Exchange Online source: Graph delta query on the inbox from the stored deltaLink, with the
 * header fields the pre-filter needs in `$select` (so the delta page alone decides what is worth
 * reading), and raw MIME (`$value`) for the few candidates through `$batch`. A first run starts
 * the delta at the mailbox's connection time, so older mail is never listed; an expired sync state
 * (410) starts it again from shortly before the last scan.
 */
import type { Message } from '@microsoft/microsoft-graph-types'
import type { ScanCursor } from '../../core/types.ts'
import type { MailboxClient } from './api.ts'
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

export const GRAPH_SELECT = [
  'receivedDateTime',
  'conversationId',
  'internetMessageId',
  'subject',
  'from',
  'internetMessageHeaders',
].join(',')

/**
 * Exchange runs at most 4 requests per mailbox at once, and the parts of a $batch count one by one:
 * more than 4 parts would be throttled part by part.
 */
const RAW_BATCH = 4
const PAGE_SIZE = 200
/** Immutable ids survive the rep moving a message, so `scanned` keeps recognising it. */
const PREFER = `odata.maxpagesize=${PAGE_SIZE}, IdType="ImmutableId"`

type DeltaPage = {
  value?: (Message & { '@removed'?: unknown })[]
  '@odata.nextLink'?: string
  '@odata.deltaLink'?: string
}

function itemOf(m: Message): InboxItem | null {
  if (!m.id) return null
  // An update of a message reported earlier can arrive with a few properties only: it was seen whole before.
  if (!m.internetMessageHeaders && m.subject === undefined && !m.from) return null
  const headers = headerMap(m.internetMessageHeaders)
  const address = m.from?.emailAddress
  if (!('from' in headers) && address?.address) {
    headers.from = address.name ? `${address.name} <${address.address}>` : address.address
  }
  if (!('subject' in headers) && typeof m.subject === 'string') headers.subject = m.subject
  if (!('message-id' in headers) && m.internetMessageId) headers['message-id'] = m.internetMessageId
  return {
    providerId: m.id,
    threadId: m.conversationId ?? undefined,
    receivedAt: m.receivedDateTime ? Date.parse(m.receivedDateTime) : 0,
    headers,
  }
}

export function graphSource(client: MailboxClient, sleep: (ms: number) => Promise<void>): InboxSource {
  const root = client.endpoints.graphApi
  const origin = new URL(root).origin

  const start = (floor: number | null) => {
    const q = new URLSearchParams({ $select: GRAPH_SELECT })
    if (floor !== null)
      q.set('$filter', `receivedDateTime ge ${new Date(floor).toISOString().replace(/\.\d{3}Z$/, 'Z')}`)
    return `${root}/me/mailFolders/inbox/messages/delta?${q}`
  }

  return {
    async *pages(cursor: ScanCursor | undefined, opts: PageOptions): AsyncGenerator<SourcePage> {
      let mode: ScanMode = cursor?.graphDeltaLink ? 'incremental' : 'baseline'
      let url = cursor?.graphDeltaLink ?? start(opts.floor)
      let filtered = !cursor?.graphDeltaLink
      let restarts = 0
      for (;;) {
        // The links come from the server; the token goes only to the configured Graph host.
        if (new URL(url).origin !== origin) throw new Error(`delta link outside ${origin}`)
        const res = await client.send(url, { headers: { Prefer: PREFER } }, [400, 404, 410])
        if (res.status !== 200) {
          const text = await res.text().catch(() => '')
          const expired = res.status === 410 || /SyncState/i.test(text)
          if (restarts < 2 && (expired || res.status === 404)) {
            // Sync state gone: start over from shortly before the last scan.
            restarts++
            mode = 'fallback'
            url = start(opts.fallbackFloor)
            filtered = true
            continue
          }
          if (restarts < 2 && res.status === 400 && filtered) {
            // A tenant that refuses the receivedDateTime filter: list without it, filter here.
            restarts++
            url = start(null)
            filtered = false
            continue
          }
          throw new Error(`Graph delta: HTTP ${res.status} ${text.slice(0, 200)}`)
        }
        const page = (await res.json()) as DeltaPage
        const items: InboxItem[] = []
        for (const m of page.value ?? []) {
          if (m['@removed']) continue
          const item = itemOf(m)
          if (item) items.push(item)
        }
        const next = page['@odata.nextLink']
        const done = page['@odata.deltaLink']
        // A nextLink is a valid resume point too: a worker killed on page 7 resumes at page 7.
        yield { mode, items, failed: [], cursor: { graphDeltaLink: next ?? done } }
        if (!next) return
        url = next
      }
    },

    async raw(items: InboxItem[]): Promise<Map<string, RawResult>> {
      const out = new Map<string, RawResult>()
      for (const group of chunk(items, RAW_BATCH)) {
        const results = await readParts(
          client,
          group.map((i) => i.providerId),
          (keys) =>
            client.graphBatch(
              keys.map((id) => ({
                url: `/me/messages/${encodeURIComponent(id)}/$value`,
                headers: { Prefer: 'IdType="ImmutableId"' },
              })),
            ),
          (_id, part) => {
            if (part.bytes) return part.bytes
            throw new Error('no MIME in the answer')
          },
          sleep,
        )
        for (const [id, r] of results) out.set(id, 'ok' in r ? { bytes: r.ok } : r)
      }
      return out
    },
  }
}
