import { describe, expect, it } from 'vitest'
import {
  bounceOutcome,
  DAY_MS,
  dueAtForStep,
  isWeekend,
  previewSchedule,
  replyOutcome,
  replySubject,
  SOFT_BOUNCE_LIMIT,
  softBounceStreak,
  stepDueAt,
  stepProblems,
} from './campaign-schedule.ts'
import { epochToZoned } from './time.ts'
import type { CampaignStep } from './types.ts'

const BERLIN = { zone: 'Europe/Berlin', skipWeekends: false }
const BERLIN_SKIP = { zone: 'Europe/Berlin', skipWeekends: true }
// Wednesday 2026-11-18, 10:15:30.250 in Berlin (UTC+1).
const WED = Date.UTC(2026, 10, 18, 9, 15, 30, 250)

const step = (dayOffset: number, mode: CampaignStep['mode'] = 'new', templateId = 't'): CampaignStep => ({
  dayOffset,
  templateId,
  mode,
})

describe('stepDueAt', () => {
  it('day 0 is the moment of enrolment', () => {
    expect(stepDueAt(WED, 0, BERLIN)).toBe(WED)
    expect(stepDueAt(WED, 0, BERLIN_SKIP)).toBe(WED)
  })

  it('day N is N calendar days later at the same wall-clock time', () => {
    expect(stepDueAt(WED, 1, BERLIN)).toBe(WED + DAY_MS)
    expect(stepDueAt(WED, 3, BERLIN)).toBe(WED + 3 * DAY_MS)
    const due = stepDueAt(WED, 10, BERLIN)
    expect(epochToZoned(due, 'Europe/Berlin')).toEqual({ date: '2026-11-28', time: '10:15' })
  })

  it('keeps the time of day across a DST change (23-hour day)', () => {
    // Friday 2026-03-27 09:00 Berlin (UTC+1); clocks go forward on Sunday the 29th.
    const fri = Date.UTC(2026, 2, 27, 8, 0)
    const due = stepDueAt(fri, 3, { zone: 'Europe/Berlin', skipWeekends: false })
    expect(epochToZoned(due, 'Europe/Berlin')).toEqual({ date: '2026-03-30', time: '09:00' })
    expect(due - fri).toBe(3 * DAY_MS - 3600_000)
  })

  it('moves a Saturday or Sunday step to Monday when skipping weekends', () => {
    // WED + 3 = Saturday 21st, + 4 = Sunday 22nd → Monday 23rd.
    const monday = WED + 5 * DAY_MS
    expect(stepDueAt(WED, 3, BERLIN_SKIP)).toBe(monday)
    expect(stepDueAt(WED, 4, BERLIN_SKIP)).toBe(monday)
    expect(stepDueAt(WED, 5, BERLIN_SKIP)).toBe(monday)
    expect(stepDueAt(WED, 3, BERLIN)).toBe(WED + 3 * DAY_MS)
  })

  it('decides the weekend in the rep’s zone, not in UTC', () => {
    // Friday 23:30 UTC is already Saturday in Shanghai, still Friday in New York.
    const friLateUtc = Date.UTC(2026, 10, 20, 23, 30)
    expect(isWeekend(friLateUtc, 'Asia/Shanghai')).toBe(true)
    expect(isWeekend(friLateUtc, 'America/New_York')).toBe(false)
    const shanghai = stepDueAt(friLateUtc, 0, { zone: 'Asia/Shanghai', skipWeekends: true })
    expect(epochToZoned(shanghai, 'Asia/Shanghai')).toEqual({ date: '2026-11-23', time: '07:30' })
    expect(stepDueAt(friLateUtc, 0, { zone: 'America/New_York', skipWeekends: true })).toBe(friLateUtc)
  })

  it('an enrolment on a weekend starts on Monday when skipping weekends', () => {
    const sat = Date.UTC(2026, 10, 21, 14, 0)
    const due = stepDueAt(sat, 0, BERLIN_SKIP)
    expect(epochToZoned(due, 'Europe/Berlin')).toEqual({ date: '2026-11-23', time: '15:00' })
  })
})

describe('dueAtForStep', () => {
  const steps = [step(0), step(2, 'reply'), step(7)]

  it('schedules each step from the enrolment', () => {
    expect(previewSchedule(steps, WED, BERLIN)).toEqual([WED, WED + 2 * DAY_MS, WED + 7 * DAY_MS])
  })

  it('never schedules a later step before an earlier one', () => {
    const backwards = [step(0), step(5), step(3)]
    expect(dueAtForStep(backwards, 2, WED, BERLIN)).toBe(WED + 5 * DAY_MS)
  })

  it('waits for a previous step that went out late', () => {
    const late = WED + 3 * DAY_MS
    expect(dueAtForStep(steps, 1, WED, BERLIN, late)).toBe(late)
    expect(dueAtForStep(steps, 2, WED, BERLIN, late)).toBe(WED + 7 * DAY_MS)
  })
})

describe('stepProblems', () => {
  it('accepts a good sequence', () => {
    expect(stepProblems([step(0), step(2, 'reply'), step(5)])).toEqual([])
  })
  it('names each problem', () => {
    expect(stepProblems([])).toEqual(['no_steps'])
    expect(stepProblems([step(0, 'reply')])).toEqual(['first_step_reply'])
    expect(stepProblems([step(3), step(1)])).toEqual(['offsets_decrease'])
    expect(stepProblems([step(0, 'new', '')])).toEqual(['no_template'])
  })
})

describe('Remove on Bounce', () => {
  it('a hard bounce removes the person at once', () => {
    expect(bounceOutcome({ removeOnBounce: true }, 'hard', 0)).toBe('bounce')
  })

  it('soft bounces remove the person only after three in a row', () => {
    expect(SOFT_BOUNCE_LIMIT).toBe(3)
    expect(bounceOutcome({ removeOnBounce: true }, 'soft', 1)).toBeNull()
    expect(bounceOutcome({ removeOnBounce: true }, 'soft', 2)).toBeNull()
    expect(bounceOutcome({ removeOnBounce: true }, 'soft', 3)).toBe('soft-bounces')
  })

  it('with Remove on Bounce off a bounce only counts', () => {
    expect(bounceOutcome({ removeOnBounce: false }, 'hard', 0)).toBeNull()
    expect(bounceOutcome({ removeOnBounce: false }, 'soft', 5)).toBeNull()
  })

  it('counts a streak by consecutive steps, whatever order the NDRs arrive in', () => {
    expect(softBounceStreak(new Set([0]), 0)).toBe(1)
    expect(softBounceStreak(new Set([0, 1]), 1)).toBe(2)
    // Step 1's NDR arrives after step 2's: the run 0–2 is still three in a row.
    expect(softBounceStreak(new Set([0, 2, 1]), 1)).toBe(3)
    expect(softBounceStreak(new Set([0, 1, 2]), 2)).toBe(3)
  })

  it('a step that went out without bouncing breaks the streak', () => {
    // Step 1 was delivered: 0 and 2, 3 are separate runs.
    expect(softBounceStreak(new Set([0, 2, 3]), 3)).toBe(2)
    expect(softBounceStreak(new Set([0, 2, 3]), 0)).toBe(1)
    expect(softBounceStreak(new Set([1]), 0)).toBe(0)
  })
})

describe('end on reply', () => {
  it('ends the campaign only when the campaign says so', () => {
    expect(replyOutcome({ endOnReply: true })).toBe('reply')
    expect(replyOutcome({ endOnReply: false })).toBeNull()
  })
})

describe('replySubject', () => {
  it('prefixes Re: once', () => {
    expect(replySubject('Pricing for Contoso')).toBe('Re: Pricing for Contoso')
    expect(replySubject('Re: Pricing')).toBe('Re: Pricing')
    expect(replySubject('AW: RE: Preise')).toBe('Re: Preise')
  })
})
