import { type Channel, type ChannelContext, ProviderError } from '../../channels/channel.ts'
import { channelOf } from '../../channels/index.ts'
import { db } from '../../core/db.ts'
import { DispatchError, toErrorInfo } from '../../core/errors.ts'
import { retryDelay } from '../../core/throttle.ts'
import type { Account, AttemptRecord, OutboxRow } from '../../core/types.ts'
import { accessToken, invalidateToken } from '../accounts.ts'
import { emitEvent } from '../events.ts'
import { emit } from '../feed/feed.ts'
import { limitsForMailbox } from '../mailboxes.ts'
import { pushStatus } from '../push.ts'
import { getSettings } from '../settings.ts'
import { bumpStats } from '../stats.ts'
import { recordFeedback, release, reserve, stampAnswered } from './budget.ts'

/**
 * The outbox scheduler. Stateless between runs: every run recomputes what is due from IndexedDB,
 * so a worker killed at any instant loses nothing. One run at a time per worker; several workers
 * never coexist for one extension, and the reservation is atomic in IndexedDB anyway.
 *
 * A row's life: queued → (budget reserved) sending → sent | failed, or back to queued with a later
 * nextAttemptAt (throttle, cool-down, retry). A row found in `sending` that this worker instance is
 * not sending was interrupted: it is reconciled against the mailbox's Sent folder before any retry.
 */

export const ALARM = 'outbox'
/** An attempt this old without an outcome belongs to a dead worker. */
const STALE_SENDING_MS = 10_000
const MAX_TRANSIENT_ATTEMPTS = 8
/** Rows looked at per pass; the next pass continues. */
const BATCH = 100
/** How soon a killed run is resumed (at most; see kick). */
const WATCHDOG_MS = 1000
/** While the worker lives, waits shorter than this use a timer; alarms cover the rest. */
const TIMER_LIMIT_MS = 25_000

let clock = () => Date.now()
let random = () => Math.random()
export function setClockForTesting(now: () => number, rand: () => number = Math.random): void {
  clock = now
  random = rand
}

const inFlight = new Set<string>()
let running: Promise<void> | null = null
let again = false
let timer: ReturnType<typeof setTimeout> | undefined

/** Asks for a scheduler run soon; coalesces with a run in progress. */
export function kick(): Promise<void> {
  if (running) {
    again = true
    return running
  }
  running = (async () => {
    try {
      // A watchdog first: if the worker is killed during this run, the alarm brings it back to
      // finish (the browser clamps the delay; packed extensions wait at least 30 s).
      await chrome.alarms.create(ALARM, { when: Date.now() + WATCHDOG_MS }).catch(() => undefined)
      do {
        again = false
        await runOnce()
      } while (again)
    } catch (err) {
      console.error('[dispatch] outbox run failed', err)
    } finally {
      running = null
    }
    await scheduleNext().catch(() => undefined)
  })()
  return running
}

class RowNoLongerQueued extends Error {}

async function update(row: OutboxRow, patch: Partial<OutboxRow>, log?: AttemptRecord): Promise<OutboxRow> {
  Object.assign(row, patch)
  if (log) row.log = [...row.log.slice(-19), log]
  await db().outbox.update(row.id, { ...patch, ...(log ? { log: row.log } : {}) })
  pushStatus(row)
  return row
}

async function contextFor(row: OutboxRow): Promise<{ ctx: ChannelContext; account: Account | null }> {
  const account = (await db().accounts.get(row.mailboxId)) ?? null
  const settings = await getSettings()
  const from = account
    ? { name: account.displayName, address: account.address }
    : { name: '', address: settings.relayFrom ?? '' }
  return {
    account,
    ctx: {
      account,
      from,
      token: () => (account ? accessToken(account.id, clock()) : Promise.resolve(settings.relayToken ?? '')),
      invalidate: () => (account ? invalidateToken(account.id) : Promise.resolve()),
    },
  }
}

async function markSent(
  row: OutboxRow,
  sent: { providerMessageId: string; providerThreadId?: string; messageId?: string },
  outcome: AttemptRecord['outcome'],
) {
  const at = clock()
  await db().transaction('rw', [db().outbox, db().stats], async () => {
    await update(
      row,
      {
        state: 'sent',
        sentAt: at,
        providerMessageId: sent.providerMessageId,
        providerThreadId: sent.providerThreadId ?? row.providerThreadId,
        messageId: sent.messageId ?? row.messageId,
        reconcile: false,
        error: undefined,
      },
      { at, outcome },
    )
    await bumpStats(row, at, 'sent')
  })
  await emit({
    at,
    kind: 'sent',
    mailboxId: row.mailboxId,
    outboxId: row.id,
    campaignId: row.campaignId,
    templateId: row.templateId,
    subject: row.message.subject,
    recipient: row.message.to[0] ?? row.message.cc[0] ?? row.message.bcc[0],
  })
  await emitEvent('outbox.settled', row)
}

async function markFailed(row: OutboxRow, error: DispatchError) {
  const at = clock()
  await update(
    row,
    { state: 'failed', error: error.toInfo(), reconcile: false },
    { at, outcome: 'failed', error: error.toInfo() },
  )
  await emit({
    at,
    kind: 'failed',
    mailboxId: row.mailboxId,
    outboxId: row.id,
    campaignId: row.campaignId,
    templateId: row.templateId,
    subject: row.message.subject,
    recipient: row.message.to[0],
    detail: error.message.slice(0, 300),
  })
  await emitEvent('outbox.settled', row)
}

/** Reconciles an interrupted or ambiguous attempt: true when the row turned out to be sent. */
async function reconcile(row: OutboxRow, channel: Channel, ctx: ChannelContext): Promise<boolean> {
  const found = await channel.findSent(row, ctx)
  if (found) {
    await markSent(row, found, 'reconciled-sent')
    return true
  }
  // Provably not sent: its reservation goes back to the budget and the row is sendable again.
  await release(db(), row.id)
  await update(row, { state: 'queued', reconcile: false }, { at: clock(), outcome: 'reconciled-absent' })
  return false
}

async function recoverInterrupted(): Promise<void> {
  const now = clock()
  const sending = await db().outbox.where('state').equals('sending').toArray()
  for (const row of sending) {
    if (inFlight.has(row.id)) continue
    const started = row.log.at(-1)?.at ?? row.nextAttemptAt
    // Give an attempt of a worker that just died a moment to land at the provider before looking.
    if (now - started < STALE_SENDING_MS) continue
    await update(row, { state: 'queued', reconcile: true, nextAttemptAt: now })
  }
}

/**
 * Gives a reservation back after a failed attempt — unless an earlier attempt of this row may have
 * reached the provider and has not been reconciled yet: that one still counts against the budget.
 */
async function releaseUnlessAmbiguous(row: OutboxRow): Promise<void> {
  if (!row.reconcile) await release(db(), row.id)
}

async function handleError(row: OutboxRow, err: unknown, channel: Channel): Promise<number | null> {
  const now = clock()
  if (!(err instanceof DispatchError)) {
    // Something unforeseen broke mid-attempt: the request may have reached the provider, so the
    // row is reconciled before it is sent again (and its reservation stays counted until then).
    console.error('[dispatch] send crashed', err)
    const delay = retryDelay(row.attempts, random)
    await update(
      row,
      { state: 'queued', nextAttemptAt: now + delay, reconcile: true },
      { at: now, outcome: 'retry', error: toErrorInfo(err) },
    )
    return null
  }
  const info = err.toInfo()
  if (!(err instanceof ProviderError)) {
    if (
      err.code === 'not_connected' ||
      err.code === 'token_expired' ||
      err.code === 'token_revoked' ||
      err.code === 'network'
    ) {
      // Waits for the rep to reconnect (or the network to return); nothing is lost.
      await releaseUnlessAmbiguous(row)
      const wait = err.code === 'network' ? retryDelay(row.attempts, random) : 5 * 60_000
      await update(
        row,
        { state: 'queued', nextAttemptAt: now + wait, error: info },
        { at: now, outcome: 'retry', error: info },
      )
      return err.code === 'network' ? null : now + wait
    }
    await releaseUnlessAmbiguous(row)
    await markFailed(row, err)
    return null
  }
  const fb = err.feedback
  switch (fb.kind) {
    case 'rate':
    case 'daily': {
      await releaseUnlessAmbiguous(row)
      const state = await recordFeedback(db(), row.mailboxId, fb, now)
      const until = Math.max(state.cooldownUntil, state.pausedUntil, now + 1000)
      await update(
        row,
        { state: 'queued', nextAttemptAt: until, error: info },
        { at: now, outcome: 'retry', error: info },
      )
      await emitThrottled(row, until)
      return until
    }
    case 'auth': {
      await releaseUnlessAmbiguous(row)
      // Renew at once: either new tokens (retry shortly) or the account is marked expired/revoked
      // for the rep to see, and its sends wait for a reconnect.
      await invalidateToken(row.mailboxId).catch(() => undefined)
      const renewed = await accessToken(row.mailboxId, now).then(
        () => true,
        () => false,
      )
      const until = now + (renewed ? 1000 : 5 * 60_000)
      await update(
        row,
        { state: 'queued', nextAttemptAt: until, error: info },
        { at: now, outcome: 'retry', error: info },
      )
      return until
    }
    case 'transient': {
      if (row.attempts >= MAX_TRANSIENT_ATTEMPTS) {
        // Before giving up, make sure an earlier attempt did not go through.
        if (fb.maybeSent || row.reconcile) {
          const { ctx } = await contextFor(row)
          if (await reconcile(row, channel, ctx).catch(() => false)) return null
        }
        await releaseUnlessAmbiguous(row)
        await markFailed(row, err)
        return null
      }
      // A send that may have gone through keeps its reservation until reconciliation says otherwise.
      if (!fb.maybeSent) await releaseUnlessAmbiguous(row)
      const delay = Math.max(fb.retryAfterMs ?? 0, retryDelay(row.attempts, random))
      await update(
        row,
        { state: 'queued', nextAttemptAt: now + delay, reconcile: fb.maybeSent || row.reconcile, error: info },
        { at: now, outcome: 'retry', error: info },
      )
      return null
    }
    case 'permanent':
      await releaseUnlessAmbiguous(row)
      await markFailed(row, err)
      return null
  }
}

async function emitThrottled(row: OutboxRow, until: number) {
  if (row.throttleNotified) return
  await update(row, { throttleNotified: true })
  await emit({
    at: clock(),
    kind: 'throttled',
    mailboxId: row.mailboxId,
    outboxId: row.id,
    subject: row.message.subject,
    recipient: row.message.to[0],
    detail: new Date(until).toISOString(),
  })
}

async function sendRow(row: OutboxRow, blocked: Map<string, number>): Promise<void> {
  const channel = channelOf(row.channel)
  if (!channel) {
    await markFailed(
      row,
      new DispatchError('channel_unavailable', `The ${row.channel} channel is not available`, [row.channel]),
    )
    return
  }
  const { ctx, account } = await contextFor(row)
  if (account && account.status !== 'connected') {
    // Expired or revoked sign-in: the mailbox waits for the rep; its rows stay queued.
    blocked.set(row.mailboxId, clock() + 5 * 60_000)
    await update(row, { nextAttemptAt: clock() + 5 * 60_000 })
    return
  }
  inFlight.add(row.id)
  try {
    if (row.reconcile) {
      try {
        if (await reconcile(row, channel, ctx)) return
      } catch (err) {
        const until = await handleError(row, err, channel)
        if (until) blocked.set(row.mailboxId, until)
        return
      }
    }
    const settings = await getSettings()
    const limits = limitsForMailbox(row.mailboxId, account, settings)
    const now = clock()
    // The reservation and the attempt are one transaction, on disk before the network call: a crash
    // from here on is reconciled, never sent twice, never counted twice.
    const started: AttemptRecord = { at: now, outcome: 'started' }
    const log = [...row.log.slice(-19), started]
    const decision = await reserve(db(), {
      mailboxId: row.mailboxId,
      outboxId: row.id,
      recipients: row.recipientCount,
      limits,
      now,
      onReserved: async () => {
        // The row may have been cancelled or its campaign ended since it was read: then the
        // reservation is rolled back with this transaction and nothing is sent.
        const current = await db().outbox.get(row.id)
        if (current?.state !== 'queued') throw new RowNoLongerQueued()
        await db().outbox.update(row.id, { state: 'sending', attempts: row.attempts + 1, log })
      },
    }).catch((err: unknown) => {
      if (err instanceof RowNoLongerQueued) return null
      throw err
    })
    if (decision === null) return
    if (!decision.ok) {
      const at = Number.isFinite(decision.at) ? decision.at : now + 3600_000
      blocked.set(row.mailboxId, at)
      await update(row, { nextAttemptAt: at })
      if (decision.reason !== 'second') await emitThrottled(row, at)
      return
    }
    Object.assign(row, { state: 'sending', attempts: row.attempts + 1, log })
    pushStatus(row)
    try {
      const sent = await channel.send(row, ctx, async (patch) => {
        await update(row, patch)
      })
      await stampAnswered(db(), row.id, clock())
      await markSent(row, sent, 'sent')
      await recordFeedback(db(), row.mailboxId, { kind: 'sent' }, clock())
    } catch (err) {
      // A request that may have reached the provider keeps its reservation, stamped now.
      await stampAnswered(db(), row.id, clock())
      const until = await handleError(row, err, channel)
      if (until) blocked.set(row.mailboxId, until)
    }
  } finally {
    inFlight.delete(row.id)
  }
}

async function runOnce(): Promise<void> {
  await recoverInterrupted()
  const blocked = new Map<string, number>()
  for (;;) {
    const now = clock()
    const due = await db()
      .outbox.where('[state+nextAttemptAt]')
      .between(['queued', -Infinity], ['queued', now], true, true)
      .limit(BATCH)
      .toArray()
    const ready = due.filter((r) => !inFlight.has(r.id) && !blocked.has(r.mailboxId))
    if (ready.length === 0) break
    // Oldest first within a mailbox, so the queue is fair and predictable.
    ready.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt)
    for (const row of ready) {
      if (blocked.has(row.mailboxId)) {
        const at = blocked.get(row.mailboxId)!
        if (row.nextAttemptAt < at) await update(row, { nextAttemptAt: at })
        continue
      }
      await sendRow(row, blocked)
    }
  }
}

/** Wakes the worker for the next due row: a timer while alive, an alarm in case it is not. */
async function scheduleNext(): Promise<void> {
  const next = await db()
    .outbox.where('[state+nextAttemptAt]')
    .between(['queued', -Infinity], ['queued', Infinity])
    .first()
  const sending = await db().outbox.where('state').equals('sending').count()
  clearTimeout(timer)
  let at = next ? Math.max(next.nextAttemptAt, clock()) : undefined
  if (sending > 0) at = Math.min(at ?? Infinity, clock() + STALE_SENDING_MS)
  if (at === undefined) {
    await chrome.alarms.clear(ALARM)
    return
  }
  const delay = at - clock()
  if (delay <= TIMER_LIMIT_MS) timer = setTimeout(() => void kick(), Math.max(0, delay) + 5)
  await chrome.alarms.create(ALARM, { when: Math.max(at, Date.now() + 1000) })
}
