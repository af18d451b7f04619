import { describe, expect, it } from 'vitest'
import { type AdminThrottle, DAY_GUARD_MS, DAY_MS, limitsFor, MINUTE_GUARD_MS, type SendLimits } from './limits.ts'
import {
  afterFeedback,
  budgetView,
  COOLDOWN_BASE_MS,
  COOLDOWN_HORIZON_MS,
  COOLDOWN_MAX_MS,
  classifyProviderError,
  decide,
  initialThrottle,
  type LedgerSlot,
  MIN_RATE_FACTOR,
  PAUSE_MAX_MS,
  parseRetryAfter,
  projectQueue,
  type QueuedSend,
  RATE_RECOVERY_MS,
  RETRY_BASE_MS,
  RETRY_MAX_MS,
  retryDelay,
} from './throttle.ts'
import type { MailboxPlan, ThrottleState } from './types.ts'
import { seededRandom } from './random.ts'

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0)
const MBX = 'exchange:rep@contoso.com'
const exchange = limitsFor('exchange-online')
const gmail = limitsFor('gmail-consumer')
const outlook = limitsFor('outlook-consumer')

function sends(count: number, at: number | ((i: number) => number), recipients = 1): LedgerSlot[] {
  return Array.from({ length: count }, (_, i) => ({ at: typeof at === 'number' ? at : at(i), recipients }))
}

function state(over: Partial<ThrottleState> = {}): ThrottleState {
  return { ...initialThrottle(MBX), ...over }
}

describe('decide at window edges', () => {
  it('frees a daily slot exactly when the oldest send is 24 h (+ guard) old, not a millisecond earlier', () => {
    const ledger = sends(500, (i) => T0 + i * 1000)
    const now = T0 + 3 * 3600_000
    const frees = T0 + DAY_MS + DAY_GUARD_MS
    expect(decide(ledger, gmail, null, now, 1)).toEqual({ ok: false, at: frees, reason: 'day' })
    expect(decide(ledger, gmail, null, T0 + DAY_MS, 1).ok).toBe(false)
    expect(decide(ledger, gmail, null, frees - 1, 1).ok).toBe(false)
    expect(decide(ledger, gmail, null, frees, 1)).toEqual({ ok: true })
  })

  it('frees a minute slot exactly 60 s (+ guard) after the send that filled the window', () => {
    const ledger = sends(30, (i) => T0 + i * 100)
    const frees = T0 + 60_000 + MINUTE_GUARD_MS
    expect(decide(ledger, exchange, null, T0 + 5_000, 1)).toEqual({ ok: false, at: frees, reason: 'minute' })
    expect(decide(ledger, exchange, null, frees - 1, 1).ok).toBe(false)
    expect(decide(ledger, exchange, null, frees, 1)).toEqual({ ok: true })
    // The 32nd then waits for the second-oldest, 100 ms later.
    const next = [...ledger, { at: frees, recipients: 1 }]
    expect(decide(next, exchange, null, frees, 1)).toEqual({ ok: false, at: frees + 100, reason: 'minute' })
  })

  it('paces Gmail at two sends per rolling second', () => {
    const ledger = sends(2, T0 + 250)
    expect(decide(ledger, gmail, null, T0 + 600, 1)).toEqual({ ok: false, at: T0 + 1250, reason: 'second' })
    expect(decide(sends(1, T0 + 250), gmail, null, T0 + 600, 1)).toEqual({ ok: true })
  })

  it('counts recipients, not messages, for Exchange’s 10,000 a day', () => {
    // 20 messages of 490 recipients over 20 minutes: 9,800 recipients, far under 30 messages/minute.
    const ledger = sends(20, (i) => T0 + i * 60_000, 490)
    const now = T0 + 3600_000
    expect(decide(ledger, exchange, null, now, 200)).toEqual({ ok: true })
    // 201 recipients do not fit until the first message (490) has left the rolling day.
    expect(decide(ledger, exchange, null, now, 201)).toEqual({
      ok: false,
      at: T0 + DAY_MS + DAY_GUARD_MS,
      reason: 'day',
    })
    // 500 need 300 freed: still one message (490) leaving is enough.
    expect(decide(ledger, exchange, null, now, 500)).toMatchObject({ at: T0 + DAY_MS + DAY_GUARD_MS })
    // With 9,999 used, 500 need 499 freed: two messages (980) must leave, so the second one's edge.
    const full = [...ledger, { at: T0 + 1_200_000, recipients: 199 }]
    expect(decide(full, exchange, null, now, 500)).toMatchObject({ at: T0 + 60_000 + DAY_MS + DAY_GUARD_MS })
    // 10,000 single-recipient messages spread over the day would also fill it.
    const many = sends(10_000, (i) => T0 + i * 8_000)
    expect(decide(many, exchange, null, T0 + 80_000_000, 1)).toEqual({
      ok: false,
      at: T0 + DAY_MS + DAY_GUARD_MS,
      reason: 'day',
    })
  })

  it('keeps Outlook.com to 300 recipients a rolling day', () => {
    const ledger = sends(3, (i) => T0 + i * 120_000, 100)
    expect(decide(ledger, outlook, null, T0 + 600_000, 1)).toEqual({
      ok: false,
      at: T0 + DAY_MS + DAY_GUARD_MS,
      reason: 'day',
    })
  })

  it('refuses for ever a message with more recipients than a message or a whole window allows', () => {
    expect(decide([], gmail, null, T0, 101)).toEqual({
      ok: false,
      at: Number.POSITIVE_INFINITY,
      reason: 'too-many-recipients',
    })
    expect(decide([], gmail, null, T0, 100)).toEqual({ ok: true })
    expect(decide([], exchange, null, T0, 501)).toMatchObject({ reason: 'too-many-recipients' })
    expect(decide([], exchange, null, T0, 500)).toEqual({ ok: true })
    const tiny: SendLimits = {
      plan: 'exchange-online',
      perMessageRecipients: 500,
      windows: [{ kind: 'day', windowMs: DAY_MS, guardMs: 0, max: 50, counts: 'recipients', source: 'provider' }],
    }
    expect(decide([], tiny, null, T0, 51)).toMatchObject({ reason: 'too-many-recipients' })
  })

  it('holds the 26th send of a 25-per-45-s batch until the first is 45 s old', () => {
    const limits = limitsFor('exchange-online', { enabled: true, batchSize: 25, waitSeconds: 45 })
    const ledger = sends(25, (i) => T0 + i * 10)
    expect(decide(ledger, limits, null, T0 + 1_000, 1)).toEqual({ ok: false, at: T0 + 45_000, reason: 'batch' })
    expect(decide(ledger, limits, null, T0 + 45_000, 1)).toEqual({ ok: true })
    // Minute window (30) is not yet binding: 5 more fit in the minute after the batch wait.
    const more = [...ledger, ...sends(5, T0 + 45_000)]
    expect(decide(more, limits, null, T0 + 45_100, 1)).toEqual({
      ok: false,
      at: T0 + 60_000 + MINUTE_GUARD_MS,
      reason: 'minute',
    })
  })

  it('ignores unsorted input order', () => {
    const ledger = sends(30, (i) => T0 + ((i * 7) % 30) * 100)
    expect(decide(ledger, exchange, null, T0 + 5_000, 1)).toEqual({
      ok: false,
      at: T0 + 60_000 + MINUTE_GUARD_MS,
      reason: 'minute',
    })
  })
})

describe('decide with provider feedback state', () => {
  it('waits out a cool-down and a pause, naming the later one', () => {
    expect(decide([], exchange, state({ cooldownUntil: T0 + 5_000 }), T0, 1)).toEqual({
      ok: false,
      at: T0 + 5_000,
      reason: 'cooldown',
    })
    expect(decide([], exchange, state({ cooldownUntil: T0 + 5_000 }), T0 + 5_000, 1)).toEqual({ ok: true })
    expect(decide([], exchange, state({ cooldownUntil: T0 + 5_000, pausedUntil: T0 + 3600_000 }), T0, 1)).toEqual({
      ok: false,
      at: T0 + 3600_000,
      reason: 'paused',
    })
    // A window edge later than the cool-down wins.
    const ledger = sends(30, T0)
    expect(decide(ledger, exchange, state({ cooldownUntil: T0 + 5_000 }), T0 + 1, 1)).toMatchObject({
      reason: 'minute',
      at: T0 + 61_000,
    })
  })

  it('slows the per-minute rate while the rate factor lasts, and returns to normal after', () => {
    const ledger = sends(30, T0)
    const slowed = state({ rateFactor: 0.5, rateFactorUntil: T0 + 600_000 })
    // 30 per 61 s becomes 30 per 122 s.
    expect(decide(ledger, exchange, slowed, T0 + 1, 1)).toEqual({ ok: false, at: T0 + 122_000, reason: 'minute' })
    // If the factor ends before the stretched edge, the normal edge (or the factor's end) applies.
    const short = state({ rateFactor: 0.5, rateFactorUntil: T0 + 90_000 })
    expect(decide(ledger, exchange, short, T0 + 1, 1)).toEqual({ ok: false, at: T0 + 90_000, reason: 'minute' })
    const over = state({ rateFactor: 0.5, rateFactorUntil: T0 + 30_000 })
    expect(decide(ledger, exchange, over, T0 + 1, 1)).toEqual({ ok: false, at: T0 + 61_000, reason: 'minute' })
    // Daily windows are not stretched.
    const day = sends(500, T0 - 3600_000)
    expect(decide(day, gmail, slowed, T0, 1)).toMatchObject({ at: T0 - 3600_000 + DAY_MS + DAY_GUARD_MS })
  })
})

describe('clock jumps', () => {
  it('never lets a send stamped after now leave a window before its own stamp + span', () => {
    // Another context's clock ran 400 ms ahead: its 30 sends hold the minute until their stamp + 61 s.
    const skewed = sends(30, T0 + 400)
    expect(decide(skewed, exchange, null, T0, 1)).toEqual({ ok: false, at: T0 + 400 + 61_000, reason: 'minute' })
    // 500 Gmail sends stamped an hour ahead (the clock went back): held until their stamp + a day.
    const day = sends(500, T0 + 3600_000)
    expect(decide(day, gmail, null, T0, 1)).toEqual({
      ok: false,
      at: T0 + 3600_000 + DAY_MS + DAY_GUARD_MS,
      reason: 'day',
    })
  })

  it('projects sends in time order around entries stamped in the future', () => {
    const ledger = sends(1, T0 + 5_000)
    const queue = Array.from({ length: 3 }, () => ({ recipients: 1, notBefore: T0 }))
    // 2/s, but the entry stamped 5 s ahead takes one of the two slots of every second until then.
    expect(projectQueue(ledger, gmail, null, T0, queue)).toEqual(simulate(ledger, gmail, null, T0, queue))
    expect(projectQueue(ledger, gmail, null, T0, queue)).toEqual([T0, T0 + 1000, T0 + 2000])
  })

  it('bounds stored cool-downs and pauses that a backward jump pushed far away', () => {
    const stuck = state({ cooldownUntil: T0 + 30 * DAY_MS })
    expect(decide([], exchange, stuck, T0, 1)).toEqual({ ok: false, at: T0 + COOLDOWN_HORIZON_MS, reason: 'cooldown' })
    const paused = state({ pausedUntil: T0 + 30 * DAY_MS })
    expect(decide([], exchange, paused, T0, 1)).toEqual({ ok: false, at: T0 + PAUSE_MAX_MS, reason: 'paused' })
  })

  it('treats a jump forward as time passing: windows, cool-downs and pauses have expired', () => {
    const ledger = sends(500, T0)
    const st = state({
      cooldownUntil: T0 + 60_000,
      pausedUntil: T0 + 3600_000,
      rateFactor: 0.125,
      rateFactorUntil: T0 + 1,
    })
    expect(decide(ledger, gmail, st, T0 + 1, 1).ok).toBe(false)
    expect(decide(ledger, gmail, st, T0 + 25 * 3600_000, 1)).toEqual({ ok: true })
  })
})

/** The scheduler as the outbox runs it: in notBefore order, each send at the instant decide allows. */
function simulate(
  ledger: LedgerSlot[],
  limits: SendLimits,
  st: ThrottleState | null,
  now: number,
  queue: QueuedSend[],
): number[] {
  const entries = [...ledger]
  const order = queue.map((_, i) => i).sort((a, b) => queue[a]!.notBefore - queue[b]!.notBefore || a - b)
  const etas: number[] = new Array(queue.length)
  let cursor = now
  for (const i of order) {
    const q = queue[i]!
    let t = Math.max(cursor, q.notBefore)
    let steps = 0
    for (;;) {
      const d = decide(entries, limits, st, t, q.recipients)
      if (d.ok) break
      if (d.at === Number.POSITIVE_INFINITY) {
        t = d.at
        break
      }
      expect(d.at).toBeGreaterThan(t)
      // Exact: the instant decide names is allowed, one millisecond before is not.
      expect(decide(entries, limits, st, d.at - 1, q.recipients).ok).toBe(false)
      t = d.at
      steps++
      expect(steps).toBe(1)
    }
    etas[i] = t
    if (t === Number.POSITIVE_INFINITY) continue
    cursor = t
    entries.push({ at: t, recipients: q.recipients })
  }
  return etas
}

describe('decide and projectQueue agree', () => {
  const plans: MailboxPlan[] = ['gmail-consumer', 'workspace', 'workspace-trial', 'exchange-online', 'outlook-consumer']
  const admins: (AdminThrottle | null)[] = [
    null,
    { enabled: true, batchSize: 25, waitSeconds: 45 },
    { enabled: true, batchSize: 4, waitSeconds: 7 },
  ]

  it('gives every queued send the instant a decide-driven scheduler sends it (randomised)', () => {
    const random = seededRandom(42)
    let compared = 0
    for (let trial = 0; trial < 150; trial++) {
      const plan = plans[trial % plans.length]!
      const limits = limitsFor(plan, admins[Math.floor(random() * admins.length)])
      const ledger = Array.from({ length: Math.floor(random() * 400) }, () => ({
        at: T0 - Math.floor(random() ** 3 * DAY_MS * 1.1),
        recipients: 1 + Math.floor(random() ** 4 * 60),
      })).sort((a, b) => a.at - b.at)
      const st =
        random() < 0.4
          ? state({
              cooldownUntil: T0 + Math.floor(random() * 30_000),
              rateFactor: random() < 0.5 ? 0.5 : 1,
              rateFactorUntil: T0 + Math.floor(random() * 300_000),
              pausedUntil: random() < 0.1 ? T0 + Math.floor(random() * 3600_000) : 0,
            })
          : null
      const queue = Array.from({ length: 1 + Math.floor(random() * 80) }, () => ({
        recipients: 1 + Math.floor(random() ** 3 * (limits.perMessageRecipients + 20)),
        notBefore: random() < 0.7 ? T0 : T0 + Math.floor(random() * 600_000),
      }))
      const projected = projectQueue(ledger, limits, st, T0, queue)
      expect(projected).toEqual(simulate(ledger, limits, st, T0, queue))
      compared += queue.length
      // Every finite ETA is at or after `now` and its own notBefore.
      queue.forEach((q, i) => {
        expect(projected[i]).toBeGreaterThanOrEqual(Math.max(T0, q.notBefore))
      })
    }
    expect(compared).toBeGreaterThan(3000)
  })

  it('lets a message that can never go hold nobody up', () => {
    const etas = projectQueue([], gmail, null, T0, [
      { recipients: 1, notBefore: T0 },
      { recipients: 150, notBefore: T0 },
      { recipients: 1, notBefore: T0 },
      { recipients: 1, notBefore: T0 },
    ])
    expect(etas).toEqual([T0, Number.POSITIVE_INFINITY, T0, T0 + 1000])
  })

  it('orders by notBefore and returns ETAs in the input order', () => {
    const etas = projectQueue([], exchange, null, T0, [
      { recipients: 1, notBefore: T0 + 3600_000 },
      { recipients: 1, notBefore: T0 },
    ])
    expect(etas).toEqual([T0 + 3600_000, T0])
  })
})

describe('budgetView', () => {
  it('shows what is left this minute and today, and the ETA of the message being composed', () => {
    // 20 messages of 5 recipients sent just now: 10 more fit before any of them leaves the minute.
    const recent = sends(20, (i) => T0 - 500 + i * 10, 5)
    const view = budgetView(recent, exchange, null, T0, { recipients: 3 })
    expect(view).toMatchObject({ minuteRemaining: 10, dayRemaining: 9_900, dayRecipientsRemaining: 9_900 })
    expect(view.perMessageRecipients).toBe(500)
    expect(view.eta).toBe(T0)
    expect(view.waitReason).toBeUndefined()
    // Sent 30 s ago, they leave the rolling minute within the next 60 s: 30 can still go in it.
    const older = sends(20, (i) => T0 - 30_000 + i * 100, 5)
    expect(budgetView(older, exchange, null, T0).minuteRemaining).toBe(30)
  })

  it('counts the minute for Gmail from its per-second pace and for an admin batch from the batch', () => {
    expect(budgetView([], gmail, null, T0).minuteRemaining).toBe(120)
    const batched = limitsFor('workspace', { enabled: true, batchSize: 25, waitSeconds: 45 })
    // 25 at once (at 2/s, 0–12 s), the next 25 from 45 s (45–57 s): 50 inside the minute.
    expect(budgetView([], batched, null, T0).minuteRemaining).toBe(50)
  })

  it('puts the composed message behind the queue and says so', () => {
    const queue = Array.from({ length: 40 }, () => ({ recipients: 1, notBefore: T0 }))
    const view = budgetView([], exchange, null, T0, { recipients: 1, queue })
    expect(view.eta).toBe(T0 + 61_000)
    expect(view.waitReason).toBe('queue')
    expect(view.eta).toBe(projectQueue([], exchange, null, T0, [...queue, { recipients: 1, notBefore: T0 }])[40])
  })

  it('shows nothing left while the provider has paused the mailbox, and why the ETA is late', () => {
    const view = budgetView([], exchange, state({ pausedUntil: T0 + 3600_000 }), T0)
    expect(view).toMatchObject({ minuteRemaining: 0, dayRemaining: 0, eta: T0 + 3600_000, waitReason: 'paused' })
    const tooMany = budgetView([], gmail, null, T0, { recipients: 101 })
    expect(tooMany).toMatchObject({ eta: Number.POSITIVE_INFINITY, waitReason: 'too-many-recipients' })
  })
})

describe('afterFeedback', () => {
  const half = () => 0.5

  it('cools down for at least Retry-After and lowers the rate for a while', () => {
    const next = afterFeedback(state(), { kind: 'rate-limited', retryAfterMs: 30_000 }, T0, half)
    expect(next.cooldownUntil).toBe(T0 + 30_000)
    expect(next.strikes).toBe(1)
    expect(next.rateFactor).toBe(0.5)
    expect(next.rateFactorUntil).toBe(T0 + RATE_RECOVERY_MS)
    expect(decide([], exchange, next, T0 + 29_999, 1)).toMatchObject({ reason: 'cooldown', at: T0 + 30_000 })
  })

  it('backs off exponentially with jitter between half and the full step, capped', () => {
    const waits = (random: () => number) => {
      let st = state()
      const out: number[] = []
      let now = T0
      for (let i = 0; i < 14; i++) {
        st = afterFeedback(st, { kind: 'rate-limited' }, now, random)
        out.push(st.cooldownUntil - now)
        now = st.cooldownUntil // the next 429 answers a send made after the cool-down
      }
      return out
    }
    const low = waits(() => 0)
    const high = waits(() => 0.999999)
    low.forEach((w, i) => {
      const step = Math.min(COOLDOWN_MAX_MS, COOLDOWN_BASE_MS * 2 ** i)
      expect(w).toBe(step / 2)
      expect(high[i]).toBeGreaterThan(step * 0.99)
      expect(high[i]).toBeLessThanOrEqual(step)
    })
    expect(low.at(-1)).toBe(COOLDOWN_MAX_MS / 2)
  })

  it('does not count answers to requests sent before a running cool-down as new strikes', () => {
    const first = afterFeedback(state(), { kind: 'rate-limited' }, T0, half)
    const second = afterFeedback(first, { kind: 'rate-limited', retryAfterMs: 10_000 }, T0 + 10, half)
    expect(second.strikes).toBe(1)
    expect(second.rateFactor).toBe(0.5)
    expect(second.cooldownUntil).toBe(Math.max(first.cooldownUntil, T0 + 10_010))
  })

  it('halves the rate on every strike down to the floor, and recovers after successes', () => {
    let st = state()
    let now = T0
    for (let i = 0; i < 6; i++) {
      st = afterFeedback(st, { kind: 'rate-limited' }, now, half)
      now = st.cooldownUntil + 1
    }
    expect(st.rateFactor).toBe(MIN_RATE_FACTOR)
    expect(st.strikes).toBe(6)
    for (let i = 0; i < 6; i++) st = afterFeedback(st, { kind: 'sent' }, now, half)
    expect(st.strikes).toBe(0)
    // The slow-down runs its course ...
    expect(st.rateFactor).toBe(MIN_RATE_FACTOR)
    // ... and is cleared by the first success after it ended.
    st = afterFeedback(st, { kind: 'sent' }, now + RATE_RECOVERY_MS, half)
    expect(st).toMatchObject({ rateFactor: 1, rateFactorUntil: 0, strikes: 0 })
    expect(st.reason).toBeUndefined()
  })

  it('pauses on a daily block until the oldest send of the rolling day leaves it', () => {
    const ledger = [
      { at: T0 - 30 * 3600_000, recipients: 1 },
      { at: T0 - 20 * 3600_000, recipients: 1 },
      { at: T0 - 3600_000, recipients: 1 },
    ]
    const st = afterFeedback(state(), { kind: 'daily-limit', provider: 'gmail' }, T0, half, ledger)
    expect(st.pausedUntil).toBe(T0 - 20 * 3600_000 + DAY_MS + DAY_GUARD_MS)
    expect(decide(ledger, gmail, st, T0, 1)).toMatchObject({ reason: 'paused', at: st.pausedUntil })
    // Knowing of no send in the day (they were made elsewhere): a full day.
    expect(afterFeedback(state(), { kind: 'daily-limit', provider: 'gmail' }, T0, half, []).pausedUntil).toBe(
      T0 + PAUSE_MAX_MS,
    )
    // A second block soon after the pause ended: a full day.
    const again = afterFeedback(st, { kind: 'daily-limit', provider: 'gmail' }, st.pausedUntil + 60_000, half, ledger)
    expect(again.pausedUntil).toBe(st.pausedUntil + 60_000 + PAUSE_MAX_MS)
    // Exchange blocks the sender for 24 hours.
    const ex = afterFeedback(state(), { kind: 'daily-limit', provider: 'exchange' }, T0, half, ledger)
    expect(ex.pausedUntil).toBe(T0 + PAUSE_MAX_MS)
    // A Retry-After on the block is honoured when it is later than the window edge.
    const told = { kind: 'daily-limit', provider: 'gmail', retryAfterMs: 6 * 3600_000 } as const
    expect(afterFeedback(state(), told, T0, half, ledger).pausedUntil).toBe(T0 + 6 * 3600_000)
  })

  it('leaves the mailbox alone on 5xx / network errors', () => {
    const st = state({ strikes: 2, cooldownUntil: T0 - 1 })
    expect(afterFeedback(st, { kind: 'transient' }, T0, half)).toEqual(st)
  })
})

describe('retryDelay', () => {
  it('grows exponentially per attempt with jitter, capped', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const step = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1))
      expect(retryDelay(attempt, () => 0)).toBe(step / 2)
      expect(retryDelay(attempt, () => 0.999999)).toBeLessThanOrEqual(step)
      expect(retryDelay(attempt, () => 0.999999)).toBeGreaterThan(step * 0.99)
    }
    expect(retryDelay(100, () => 1)).toBe(RETRY_MAX_MS)
  })
})

describe('provider answers', () => {
  it('maps Gmail and Graph errors to feedback', () => {
    expect(classifyProviderError({ provider: 'gmail', status: 429, retryAfterMs: 5000 })).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 5000,
      detail: '429',
    })
    expect(classifyProviderError({ provider: 'gmail', status: 403, reasons: ['userRateLimitExceeded'] })).toMatchObject(
      {
        kind: 'rate-limited',
      },
    )
    expect(classifyProviderError({ provider: 'gmail', status: 403, reasons: ['rateLimitExceeded'] })).toMatchObject({
      kind: 'rate-limited',
    })
    expect(classifyProviderError({ provider: 'gmail', status: 403, reasons: ['dailyLimitExceeded'] })).toMatchObject({
      kind: 'daily-limit',
      provider: 'gmail',
    })
    expect(
      classifyProviderError({ provider: 'exchange', status: 403, code: 'ErrorSubmissionQuotaExceeded' }),
    ).toMatchObject({ kind: 'daily-limit', provider: 'exchange' })
    expect(classifyProviderError({ provider: 'exchange', status: 503 })).toEqual({ kind: 'transient' })
    expect(classifyProviderError({ provider: 'exchange', status: 0 })).toEqual({ kind: 'transient' })
    expect(classifyProviderError({ provider: 'gmail', status: 403, reasons: ['insufficientPermissions'] })).toBeNull()
    expect(classifyProviderError({ provider: 'gmail', status: 400, reasons: ['invalidArgument'] })).toBeNull()
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120', T0)).toBe(120_000)
    expect(parseRetryAfter(new Date(T0 + 90_000).toUTCString(), T0)).toBe(90_000)
    expect(parseRetryAfter(new Date(T0 - 90_000).toUTCString(), T0)).toBe(0)
    expect(parseRetryAfter('soon', T0)).toBeUndefined()
    expect(parseRetryAfter(null, T0)).toBeUndefined()
  })
})
