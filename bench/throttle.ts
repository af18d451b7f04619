import { pathToFileURL } from 'node:url'
import { type AdminThrottle, limitsFor } from '../src/core/limits.ts'
import { decide, type LedgerSlot } from '../src/core/throttle.ts'
import type { MailboxPlan } from '../src/core/types.ts'

/**
 * Throttle benchmark on a simulated clock: 1,000 sends queued at once per profile, sent by a
 * scheduler that asks `decide` and sends each message at exactly the instant it allows.
 *
 * throttle_over_limit_windows — windows over any limit. Checked independently of `decide` and of
 * `limitsFor`: against this file's own table of the published limits (below), by sliding every
 * window over the send timestamps. A window is any half-open interval [s, s + W); one that holds more
 * than `max` can be slid until it starts at a send, so checking the windows that start at each send
 * finds them all. The figure counts those starting sends (per limit), plus sends with more
 * recipients than a message may carry. Target 0.
 *
 * throttle_utilisation — the share of the available budget used while the queue was non-empty.
 * "Available budget by t" is the number of sends that any schedule obeying every limit in the table
 * could have made from the moment the queue filled until t: the ideal schedule, computed here by the
 * recurrence t*_k = max(t*_{k−1}, max over limits (t*_{k−m} + W)) (m = sends the limit allows per
 * window W), which is the earliest any compliant scheduler can make its k-th send. After each of our
 * sends at t we compare sends made by t with that budget; the figure is the lowest ratio over the
 * busy period, so a scheduler that falls behind anywhere (not just at the end) scores low. Our
 * guards (1 s on a minute, 2 s on a day) are the only reason it can be below 1. Target ≥ 0.98.
 *
 * Each line carries the worst profile; per-profile figures follow with a suffix, and
 * throttle_makespan_ratio_<profile> = the ideal schedule's busy period ÷ ours (how much longer the
 * whole queue took than the limits strictly require; the guards' cost shows here).
 */

interface PublishedLimit {
  windowMs: number
  max: number
  counts: 'messages' | 'recipients'
}

interface Profile {
  key: string
  plan: MailboxPlan
  admin?: AdminThrottle
  recipientsPerMessage: number
  perMessageRecipients: number
  limits: PublishedLimit[]
}

const SECOND = 1_000
const MINUTE = 60_000
const DAY = 86_400_000
const QUEUED = 1_000

const msgs = (max: number, windowMs: number): PublishedLimit => ({ windowMs, max, counts: 'messages' })
const rcpts = (max: number, windowMs: number): PublishedLimit => ({ windowMs, max, counts: 'recipients' })

/** The published limits (and the admin's batch), written out again so the check does not trust limits.ts. */
const PROFILES: Profile[] = [
  {
    key: 'gmail',
    plan: 'gmail-consumer',
    recipientsPerMessage: 1,
    perMessageRecipients: 100,
    limits: [msgs(2, SECOND), msgs(500, DAY), rcpts(500, DAY)],
  },
  {
    key: 'workspace',
    plan: 'workspace',
    recipientsPerMessage: 1,
    perMessageRecipients: 100,
    limits: [msgs(2, SECOND), msgs(2_000, DAY), rcpts(2_000, DAY)],
  },
  {
    key: 'workspace_trial',
    plan: 'workspace-trial',
    recipientsPerMessage: 1,
    perMessageRecipients: 100,
    limits: [msgs(2, SECOND), msgs(500, DAY), rcpts(500, DAY)],
  },
  {
    key: 'exchange',
    plan: 'exchange-online',
    recipientsPerMessage: 1,
    perMessageRecipients: 500,
    limits: [msgs(30, MINUTE), rcpts(10_000, DAY)],
  },
  {
    // Recipient-bound: 25 recipients a message reach 10,000 a day after 400 messages.
    key: 'exchange_25rcpt',
    plan: 'exchange-online',
    recipientsPerMessage: 25,
    perMessageRecipients: 500,
    limits: [msgs(30, MINUTE), rcpts(10_000, DAY)],
  },
  {
    key: 'outlook',
    plan: 'outlook-consumer',
    recipientsPerMessage: 1,
    perMessageRecipients: 100,
    limits: [msgs(30, MINUTE), rcpts(300, DAY)],
  },
  {
    key: 'admin_25_per_45s',
    plan: 'workspace',
    admin: { enabled: true, batchSize: 25, waitSeconds: 45 },
    recipientsPerMessage: 1,
    perMessageRecipients: 100,
    limits: [msgs(2, SECOND), msgs(2_000, DAY), rcpts(2_000, DAY), msgs(25, 45 * SECOND)],
  },
]

/** Sends queued at `start`, each sent at the instant `decide` allows. */
function simulate(profile: Profile, start: number): LedgerSlot[] {
  const limits = limitsFor(profile.plan, profile.admin)
  const ledger: LedgerSlot[] = []
  let t = start
  for (let k = 0; k < QUEUED; k++) {
    for (let guard = 0; ; guard++) {
      const d = decide(ledger, limits, null, t, profile.recipientsPerMessage)
      if (d.ok) break
      if (!Number.isFinite(d.at) || guard > 3) throw new Error(`${profile.key}: send ${k} can never go`)
      t = d.at
    }
    ledger.push({ at: t, recipients: profile.recipientsPerMessage })
  }
  return ledger
}

/** Windows over a limit, found by sliding each window from every send; plus oversized messages. */
export function overLimitWindows(
  sends: readonly LedgerSlot[],
  limits: readonly PublishedLimit[],
  perMessage: number,
): number {
  const sorted = [...sends].sort((a, b) => a.at - b.at)
  let over = sorted.filter((s) => s.recipients > perMessage).length
  for (const limit of limits) {
    let end = 0
    let inWindow = 0
    const w = (s: LedgerSlot) => (limit.counts === 'messages' ? 1 : s.recipients)
    for (let i = 0; i < sorted.length; i++) {
      while (end < sorted.length && sorted[end]!.at < sorted[i]!.at + limit.windowMs) inWindow += w(sorted[end++]!)
      if (inWindow > limit.max) over++
      inWindow -= w(sorted[i]!)
    }
  }
  return over
}

/** The earliest instant any compliant scheduler can make each of `count` sends, from `start`. */
export function idealSchedule(
  count: number,
  recipients: number,
  limits: readonly PublishedLimit[],
  start: number,
): number[] {
  const perWindow = limits.map((l) => (l.counts === 'messages' ? l.max : Math.floor(l.max / recipients)))
  const times: number[] = []
  for (let k = 0; k < count; k++) {
    let t = k > 0 ? times[k - 1]! : start
    limits.forEach((l, i) => {
      const m = perWindow[i]!
      if (k >= m) t = Math.max(t, times[k - m]! + l.windowMs)
    })
    times.push(t)
  }
  return times
}

/** Lowest (sends made by t) ÷ (ideal sends by t), sampled after each of our sends. */
export function utilisation(ours: readonly number[], ideal: readonly number[]): number {
  const sorted = [...ours].sort((a, b) => a - b)
  let worst = 1
  let j = 0
  for (let i = 0; i < sorted.length; i++) {
    if (i + 1 < sorted.length && sorted[i + 1] === sorted[i]) continue
    const t = sorted[i]!
    while (j < ideal.length && ideal[j]! <= t) j++
    worst = Math.min(worst, (i + 1) / j)
  }
  return worst
}

export async function benchThrottle(): Promise<Record<string, number>> {
  const start = Date.UTC(2026, 0, 5, 9, 0, 0)
  const perProfile: Record<string, number> = {}
  let worstOver = 0
  let worstUse = 1
  for (const profile of PROFILES) {
    const sends = simulate(profile, start)
    const over = overLimitWindows(sends, profile.limits, profile.perMessageRecipients)
    const ideal = idealSchedule(QUEUED, profile.recipientsPerMessage, profile.limits, start)
    const use = utilisation(
      sends.map((s) => s.at),
      ideal,
    )
    perProfile[`throttle_over_limit_windows_${profile.key}`] = over
    perProfile[`throttle_utilisation_${profile.key}`] = Number(use.toFixed(4))
    const ours = sends[sends.length - 1]!.at - start
    perProfile[`throttle_makespan_ratio_${profile.key}`] = Number(
      ((ideal[ideal.length - 1]! - start) / ours).toFixed(4),
    )
    worstOver = Math.max(worstOver, over)
    worstUse = Math.min(worstUse, use)
  }
  return {
    throttle_over_limit_windows: worstOver,
    throttle_utilisation: Number(worstUse.toFixed(4)),
    ...perProfile,
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now()
  const figures = await benchThrottle()
  for (const [name, value] of Object.entries(figures)) console.log(`${name}=${value}`)
  console.error(`(${Math.round(performance.now() - started)} ms)`)
}
