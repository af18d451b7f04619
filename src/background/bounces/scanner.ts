/**
 * The inbox scanner, per mailbox: new messages since the stored cursor → cheap header pre-filter →
 * raw MIME for candidates only → classify → bounces correlated and stored, real replies to our sends
 * stored → cursor advanced. Runs the same in the worker and in Node: fetch, tokens and endpoints
 * are injected; the database is the context's `db()` (Node sets it with `setDbForTesting`).
 *
 * Safety rules: a message counts once (its `scanned` row is written in the same transaction as its
 * results, and bounce ids are deterministic); the cursor moves only after a page's messages are all
 * stored; a killed worker re-lists from the old cursor and skips what is already stored; a message
 * that cannot be read or classified is stored with outcome 'error' and skipped.
 */
import { addressKey } from '../../core/address.ts'
import { type BounceReport, classifyMessage, isBounceCandidate } from '../../core/bounce/index.ts'
import { db, type OutboxRecord } from '../../core/db.ts'
import { toErrorInfo } from '../../core/errors.ts'
import type { Account, BounceRecord, MailboxId, ScanCursor } from '../../core/types.ts'
import { MailboxClient, ScanApiError, type ScanHttp } from './api.ts'
import { correlateBounce, decodeSafe, matchReply } from './correlate.ts'
import { gmailSource } from './gmail.ts'
import { graphSource } from './graph.ts'
import {
  announcePending,
  type BounceToStore,
  isScanned,
  type Notify,
  recordSeen,
  storeBounces,
  storeReply,
} from './record.ts'
import type { InboxItem, InboxSource, ScanMode } from './source.ts'

export interface ScanDeps extends ScanHttp {
  now?: () => number
  /** A browser notification per new bounce (the worker passes one; Node passes none). */
  notify?: Notify
}

export interface MailboxScanResult {
  mailboxId: MailboxId
  mode: ScanMode
  /** Messages handled and stored in `scanned` by this run. */
  scanned: number
  /** New bounce records (one per NDR and failed recipient). */
  bounces: number
  replies: number
  /** Messages stored with outcome 'error'. */
  errors: number
  /** HTTP requests this run made (a batch counts once). */
  requests: number
}

export type ScannableAccount = Pick<Account, 'id' | 'provider' | 'address' | 'connectedAt'>

/** First run: mail from shortly before the mailbox was connected on. */
const CONNECT_MARGIN_MS = 10 * 60_000
/** Never look further back than this (first run of an old connection, expired cursors). */
const LOOKBACK_MS = 2 * 24 * 3600_000
/** `scanned` rows older than this are pruned; bounce ids stay deterministic, so nothing counts twice. */
const SCANNED_RETENTION_MS = 30 * 24 * 3600_000

const running = new Map<MailboxId, Promise<unknown>>()

/** Runs one scan of a mailbox; scans of the same mailbox queue behind each other. */
export function scanMailbox(account: ScannableAccount, deps: ScanDeps): Promise<MailboxScanResult> {
  const before = running.get(account.id) ?? Promise.resolve()
  const run = before.catch(() => undefined).then(() => scanOnce(account, deps))
  const tail = run.catch(() => undefined)
  running.set(account.id, tail)
  void tail.then(() => {
    if (running.get(account.id) === tail) running.delete(account.id)
  })
  return run
}

function sourceFor(
  account: ScannableAccount,
  client: MailboxClient,
  sleep: (ms: number) => Promise<void>,
): InboxSource {
  return account.provider === 'gmail' ? gmailSource(client, sleep) : graphSource(client, sleep)
}

async function scanOnce(account: ScannableAccount, deps: ScanDeps): Promise<MailboxScanResult> {
  const now = deps.now ?? Date.now
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const client = new MailboxClient(account.id, { ...deps, sleep })
  const source = sourceFor(account, client, sleep)
  const mailboxId = account.id
  const result: MailboxScanResult = {
    mailboxId,
    mode: 'incremental',
    scanned: 0,
    bounces: 0,
    replies: 0,
    errors: 0,
    requests: 0,
  }

  // Announcements a killed worker stored but never delivered go out first.
  await announcePending(mailboxId, deps.notify)

  const cursor = await db().cursors.get(mailboxId)
  const started = now()
  const connected = account.connectedAt - CONNECT_MARGIN_MS
  // First run: mail since the connection (bounded); an expired cursor: since shortly before the last scan.
  const floor = Math.max(connected, started - LOOKBACK_MS)
  const fallbackFloor = Math.max(connected, started - LOOKBACK_MS, (cursor?.lastScanAt ?? 0) - 3600_000)
  // Older than this is not new mail (say, a Graph update of an old message): left alone.
  const itemFloor = Math.max(connected, (cursor?.lastScanAt ?? started) - LOOKBACK_MS)
  let stored: ScanCursor = cursor ?? { mailboxId }
  try {
    for await (const page of source.pages(cursor, {
      floor,
      fallbackFloor,
      known: (ids) => isScanned(mailboxId, ids),
    })) {
      result.mode = page.mode
      const at = now()
      if (page.failed.length) {
        await recordSeen(
          mailboxId,
          page.failed.map((f) => ({ providerId: f.providerId, outcome: 'error', error: f.error })),
          at,
        )
        result.errors += page.failed.length
        result.scanned += page.failed.length
      }
      const done = await isScanned(
        mailboxId,
        page.items.map((i) => i.providerId),
      )
      const fresh = page.items.filter((i) => !done.has(i.providerId) && i.receivedAt >= itemFloor)
      await handleItems(account, fresh, source, deps, result, at)
      // Everything on this page is stored: the cursor may move past it.
      const next: ScanCursor = { ...stored }
      if (page.cursor.gmailHistoryId) next.gmailHistoryId = page.cursor.gmailHistoryId
      if (page.cursor.graphDeltaLink) next.graphDeltaLink = page.cursor.graphDeltaLink
      if (next.gmailHistoryId !== stored.gmailHistoryId || next.graphDeltaLink !== stored.graphDeltaLink) {
        await db().cursors.put(next)
        stored = next
      }
    }
    stored = { ...stored, lastScanAt: started, lastError: undefined }
    await db().cursors.put(stored)
    await pruneScanned(started)
    return { ...result, requests: client.requests }
  } catch (err) {
    const info =
      err instanceof ScanApiError
        ? {
            code: err.kind === 'rate' ? 'rate_limited' : err.kind === 'auth' ? 'token_expired' : 'provider_error',
            message: err.message,
          }
        : toErrorInfo(err)
    await db()
      .cursors.put({ ...stored, lastError: { code: info.code, message: info.message.slice(0, 500) } })
      .catch(() => undefined)
    throw err
  } finally {
    result.requests = client.requests
  }
}

export async function pruneScanned(now = Date.now()): Promise<number> {
  return db()
    .scanned.where('at')
    .below(now - SCANNED_RETENTION_MS)
    .delete()
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500)
}

async function handleItems(
  account: ScannableAccount,
  items: InboxItem[],
  source: InboxSource,
  deps: ScanDeps,
  result: MailboxScanResult,
  at: number,
): Promise<void> {
  const mailboxId = account.id
  const seen: { providerId: string; outcome: 'ignored' | 'autoreply' | 'error'; error?: string }[] = []
  const needRaw: InboxItem[] = []
  const replyTo = new Map<string, OutboxRecord>()
  for (const item of items) {
    try {
      if (isBounceCandidate(item.headers)) {
        needRaw.push(item)
        continue
      }
      const row = await matchReply(mailboxId, account.address, item.headers, item.threadId)
      if (row) {
        // Confirmed on the full message: an out-of-office in the thread is not a reply.
        replyTo.set(item.providerId, row)
        needRaw.push(item)
      } else seen.push({ providerId: item.providerId, outcome: 'ignored' })
    } catch (err) {
      seen.push({ providerId: item.providerId, outcome: 'error', error: errorText(err) })
    }
  }
  const raws = needRaw.length ? await source.raw(needRaw) : new Map()
  for (const item of needRaw) {
    const raw = raws.get(item.providerId)
    if (!raw) {
      seen.push({ providerId: item.providerId, outcome: 'error', error: 'no answer for this message' })
      continue
    }
    if (!('bytes' in raw)) {
      seen.push({
        providerId: item.providerId,
        outcome: raw.kind === 'gone' ? 'ignored' : 'error',
        error: raw.error,
      })
      continue
    }
    try {
      const report = await classifyMessage(raw.bytes)
      if (report.error) {
        seen.push({ providerId: item.providerId, outcome: 'error', error: report.error })
        continue
      }
      if (report.bounce) {
        const fresh = await recordBounce(account, item, report, at)
        result.bounces += fresh.length
        result.scanned++
        await announcePending(mailboxId, deps.notify)
        continue
      }
      if (report.category === 'ordinary') {
        const row =
          replyTo.get(item.providerId) ?? (await matchReply(mailboxId, account.address, item.headers, item.threadId))
        if (row) {
          const stored = await recordReply(account, item, row, at)
          if (stored) result.replies++
          result.scanned++
          await announcePending(mailboxId, deps.notify)
          continue
        }
      }
      seen.push({ providerId: item.providerId, outcome: report.category === 'autoreply' ? 'autoreply' : 'ignored' })
    } catch (err) {
      seen.push({ providerId: item.providerId, outcome: 'error', error: errorText(err) })
    }
  }
  await recordSeen(mailboxId, seen, at)
  result.scanned += seen.length
  result.errors += seen.filter((s) => s.outcome === 'error').length
}

function reasonText(r: BounceReport['recipients'][number]): string {
  const head = `${r.kind} · ${r.reason}${r.status ? ` · ${r.status}` : ''}`
  return r.diagnostic ? `${head} — ${r.diagnostic}` : head
}

async function recordBounce(
  account: ScannableAccount,
  item: InboxItem,
  report: BounceReport,
  at: number,
): Promise<BounceRecord[]> {
  const mailboxId = account.id
  const toStore: BounceToStore[] = []
  for (const failed of report.recipients) {
    const recipient = failed.address.trim().toLowerCase()
    if (!recipient) continue
    const { row, method } = await correlateBounce(mailboxId, report, recipient, {
      receivedAt: item.receivedAt || at,
      subject: item.headers.subject,
    })
    const record: BounceRecord = {
      id: `${mailboxId}|${item.providerId}|${recipient}`,
      mailboxId,
      ndrProviderId: item.providerId,
      recipient,
      kind: failed.kind,
      reason: failed.reason,
      status: failed.status,
      detectedAt: at,
      correlation: method,
    }
    if (failed.diagnostic) record.diagnostic = failed.diagnostic.slice(0, 1000)
    if (row) {
      record.outboxId = row.id
      if (row.templateId) record.templateId = row.templateId
      if (row.campaignId) record.campaignId = row.campaignId
      if (row.stepIndex !== undefined) record.stepIndex = row.stepIndex
    }
    const subject = row?.message.subject ?? report.original.subject ?? decodeSafe(item.headers.subject ?? '')
    toStore.push({ record, subject: subject || undefined, detail: reasonText(failed) })
  }
  return storeBounces(mailboxId, item.providerId, toStore, at)
}

async function recordReply(
  account: ScannableAccount,
  item: InboxItem,
  row: OutboxRecord,
  at: number,
): Promise<boolean> {
  const address = addressKey(decodeSafe(item.headers.from ?? ''))
  return storeReply(
    account.id,
    {
      mailboxId: account.id,
      providerId: item.providerId,
      from: address,
      at: item.receivedAt || at,
      outboxId: row.id,
      subject: item.headers.subject ? decodeSafe(item.headers.subject) : undefined,
    },
    { templateId: row.templateId, campaignId: row.campaignId, stepIndex: row.stepIndex, subject: row.message.subject },
  )
}
