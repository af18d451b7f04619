/**
 * Storing what a scan found. Each message's results — its `scanned` row, bounce records,
 * suppression entries, analytics totals, feed events — go in ONE transaction, so a worker killed at
 * any instant leaves either all of it or none (and the next scan redoes none of it twice).
 *
 * The domain events ('bounce.recorded', 'reply.detected') and notifications run outside IndexedDB,
 * so they are written as pending announcements in that same transaction and cleared once delivered:
 * a worker killed between the two delivers them on its next scan instead of losing them.
 */
import { db } from '../../core/db.ts'
import type { BounceRecord, FeedEvent, MailboxId, ScannedMessage } from '../../core/types.ts'
import { emitEvent, type ReplyDetected } from '../events.ts'
import { refreshBadge } from '../feed/feed.ts'
import { bumpStats } from '../stats.ts'

export type Announcement =
  { kind: 'bounce'; bounceId: string; subject?: string } | { kind: 'reply'; event: ReplyDetected }

export type Notify = (bounce: BounceRecord, subject: string | undefined) => Promise<void>

const PENDING_PREFIX = '_scan.pending.'

function pendingKey(mailboxId: MailboxId): string {
  return `${PENDING_PREFIX}${mailboxId}`
}

export async function isScanned(mailboxId: MailboxId, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await db().scanned.bulkGet(ids.map((id) => [mailboxId, id] as [string, string]))
  return new Set(rows.filter((r) => r !== undefined).map((r) => r.providerId))
}

/** Messages with nothing to record but their having been seen. */
export async function recordSeen(
  mailboxId: MailboxId,
  entries: { providerId: string; outcome: ScannedMessage['outcome']; error?: string }[],
  at: number,
): Promise<void> {
  if (entries.length === 0) return
  await db().scanned.bulkPut(
    entries.map((e) => ({
      mailboxId,
      providerId: e.providerId,
      at,
      outcome: e.outcome,
      ...(e.error ? { error: e.error.slice(0, 500) } : {}),
    })),
  )
}

export interface BounceToStore {
  record: BounceRecord
  /** The sent message's subject (from the outbox row, else quoted by the NDR), for feed and notification. */
  subject?: string
  /** Human-readable reason for the feed. */
  detail: string
}

/**
 * Stores an NDR's bounces. Returns the records that are new (a record already stored under the same
 * id — the same NDR and recipient — is not counted again).
 */
export async function storeBounces(
  mailboxId: MailboxId,
  providerId: string,
  bounces: BounceToStore[],
  at: number,
): Promise<BounceRecord[]> {
  const d = db()
  return d.transaction('rw', [d.scanned, d.bounces, d.suppression, d.stats, d.feed, d.settings], async () => {
    if (await d.scanned.get([mailboxId, providerId])) return []
    const fresh: BounceRecord[] = []
    const announce: Announcement[] = []
    for (const b of bounces) {
      const r = b.record
      if (fresh.some((f) => f.id === r.id) || (await d.bounces.get(r.id))) continue
      await d.bounces.put(r)
      if (r.kind === 'hard' && !(await d.suppression.get(r.recipient))) {
        await d.suppression.put({
          address: r.recipient,
          reason: r.reason,
          addedAt: at,
          bounceId: r.id,
          source: 'bounce',
        })
      }
      await bumpStats(r, r.detectedAt, r.kind)
      const feed: Omit<FeedEvent, 'id'> = {
        at,
        kind: 'bounced',
        read: 0,
        mailboxId,
        outboxId: r.outboxId,
        bounceId: r.id,
        campaignId: r.campaignId,
        templateId: r.templateId,
        subject: b.subject?.slice(0, 500),
        recipient: r.recipient,
        detail: b.detail.slice(0, 500),
      }
      await d.feed.add(feed as FeedEvent)
      fresh.push(r)
      announce.push({ kind: 'bounce', bounceId: r.id, subject: b.subject?.slice(0, 500) })
    }
    await d.scanned.put({ mailboxId, providerId, at, outcome: 'bounce' })
    await addPending(mailboxId, announce)
    return fresh
  })
}

/** Stores a reply to one of our sends; false when it was stored before. */
export async function storeReply(
  mailboxId: MailboxId,
  event: ReplyDetected,
  target: { templateId?: string; campaignId?: string; stepIndex?: number; subject?: string },
): Promise<boolean> {
  const d = db()
  return d.transaction('rw', [d.scanned, d.stats, d.feed, d.settings], async () => {
    if (await d.scanned.get([mailboxId, event.providerId])) return false
    // Analytics count a sent message as replied once, however many answers follow.
    const repliedBefore = event.outboxId
      ? (await d.feed
          .where('outboxId')
          .equals(event.outboxId)
          .filter((f) => f.kind === 'replied')
          .count()) > 0
      : true
    if (!repliedBefore) await bumpStats(target, event.at, 'replies')
    await d.feed.add({
      at: event.at,
      kind: 'replied',
      read: 0,
      mailboxId,
      outboxId: event.outboxId,
      campaignId: target.campaignId,
      templateId: target.templateId,
      subject: (target.subject ?? event.subject)?.slice(0, 500),
      recipient: event.from,
    } as FeedEvent)
    await d.scanned.put({ mailboxId, providerId: event.providerId, at: event.at, outcome: 'reply' })
    await addPending(mailboxId, [{ kind: 'reply', event }])
    return true
  })
}

async function addPending(mailboxId: MailboxId, items: Announcement[]): Promise<void> {
  if (items.length === 0) return
  const key = pendingKey(mailboxId)
  const current = ((await db().settings.get(key))?.value as Announcement[] | undefined) ?? []
  await db().settings.put({ key, value: [...current, ...items] })
}

function sameAnnouncement(a: Announcement, b: Announcement): boolean {
  if (a.kind === 'bounce' && b.kind === 'bounce') return a.bounceId === b.bounceId
  if (a.kind === 'reply' && b.kind === 'reply') return a.event.providerId === b.event.providerId
  return false
}

/**
 * Delivers pending announcements (events to campaigns/analytics, notifications) and clears each
 * once its handlers have run. Called after every store and at the start of a scan.
 */
export async function announcePending(mailboxId: MailboxId, notify?: Notify): Promise<number> {
  const key = pendingKey(mailboxId)
  const pending = ((await db().settings.get(key))?.value as Announcement[] | undefined) ?? []
  if (pending.length === 0) return 0
  await refreshBadge()
  for (const item of pending) {
    try {
      if (item.kind === 'bounce') {
        const record = await db().bounces.get(item.bounceId)
        if (record) {
          await emitEvent('bounce.recorded', record)
          if (notify) await notify(record, item.subject).catch((err) => console.warn('[dispatch] notification', err))
        }
      } else {
        await emitEvent('reply.detected', item.event)
      }
    } finally {
      await db().transaction('rw', db().settings, async () => {
        const now = ((await db().settings.get(key))?.value as Announcement[] | undefined) ?? []
        await db().settings.put({ key, value: now.filter((x) => !sameAnnouncement(x, item)) })
      })
    }
  }
  return pending.length
}
