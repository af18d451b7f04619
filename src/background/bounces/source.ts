/**
 * What the scanner needs from a provider: new inbox messages page by page (each page with the
 * cursor to store once it is handled), then the raw MIME of the few worth classifying.
 */
import type { ScanCursor } from '../../core/types.ts'
import { type FailureKind, type MailboxClient, type PartResponse, ScanApiError } from './api.ts'

export interface InboxItem {
  providerId: string
  /** Gmail threadId / Graph conversationId. */
  threadId?: string
  /** Epoch ms the message arrived. */
  receivedAt: number
  /** Header fields by lower-case name (first occurrence). */
  headers: Record<string, string>
  /** Bytes, when the provider says (keeps raw batches small). */
  size?: number
}

export type ScanMode = 'baseline' | 'incremental' | 'fallback'

export interface SourcePage {
  mode: ScanMode
  items: InboxItem[]
  /** Messages whose metadata could not be read after retries: recorded as errors and skipped. */
  failed: { providerId: string; error: string }[]
  /** Stored once every message of this page is recorded. */
  cursor: Partial<Pick<ScanCursor, 'gmailHistoryId' | 'graphDeltaLink'>>
}

export interface PageOptions {
  /** Messages received before this are not looked at (nothing before Dispatch matters). */
  floor: number
  /** Lower bound for the fallback search when the stored cursor expired. */
  fallbackFloor: number
  /** Which of these provider ids are already handled (skips their metadata reads on a resume). */
  known(ids: string[]): Promise<Set<string>>
}

export type RawResult = { bytes: Uint8Array } | { error: string; kind: FailureKind | 'gone' }

export interface InboxSource {
  pages(cursor: ScanCursor | undefined, opts: PageOptions): AsyncGenerator<SourcePage>
  raw(items: InboxItem[]): Promise<Map<string, RawResult>>
}

export type PartOutcome<T> = { ok: T } | { error: string; kind: FailureKind | 'gone' }

const MAX_ROUNDS = 3

/**
 * Runs a batch of reads, retrying the parts that failed for rate or transient reasons (a batch part
 * is throttled on its own). Rate limits that outlast the retries end the scan; anything else ends
 * up as a per-message failure.
 */
export async function readParts<T>(
  client: MailboxClient,
  keys: string[],
  run: (keys: string[]) => Promise<PartResponse[]>,
  parse: (key: string, part: PartResponse) => T,
  sleep: (ms: number) => Promise<void>,
): Promise<Map<string, PartOutcome<T>>> {
  const out = new Map<string, PartOutcome<T>>()
  let pending = keys
  for (let round = 0; pending.length > 0; round++) {
    const answers = await run(pending)
    const retry: string[] = []
    let wait = 0
    let rateLimited = false
    pending.forEach((key, i) => {
      const part = answers[i]!
      if (part.status >= 200 && part.status < 300) {
        try {
          out.set(key, { ok: parse(key, part) })
        } catch (err) {
          out.set(key, {
            error: `unreadable answer: ${err instanceof Error ? err.message : String(err)}`,
            kind: 'permanent',
          })
        }
        return
      }
      const detail = `HTTP ${part.status}: ${part.body.slice(0, 200)}`
      if (part.status === 404) {
        out.set(key, { error: detail, kind: 'gone' })
        return
      }
      if (part.status === 401) throw new ScanApiError('auth', 401, detail)
      const rate =
        part.status === 429 ||
        (part.status === 403 && /rateLimitExceeded|userRateLimitExceeded|quotaExceeded/i.test(part.body))
      const transient = part.status === 0 || part.status >= 500 || part.status === 408
      if (part.status === 403 && !rate) throw new ScanApiError('auth', 403, detail)
      if (rate || transient) {
        rateLimited ||= rate
        const after = Number(part.headers['retry-after'])
        if (Number.isFinite(after)) wait = Math.max(wait, after * 1000)
        if (round + 1 < MAX_ROUNDS) retry.push(key)
        else if (rate) throw new ScanApiError('rate', part.status, detail, wait || undefined)
        else out.set(key, { error: detail, kind: 'transient' })
        return
      }
      out.set(key, { error: detail, kind: 'permanent' })
    })
    if (retry.length) await sleep(Math.min(Math.max(wait, rateLimited ? 1000 : 300), 10_000))
    pending = retry
  }
  return out
}

/** Header list (Gmail payload.headers, Graph internetMessageHeaders) to a lower-case map. */
export function headerMap(list: { name?: string | null; value?: string | null }[] | null | undefined) {
  const out: Record<string, string> = {}
  for (const h of list ?? []) {
    if (!h.name) continue
    const key = h.name.toLowerCase()
    if (!(key in out)) out[key] = h.value ?? ''
  }
  return out
}

export function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}
