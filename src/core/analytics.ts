import type { StatRow, StatScope } from './types.ts'

/**
 * Template and campaign analytics from the incremental `stats` rows (one per scope, id and UTC day),
 * so opening the analytics tab reads a few thousand small rows, never the outbox. Pure.
 *
 * Every count sits on the UTC day its event happened: sends on the day they went out, bounces and
 * replies on the day they were detected. A date range therefore counts the events inside it.
 */

/** Inclusive range of UTC days, `YYYY-MM-DD`. */
export interface DayRange {
  from: string
  to: string
}

export interface Totals {
  sent: number
  /** Sent and not bounced (hard or soft). */
  delivered: number
  hard: number
  soft: number
  bounced: number
  replies: number
  /** Bounced / sent; null when nothing was sent. */
  bounceRate: number | null
  /** Replies / delivered; null when nothing was delivered. */
  replyRate: number | null
}

export interface DayPoint {
  day: string
  sent: number
  hard: number
  soft: number
  replies: number
}

export function inRange(day: string, range: DayRange | null | undefined): boolean {
  return !range || (day >= range.from && day <= range.to)
}

function finish(sent: number, hard: number, soft: number, replies: number): Totals {
  const bounced = hard + soft
  const delivered = Math.max(0, sent - bounced)
  return {
    sent,
    delivered,
    hard,
    soft,
    bounced,
    replies,
    bounceRate: sent > 0 ? Math.min(1, bounced / sent) : null,
    replyRate: delivered > 0 ? Math.min(1, replies / delivered) : null,
  }
}

export function totalsOf(rows: Iterable<Pick<StatRow, 'sent' | 'hard' | 'soft' | 'replies'>>): Totals {
  let sent = 0
  let hard = 0
  let soft = 0
  let replies = 0
  for (const r of rows) {
    sent += r.sent
    hard += r.hard
    soft += r.soft
    replies += r.replies
  }
  return finish(sent, hard, soft, replies)
}

/** Totals per scope id (template or campaign id) for the rows of `scope` inside `range`. */
export function totalsByScope(
  rows: readonly StatRow[],
  scope: StatScope,
  range?: DayRange | null,
): Map<string, Totals> {
  const grouped = new Map<string, StatRow[]>()
  for (const r of rows) {
    if (r.scope !== scope || !inRange(r.day, range)) continue
    const list = grouped.get(r.scopeId)
    if (list) list.push(r)
    else grouped.set(r.scopeId, [r])
  }
  return new Map([...grouped].map(([id, list]) => [id, totalsOf(list)]))
}

function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y!, m! - 1, d! + n)).toISOString().slice(0, 10)
}

/** Every day of the range, in order. Ranges longer than `max` days are cut at their start. */
export function daysOf(range: DayRange, max = 3660): string[] {
  const out: string[] = []
  if (range.from > range.to) return out
  let day = range.to
  while (day >= range.from && out.length < max) {
    out.push(day)
    day = addDays(day, -1)
  }
  return out.reverse()
}

/**
 * A daily series of the rows of `scope` (optionally only `ids`) across `range`, with zero days
 * filled in so the chart's x axis is time, not "days that had events".
 */
export function dailySeries(
  rows: readonly StatRow[],
  scope: StatScope,
  range: DayRange,
  ids?: ReadonlySet<string> | null,
): DayPoint[] {
  const byDay = new Map<string, DayPoint>()
  for (const day of daysOf(range)) byDay.set(day, { day, sent: 0, hard: 0, soft: 0, replies: 0 })
  for (const r of rows) {
    if (r.scope !== scope || (ids && !ids.has(r.scopeId))) continue
    const p = byDay.get(r.day)
    if (!p) continue
    p.sent += r.sent
    p.hard += r.hard
    p.soft += r.soft
    p.replies += r.replies
  }
  return [...byDay.values()]
}

/** The days a set of rows covers, for "All time". */
export function extentOf(rows: readonly Pick<StatRow, 'day'>[]): DayRange | null {
  let from: string | null = null
  let to: string | null = null
  for (const r of rows) {
    if (from === null || r.day < from) from = r.day
    if (to === null || r.day > to) to = r.day
  }
  return from && to ? { from, to } : null
}

/** The last `days` days up to and including `today` (UTC). */
export function lastDays(days: number, today: string): DayRange {
  return { from: addDays(today, -(days - 1)), to: today }
}

export interface FunnelStep {
  index: number
  sent: number
  delivered: number
  bounced: number
  replies: number
  /** Share of the people enrolled that this step reached (sent), or null without enrolments. */
  reach: number | null
}

/** Step id of the `step` stats scope (bumpStats writes `${campaignId}#${stepIndex}`). */
export function stepScopeId(campaignId: string, index: number): string {
  return `${campaignId}#${index}`
}

/**
 * The per-step funnel of a campaign: how many people each step reached, how many of those bounced,
 * and the replies each step drew.
 */
export function campaignFunnel(
  campaignId: string,
  stepCount: number,
  stepRows: readonly StatRow[],
  enrolled: number,
  range?: DayRange | null,
): FunnelStep[] {
  const totals = totalsByScope(stepRows, 'step', range)
  return Array.from({ length: stepCount }, (_, index) => {
    const t = totals.get(stepScopeId(campaignId, index)) ?? totalsOf([])
    return {
      index,
      sent: t.sent,
      delivered: t.delivered,
      bounced: t.bounced,
      replies: t.replies,
      reach: enrolled > 0 ? Math.min(1, t.sent / enrolled) : null,
    }
  })
}

/** A round axis maximum and its ticks (1, 2, 5 × 10ⁿ steps) for a chart whose data peaks at `max`. */
export function niceScale(max: number, ticks = 4): { top: number; step: number; values: number[] } {
  if (!(max > 0)) return { top: 1, step: 1, values: [0, 1] }
  const raw = max / ticks
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw)!
  const top = Math.ceil(max / step) * step
  const values: number[] = []
  for (let v = 0; v <= top + step / 2; v += step) values.push(Math.round(v * 1e9) / 1e9)
  return { top, step, values }
}

/**
 * Groups a long daily series into weeks (or months) so a chart keeps readable bars: at most
 * `maxBars` buckets, each labelled by its first day.
 */
export function bucketSeries(points: readonly DayPoint[], maxBars = 92): DayPoint[] {
  if (points.length <= maxBars) return [...points]
  const size = Math.ceil(points.length / maxBars)
  const out: DayPoint[] = []
  for (let i = 0; i < points.length; i += size) {
    const slice = points.slice(i, i + size)
    out.push({
      day: slice[0]!.day,
      sent: slice.reduce((s, p) => s + p.sent, 0),
      hard: slice.reduce((s, p) => s + p.hard, 0),
      soft: slice.reduce((s, p) => s + p.soft, 0),
      replies: slice.reduce((s, p) => s + p.replies, 0),
    })
  }
  return out
}
