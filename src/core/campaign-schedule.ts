import { epochToZoned, zonedToEpoch } from './time.ts'
import type { BounceKind, Campaign, CampaignStep, Enrolment } from './types.ts'

/**
 * When a campaign's steps fall due for one person, and when a bounce or a reply takes them out.
 * Pure: the worker's engine feeds it times, zones and what it has stored.
 *
 * Day offsets count calendar days from the day the person was enrolled (day 0 = at once), at the
 * wall-clock time of the enrolment in the rep's zone, so a step does not drift across a DST change.
 * With "skip weekends", a step that would fall on a Saturday or Sunday moves to the Monday after,
 * keeping its time of day. A later step is never due before an earlier one.
 */

export const DAY_MS = 86_400_000

/**
 * `nextDueAt` of an enrolment whose current step is already in the outbox, waiting for the
 * scheduler (the largest valid Date, so it sorts after every real due date).
 */
export const AWAITING_SEND = 8.64e15

/** Sunday = 0 … Saturday = 6 of the calendar date `YYYY-MM-DD` (zone-free). */
function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay()
}

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10)
}

export function isWeekend(epoch: number, zone: string): boolean {
  const day = weekdayOf(epochToZoned(epoch, zone).date)
  return day === 0 || day === 6
}

/** The first working day on or after `date`. */
function skipWeekend(date: string): string {
  const day = weekdayOf(date)
  return day === 6 ? addDays(date, 2) : day === 0 ? addDays(date, 1) : date
}

export interface ScheduleOptions {
  /** IANA zone of the rep. */
  zone: string
  skipWeekends: boolean
}

/**
 * The instant step `dayOffset` is due for someone enrolled at `anchor`. Day 0 on a working day (or
 * without weekend skipping) is the anchor itself; other days keep the anchor's time of day.
 */
export function stepDueAt(anchor: number, dayOffset: number, opts: ScheduleOptions): number {
  const { date, time } = epochToZoned(anchor, opts.zone)
  let day = addDays(date, dayOffset)
  if (opts.skipWeekends) day = skipWeekend(day)
  if (day === date) return anchor
  // Seconds are dropped by the wall-clock round trip; add them back so day N is exactly N days on.
  return zonedToEpoch(day, time, opts.zone) + (anchor % 60_000)
}

/**
 * When step `index` of `campaign` is due for an enrolment: its day-offset date, never before an
 * earlier step (offsets that go backwards are treated as the previous step's), and never before
 * `notBefore` (the previous step went out late, e.g. held by the throttle).
 */
export function dueAtForStep(
  steps: readonly Pick<CampaignStep, 'dayOffset'>[],
  index: number,
  enrolledAt: number,
  opts: ScheduleOptions,
  notBefore = -Infinity,
): number {
  let offset = 0
  for (let i = 0; i <= index && i < steps.length; i++) offset = Math.max(offset, steps[i]!.dayOffset)
  return Math.max(stepDueAt(enrolledAt, offset, opts), notBefore)
}

/** Every step's due date for one enrolment, as the campaign editor previews it. */
export function previewSchedule(
  steps: readonly Pick<CampaignStep, 'dayOffset'>[],
  enrolledAt: number,
  opts: ScheduleOptions,
): number[] {
  return steps.map((_, i) => dueAtForStep(steps, i, enrolledAt, opts))
}

export type StepProblem = 'no_steps' | 'first_step_reply' | 'offsets_decrease' | 'no_template'

/** What is wrong with a sequence before it can be saved (the editor shows these). */
export function stepProblems(steps: readonly CampaignStep[]): StepProblem[] {
  const out: StepProblem[] = []
  if (steps.length === 0) out.push('no_steps')
  // A reply needs a thread: the first message starts it.
  if (steps[0]?.mode === 'reply') out.push('first_step_reply')
  if (steps.some((s, i) => i > 0 && s.dayOffset < steps[i - 1]!.dayOffset)) out.push('offsets_decrease')
  if (steps.some((s) => !s.templateId)) out.push('no_template')
  return out
}

/** Soft bounces in a row that take a person out of a campaign with Remove on Bounce. */
export const SOFT_BOUNCE_LIMIT = 3

/**
 * The soft-bounce streak that includes step `bouncedStep`: how many consecutive steps, by step
 * order, soft-bounced around it. A step that was sent and did not bounce breaks the streak — a
 * successful *send* alone cannot, because a soft bounce arrives only after the send succeeded.
 * Counting by step (not by arrival) makes the result independent of the order NDRs arrive in, and
 * a step whose NDR is seen twice counts once.
 */
export function softBounceStreak(softBouncedSteps: ReadonlySet<number>, bouncedStep: number): number {
  if (!softBouncedSteps.has(bouncedStep)) return 0
  let first = bouncedStep
  while (softBouncedSteps.has(first - 1)) first--
  let last = bouncedStep
  while (softBouncedSteps.has(last + 1)) last++
  return last - first + 1
}

export type EndReason = NonNullable<Enrolment['endedReason']>

/**
 * Remove on Bounce: with it on, a hard bounce ends the person's campaign at once and soft bounces
 * end it after SOFT_BOUNCE_LIMIT steps in a row. With it off a bounce only counts — though a hard
 * bounce puts the address on the suppression list, and a suppressed address is never sent a step.
 */
export function bounceOutcome(
  campaign: Pick<Campaign, 'removeOnBounce'>,
  kind: BounceKind,
  streak: number,
): EndReason | null {
  if (!campaign.removeOnBounce) return null
  if (kind === 'hard') return 'bounce'
  return streak >= SOFT_BOUNCE_LIMIT ? 'soft-bounces' : null
}

/** End on reply: a real reply from the person (the scanner has already set auto-replies aside). */
export function replyOutcome(campaign: Pick<Campaign, 'endOnReply'>): EndReason | null {
  return campaign.endOnReply ? 'reply' : null
}

/** The subject of a step sent as a reply in the thread its first message started. */
export function replySubject(threadSubject: string): string {
  const bare = threadSubject.replace(/^\s*((re|aw|sv|antw|res|回复|答复)\s*:\s*)+/i, '')
  return `Re: ${bare}`
}
