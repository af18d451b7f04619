import { DAY_GUARD_MS, DAY_MS, MINUTE_MS, type SendLimits, type SendWindow } from './limits.ts'
import type { LedgerEntry, Provider, ThrottleState } from './types.ts'

/**
 * The throttle math: pure functions of the ledger (what this mailbox reserved), its limits, its
 * provider-feedback state and an injected clock. Nothing here reads the time or the database.
 *
 * Windows are rolling and half-open: at instant t a window of span S holds the entries with
 * at > t − S, so an entry at T stops counting at exactly T + S. Counts only fall as t grows (no entry
 * is added by waiting), which is why the earliest allowed instant can be computed exactly from the
 * window edges instead of by polling.
 *
 * Clock jumps: an entry stamped after `now` keeps counting until its own stamp + span, so nothing
 * ever leaves a window early — whether another context's clock ran a moment ahead or this clock went
 * back. After a real backward jump that would hold sends for as long as the jump, so `reserve`
 * re-stamps entries more than CLOCK_JUMP_MS ahead at `now` (safe: every entry was written before
 * now). A clock jumping forward looks like time passing; nothing on the device can tell them apart.
 */

export type WaitReason = 'second' | 'minute' | 'day' | 'batch' | 'cooldown' | 'paused' | 'too-many-recipients'

export type Decision = { ok: true } | { ok: false; at: number; reason: WaitReason }

/** What the math needs of a ledger entry. */
export type LedgerSlot = Pick<LedgerEntry, 'at' | 'recipients'>

export interface QueuedSend {
  recipients: number
  /** Earliest send time (scheduled sends). */
  notBefore: number
}

/** For the compose sidebar. */
export interface BudgetSnapshot {
  /** Single-recipient sends that could still leave within the next 60 s (all limits, cool-downs, pauses). */
  minuteRemaining: number
  /** Single-recipient sends left in the current rolling 24 h. */
  dayRemaining: number
  /** Recipients left in the current rolling 24 h. */
  dayRecipientsRemaining: number
  perMessageRecipients: number
  /** When a message composed now would leave, behind the queue; Infinity if it never can. */
  eta: number
  waitReason?: WaitReason | 'queue'
}

/** What the provider answered, as far as the mailbox's pace is concerned. */
export type ProviderFeedback =
  | { kind: 'sent' }
  /** 429, Retry-After, 403 userRateLimitExceeded / rateLimitExceeded. */
  | { kind: 'rate-limited'; retryAfterMs?: number; detail?: string }
  /** Gmail dailyLimitExceeded, Exchange's submission quota block. */
  | { kind: 'daily-limit'; provider: Provider; retryAfterMs?: number; detail?: string }
  /** 5xx, network: the row retries (retryDelay); the mailbox is not slowed. */
  | { kind: 'transient' }

/** A rate-limit answer halves the per-second/minute rate, down to this share, ... */
export const MIN_RATE_FACTOR = 1 / 8
/** ... for this long after the last one. */
export const RATE_RECOVERY_MS = 10 * MINUTE_MS
export const COOLDOWN_BASE_MS = 2_000
export const COOLDOWN_MAX_MS = 15 * MINUTE_MS
/** Gmail's and Exchange's daily blocks last up to a day; the rolling window frees within a day. */
export const PAUSE_MAX_MS = DAY_MS + DAY_GUARD_MS
/** Entries stamped this far after `now` mean the clock went back (not just skew between contexts). */
export const CLOCK_JUMP_MS = MINUTE_MS
/** A stored cool-down further away than this can only come from a clock that went back. */
export const COOLDOWN_HORIZON_MS = 6 * 60 * MINUTE_MS
export const RETRY_BASE_MS = 5_000
export const RETRY_MAX_MS = 30 * MINUTE_MS
const MAX_STRIKES = 16
const DAILY_REASON = 'daily-limit'
/** budgetView's minute simulation never needs more than a minute's worth at 2/s; this is a safety stop. */
const SIMULATION_CAP = 10_000

const REASON_RANK: Record<Exclude<WaitReason, 'too-many-recipients'>, number> = {
  second: 1,
  minute: 2,
  batch: 3,
  day: 4,
  cooldown: 5,
  paused: 6,
}

export function initialThrottle(mailboxId: string): ThrottleState {
  return { mailboxId, cooldownUntil: 0, strikes: 0, rateFactor: 1, rateFactorUntil: 0, pausedUntil: 0 }
}

interface EffectiveState {
  cooldownUntil: number
  pausedUntil: number
  factor: number
  factorUntil: number
}

function bounded(value: number, now: number, horizon: number): number {
  return Number.isNaN(value) ? 0 : Math.min(value, now + horizon)
}

/** The stored state read at `now`: bounded against clocks that went back, factor back to 1 once expired. */
function effective(state: ThrottleState | null | undefined, now: number): EffectiveState {
  if (!state) return { cooldownUntil: 0, pausedUntil: 0, factor: 1, factorUntil: 0 }
  const factorUntil = bounded(state.rateFactorUntil, now, RATE_RECOVERY_MS)
  const raw = state.rateFactor
  const factor = factorUntil > now && Number.isFinite(raw) && raw > 0 ? Math.min(1, Math.max(MIN_RATE_FACTOR, raw)) : 1
  return {
    cooldownUntil: bounded(state.cooldownUntil, now, COOLDOWN_HORIZON_MS),
    pausedUntil: bounded(state.pausedUntil, now, PAUSE_MAX_MS),
    factor,
    factorUntil: factor < 1 ? factorUntil : 0,
  }
}

function weight(recipients: number): number {
  return Number.isFinite(recipients) && recipients >= 1 ? Math.ceil(recipients) : 1
}

/** Entries ascending by time. Returns the input itself when it already is. */
function prepare(ledger: readonly LedgerSlot[]): readonly LedgerSlot[] {
  let ordered = true
  for (let i = 0; i < ledger.length; i++) {
    const at = ledger[i]!.at
    if (Number.isNaN(at) || (i > 0 && at < ledger[i - 1]!.at)) {
      ordered = false
      break
    }
  }
  if (ordered) return ledger
  return ledger.filter((e) => !Number.isNaN(e.at)).sort((a, b) => a.at - b.at)
}

/** Keeps `entries` ascending (a projected send may precede entries stamped in the future). */
function insert(entries: LedgerSlot[], slot: LedgerSlot): void {
  let i = entries.length
  while (i > 0 && entries[i - 1]!.at > slot.at) i--
  entries.splice(i, 0, slot)
}

/** Per-second and per-minute windows slow down after rate-limit answers; daily and admin ones do not. */
function adaptive(w: SendWindow): boolean {
  return w.kind === 'second' || w.kind === 'minute'
}

/**
 * Earliest t ≥ now at which the window (span, max) has room for `need` more. The entries inside the
 * window at t are a suffix of the ascending list, so walking back from the newest finds the first
 * entry that must have left: t = its time + span.
 */
function windowEarliest(
  entries: readonly LedgerSlot[],
  span: number,
  budget: number,
  counts: SendWindow['counts'],
  now: number,
): number {
  let used = 0
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!
    if (e.at <= now - span) return now
    used += counts === 'messages' ? 1 : weight(e.recipients)
    if (used > budget) return Math.max(now, e.at + span)
  }
  return now
}

interface Earliest {
  at: number
  reason: WaitReason | null
}

function earliest(
  entries: readonly LedgerSlot[],
  limits: SendLimits,
  st: EffectiveState,
  now: number,
  recipients: number,
): Earliest {
  const r = weight(recipients)
  if (r > limits.perMessageRecipients) return { at: Number.POSITIVE_INFINITY, reason: 'too-many-recipients' }
  let best: Earliest = { at: now, reason: null }
  const consider = (at: number, reason: Exclude<WaitReason, 'too-many-recipients'>) => {
    if (at <= now) return
    if (
      at > best.at ||
      (at === best.at && best.reason !== null && REASON_RANK[reason] > REASON_RANK[best.reason as typeof reason])
    ) {
      best = { at, reason }
    }
  }
  for (const w of limits.windows) {
    const need = w.counts === 'messages' ? 1 : r
    if (need > w.max) return { at: Number.POSITIVE_INFINITY, reason: 'too-many-recipients' }
    const span = w.windowMs + w.guardMs
    const normal = windowEarliest(entries, span, w.max - need, w.counts, now)
    let at = normal
    if (st.factor < 1 && adaptive(w)) {
      // Slower while the factor lasts (the window is stretched), the normal rate after it ends.
      const slowed = windowEarliest(entries, Math.ceil(span / st.factor), w.max - need, w.counts, now)
      at = slowed < st.factorUntil ? slowed : Math.max(st.factorUntil, normal)
    }
    consider(at, w.kind)
  }
  consider(st.cooldownUntil, 'cooldown')
  consider(st.pausedUntil, 'paused')
  return best
}

/**
 * May a message with `recipients` recipients go at `now`? If not, the exact earliest instant it
 * could (given this ledger and state), and the limit that holds it there. A message that no window
 * could ever hold (more recipients than a message or a whole window allows) gets `at: Infinity`.
 */
export function decide(
  ledger: readonly LedgerSlot[],
  limits: SendLimits,
  state: ThrottleState | null | undefined,
  now: number,
  recipients: number,
): Decision {
  const e = earliest(prepare(ledger), limits, effective(state, now), now, recipients)
  if (e.at <= now || e.reason === null) return { ok: true }
  return { ok: false, at: e.at, reason: e.reason }
}

/**
 * The ETA of each queued message, in the input's order. Messages go in order of `notBefore` (ties in
 * queue order), each no earlier than the one before it — the scheduler must send in that order and
 * not let a later message pass one that is waiting, or its sends and these ETAs part ways. A message
 * that can never go (Infinity) holds nobody up.
 */
export function projectQueue(
  ledger: readonly LedgerSlot[],
  limits: SendLimits,
  state: ThrottleState | null | undefined,
  now: number,
  queue: readonly QueuedSend[],
): number[] {
  const entries = [...prepare(ledger)]
  const st = effective(state, now)
  const order = queue.map((_, i) => i).sort((a, b) => queue[a]!.notBefore - queue[b]!.notBefore || a - b)
  const etas: number[] = new Array(queue.length)
  let cursor = now
  for (const i of order) {
    const q = queue[i]!
    const from = Math.max(cursor, q.notBefore)
    const e = earliest(entries, limits, st, from, q.recipients)
    etas[i] = e.at
    if (e.at === Number.POSITIVE_INFINITY) continue
    cursor = e.at
    insert(entries, { at: e.at, recipients: weight(q.recipients) })
  }
  return etas
}

/**
 * Remaining budget for the compose sidebar, and the ETA of a message with `recipients` recipients
 * composed now, behind `queue` (the mailbox's queued sends).
 */
export function budgetView(
  ledger: readonly LedgerSlot[],
  limits: SendLimits,
  state: ThrottleState | null | undefined,
  now: number,
  options: { recipients?: number; queue?: readonly QueuedSend[] } = {},
): BudgetSnapshot {
  const entries = prepare(ledger)
  const st = effective(state, now)

  const simulated = [...entries]
  let minuteRemaining = 0
  let t = now
  while (minuteRemaining < SIMULATION_CAP) {
    const e = earliest(simulated, limits, st, t, 1)
    if (e.at >= now + MINUTE_MS) break
    insert(simulated, { at: e.at, recipients: 1 })
    t = e.at
    minuteRemaining++
  }

  let dayRemaining = Number.POSITIVE_INFINITY
  let dayRecipientsRemaining = Number.POSITIVE_INFINITY
  for (const w of limits.windows) {
    if (w.kind !== 'day') continue
    const from = now - (w.windowMs + w.guardMs)
    let used = 0
    for (const e of entries) if (e.at > from) used += w.counts === 'messages' ? 1 : weight(e.recipients)
    const left = Math.max(0, w.max - used)
    dayRemaining = Math.min(dayRemaining, left)
    if (w.counts === 'recipients') dayRecipientsRemaining = Math.min(dayRecipientsRemaining, left)
  }
  if (st.pausedUntil > now) dayRemaining = dayRecipientsRemaining = 0
  if (dayRemaining === Number.POSITIVE_INFINITY) dayRemaining = SIMULATION_CAP
  if (dayRecipientsRemaining === Number.POSITIVE_INFINITY) {
    dayRecipientsRemaining = dayRemaining * limits.perMessageRecipients
  }

  const recipients = options.recipients ?? 1
  const queue = options.queue ?? []
  const etas = projectQueue(entries, limits, state, now, [...queue, { recipients, notBefore: now }])
  const eta = etas[etas.length - 1]!
  const snapshot: BudgetSnapshot = {
    minuteRemaining,
    dayRemaining,
    dayRecipientsRemaining,
    perMessageRecipients: limits.perMessageRecipients,
    eta,
  }
  if (eta > now) {
    const alone = decide(entries, limits, state, now, recipients)
    snapshot.waitReason = alone.ok || eta > alone.at ? 'queue' : alone.reason
  }
  return snapshot
}

/**
 * The mailbox's state after a provider answer.
 * - rate-limited: cool down for max(Retry-After, exponential backoff with equal jitter), and halve the
 *   per-second/minute rate for RATE_RECOVERY_MS. An answer arriving while a cool-down is already
 *   running belongs to a request sent before it started (nothing is sent during one), so it only
 *   extends the cool-down to its Retry-After and does not count as another strike.
 * - daily-limit: pause until the rolling 24 h window frees, i.e. the oldest send of the last 24 h is
 *   24 h old (a full day if we know of none: the provider counts sends made outside Dispatch too).
 *   A second block within a day of the last one, and any Exchange block (Microsoft: the sender
 *   waits 24 hours), pauses a full day from now.
 * - sent: one strike decays; with none left and the slow-down expired, the state is clean again.
 * - transient: unchanged (the row retries with retryDelay).
 */
export function afterFeedback(
  state: ThrottleState,
  feedback: ProviderFeedback,
  now: number,
  random: () => number,
  ledger: readonly LedgerSlot[] = [],
): ThrottleState {
  const st = effective(state, now)
  switch (feedback.kind) {
    case 'transient':
      return state
    case 'sent': {
      const strikes = Math.max(0, state.strikes - 1)
      const next: ThrottleState = { ...state, strikes }
      if (strikes === 0 && st.factor === 1) {
        next.rateFactor = 1
        next.rateFactorUntil = 0
        if (st.cooldownUntil <= now && st.pausedUntil <= now) delete next.reason
      }
      return next
    }
    case 'rate-limited': {
      const retryAfter = Math.max(0, feedback.retryAfterMs ?? 0)
      if (st.cooldownUntil > now) {
        return { ...state, cooldownUntil: Math.max(st.cooldownUntil, now + Math.ceil(retryAfter)) }
      }
      const strikes = Math.min(MAX_STRIKES, state.strikes + 1)
      const backoff = Math.min(COOLDOWN_MAX_MS, COOLDOWN_BASE_MS * 2 ** (strikes - 1))
      const jittered = backoff / 2 + random() * (backoff / 2)
      return {
        ...state,
        strikes,
        cooldownUntil: now + Math.ceil(Math.max(retryAfter, jittered)),
        rateFactor: Math.max(MIN_RATE_FACTOR, st.factor / 2),
        rateFactorUntil: now + RATE_RECOVERY_MS,
        reason: feedback.detail ?? 'rate-limited',
      }
    }
    case 'daily-limit': {
      const entries = prepare(ledger)
      const oldest = entries.find((e) => e.at > now - DAY_MS)
      let until = oldest ? oldest.at + DAY_MS + DAY_GUARD_MS : now + PAUSE_MAX_MS
      const repeated = state.reason === DAILY_REASON && state.pausedUntil > now - DAY_MS
      if (repeated || feedback.provider === 'exchange') until = Math.max(until, now + PAUSE_MAX_MS)
      if (feedback.retryAfterMs) until = Math.max(until, now + Math.ceil(feedback.retryAfterMs))
      return { ...state, pausedUntil: Math.max(until, st.pausedUntil), reason: DAILY_REASON }
    }
  }
}

/** Backoff before a row's next attempt after a 5xx or network error (attempt 1 = first retry). */
export function retryDelay(attempt: number, random: () => number): number {
  const n = Math.max(1, Math.min(30, Math.floor(attempt)))
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (n - 1))
  return Math.ceil(ceiling / 2 + random() * (ceiling / 2))
}

/** `Retry-After` (delta-seconds or HTTP-date) in ms from `now`; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const GMAIL_RATE_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded'])

/**
 * Maps a provider error to throttle feedback; null for an answer that says nothing about pace
 * (a permanent 4xx: the row fails with the provider's message).
 * Gmail: `error.errors[].reason`; Graph: `error.code` (a daily block shows as a submission quota
 * error, e.g. `ErrorSubmissionQuotaExceeded`). status 0 = the request never got an answer.
 */
export function classifyProviderError(input: {
  provider: Provider
  status: number
  reasons?: readonly string[]
  code?: string
  retryAfterMs?: number
}): ProviderFeedback | null {
  const reasons = input.reasons ?? []
  const retry = input.retryAfterMs === undefined ? {} : { retryAfterMs: input.retryAfterMs }
  if (reasons.includes('dailyLimitExceeded') || /SubmissionQuotaExceeded/i.test(input.code ?? '')) {
    return { kind: 'daily-limit', provider: input.provider, ...retry, detail: reasons[0] ?? input.code ?? DAILY_REASON }
  }
  if (input.status === 429) return { kind: 'rate-limited', ...retry, detail: reasons[0] ?? input.code ?? '429' }
  if (input.status === 403 && reasons.some((r) => GMAIL_RATE_REASONS.has(r))) {
    return { kind: 'rate-limited', ...retry, detail: reasons.find((r) => GMAIL_RATE_REASONS.has(r))! }
  }
  if (input.status === 0 || input.status >= 500) return { kind: 'transient' }
  return null
}
