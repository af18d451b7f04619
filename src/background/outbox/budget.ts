import { Dexie } from 'dexie'
import type { DispatchDb } from '../../core/db.ts'
import { DAY_GUARD_MS, DAY_MS, lookbackMs, type SendLimits } from '../../core/limits.ts'
import {
  afterFeedback,
  type BudgetSnapshot,
  budgetView,
  CLOCK_JUMP_MS,
  decide,
  initialThrottle,
  type ProviderFeedback,
  type QueuedSend,
  type WaitReason,
} from '../../core/throttle.ts'
import type { LedgerEntry, MailboxId, ThrottleState } from '../../core/types.ts'

/**
 * The budget kept in IndexedDB. Each reservation is one read-write transaction over `ledger` and
 * `throttle`: IndexedDB runs read-write transactions with overlapping stores one after another,
 * across every connection to the database (tabs, pages, a restarted worker), so two reservations
 * can never both see the same free slot.
 *
 * The ledger keeps only what a window can still see: entries older than the longest window are
 * deleted on the mailbox's next reservation (and by pruneLedger for idle mailboxes).
 */

export interface ReserveInput {
  mailboxId: MailboxId
  outboxId: string
  recipients: number
  limits: SendLimits
  now: number
  /**
   * Runs inside the reservation's transaction once the budget is granted (with `outbox` in its
   * scope), e.g. to move the row to `sending` atomically with its reservation. Use only Dexie calls
   * on `db` in it. Throwing undoes the reservation and rejects `reserve`.
   */
  onReserved?: (db: DispatchDb) => Promise<void>
}

export type Reservation = { ok: true } | { ok: false; at: number; reason: WaitReason }

/**
 * What `recordFeedback` accepts besides ProviderFeedback: the channels' own error feedback
 * (`rate`, `daily`, and kinds that say nothing about the mailbox's pace).
 */
export type ChannelFeedback = { kind: 'rate' | 'daily' | 'auth' | 'transient' | 'permanent'; retryAfterMs?: number }

/** Entries older than this cannot be in any provider window. */
export const LEDGER_RETENTION_MS = DAY_MS + DAY_GUARD_MS

/**
 * The mailbox's entries that a window of `lookback` can see at `now`, ascending. With `repair` (in a
 * read-write transaction) it also deletes older ones and re-stamps at `now` entries dated more than
 * CLOCK_JUMP_MS after it (the clock went back), so they leave their windows a span from now instead
 * of a span after the jump. That is safe because every entry was written before now. Smaller leads
 * are skew between contexts and keep their stamp.
 */
async function ledgerWindow(
  db: DispatchDb,
  mailboxId: MailboxId,
  lookback: number,
  now: number,
  repair: boolean,
): Promise<LedgerEntry[]> {
  const cutoff = now - lookback
  const read = () =>
    db.ledger.where('[mailboxId+at]').between([mailboxId, cutoff], [mailboxId, Dexie.maxKey], false, true).toArray()
  if (!repair) return read()
  // Requests are placed together (IndexedDB runs them in order): one round trip, not three.
  const [, entries] = await Promise.all([
    db.ledger.where('[mailboxId+at]').between([mailboxId, Dexie.minKey], [mailboxId, cutoff], true, true).delete(),
    read(),
  ])
  if (!entries.some((e) => e.at > now + CLOCK_JUMP_MS)) return entries
  await db.ledger
    .where('[mailboxId+at]')
    .between([mailboxId, now + CLOCK_JUMP_MS], [mailboxId, Dexie.maxKey], false, true)
    .modify({ at: now })
  return read()
}

/** Reserves budget for one send at `now`, or says when it could go and why not now. */
export async function reserve(db: DispatchDb, input: ReserveInput): Promise<Reservation> {
  const { mailboxId, outboxId, limits, now } = input
  const recipients = Number.isFinite(input.recipients) && input.recipients >= 1 ? Math.ceil(input.recipients) : 1
  const tables = input.onReserved ? [db.ledger, db.throttle, db.outbox] : [db.ledger, db.throttle]
  return db.transaction('rw', tables, async (): Promise<Reservation> => {
    const [ledger, state] = await Promise.all([
      ledgerWindow(db, mailboxId, lookbackMs(limits), now, true),
      db.throttle.get(mailboxId),
    ])
    const decision = decide(ledger, limits, state, now, recipients)
    if (!decision.ok) return decision
    await db.ledger.add({ mailboxId, at: now, recipients, outboxId })
    if (input.onReserved) await input.onReserved(db)
    return { ok: true }
  })
}

/**
 * Gives back every reservation of this outbox row, for a send that provably did not happen.
 * Returns how many entries were removed.
 */
export async function release(db: DispatchDb, outboxId: string): Promise<number> {
  return db.ledger.where('outboxId').equals(outboxId).delete()
}

/**
 * Moves a reservation's stamp to when the provider answered. A send is reserved before the request
 * leaves but the provider counts it when the request arrives, somewhere before the answer: stamping
 * the answer time means the next send of a window always arrives a full window after this one,
 * whatever the network latency was, with no guard that would waste budget.
 */
export async function stampAnswered(db: DispatchDb, outboxId: string, at: number): Promise<void> {
  await db.ledger
    .where('outboxId')
    .equals(outboxId)
    .modify((entry) => {
      if (entry.at < at) entry.at = at
    })
}

function normalise(mailboxId: MailboxId, feedback: ProviderFeedback | ChannelFeedback): ProviderFeedback | null {
  const after = 'retryAfterMs' in feedback ? feedback.retryAfterMs : undefined
  const retry = after === undefined ? {} : { retryAfterMs: after }
  switch (feedback.kind) {
    case 'rate':
      return { kind: 'rate-limited', ...retry }
    case 'daily':
      return { kind: 'daily-limit', provider: mailboxId.startsWith('exchange:') ? 'exchange' : 'gmail', ...retry }
    case 'auth':
    case 'permanent':
    case 'transient':
      return null
    default:
      return feedback
  }
}

/**
 * Applies a provider answer to the mailbox's throttle state (see afterFeedback) and returns the new
 * state. Call it with `{ kind: 'sent' }` after each successful send so rate-limit strikes decay.
 */
export async function recordFeedback(
  db: DispatchDb,
  mailboxId: MailboxId,
  feedback: ProviderFeedback | ChannelFeedback,
  now: number,
  random: () => number = Math.random,
): Promise<ThrottleState> {
  const fb = normalise(mailboxId, feedback)
  return db.transaction('rw', db.ledger, db.throttle, async () => {
    const stored = await db.throttle.get(mailboxId)
    const current = stored ?? initialThrottle(mailboxId)
    if (!fb || (fb.kind === 'sent' && !stored)) return current
    const ledger = fb.kind === 'daily-limit' ? await ledgerWindow(db, mailboxId, DAY_MS, now, false) : []
    const next = afterFeedback(current, fb, now, random, ledger)
    if (next !== current) await db.throttle.put(next)
    return next
  })
}

/** Deletes every mailbox's ledger entries older than `retentionMs` (for mailboxes that stopped sending). */
export async function pruneLedger(db: DispatchDb, now: number, retentionMs = LEDGER_RETENTION_MS): Promise<number> {
  const cutoff = now - retentionMs
  return db.transaction('rw', db.ledger, () => db.ledger.filter((e) => e.at <= cutoff).delete())
}

/** The mailbox's ledger window and throttle state, read together. */
export async function readBudgetInputs(
  db: DispatchDb,
  mailboxId: MailboxId,
  limits: SendLimits,
  now: number,
): Promise<{ ledger: LedgerEntry[]; state: ThrottleState | undefined }> {
  return db.transaction('r', db.ledger, db.throttle, async () => ({
    ledger: await ledgerWindow(db, mailboxId, lookbackMs(limits), now, false),
    state: await db.throttle.get(mailboxId),
  }))
}

/** The sidebar's view of a mailbox's budget (see budgetView), read from the database. */
export async function readBudget(
  db: DispatchDb,
  mailboxId: MailboxId,
  limits: SendLimits,
  now: number,
  options: { recipients?: number; queue?: readonly QueuedSend[] } = {},
): Promise<BudgetSnapshot> {
  const { ledger, state } = await readBudgetInputs(db, mailboxId, limits, now)
  return budgetView(ledger, limits, state, now, options)
}
