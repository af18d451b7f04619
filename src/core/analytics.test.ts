import { describe, expect, it } from 'vitest'
import {
  bucketSeries,
  campaignFunnel,
  dailySeries,
  daysOf,
  extentOf,
  lastDays,
  niceScale,
  stepScopeId,
  totalsByScope,
  totalsOf,
} from './analytics.ts'
import { statKey } from './db.ts'
import type { StatRow, StatScope } from './types.ts'

function row(scope: StatScope, scopeId: string, day: string, sent: number, hard = 0, soft = 0, replies = 0): StatRow {
  return { key: statKey(scope, scopeId, day), scope, scopeId, day, sent, hard, soft, replies }
}

describe('totals', () => {
  it('adds up and derives delivered, bounce rate and reply rate', () => {
    const t = totalsOf([
      row('template', 'a', '2026-11-01', 80, 3, 1, 4),
      row('template', 'a', '2026-11-02', 20, 1, 0, 2),
    ])
    expect(t).toEqual({
      sent: 100,
      delivered: 95,
      hard: 4,
      soft: 1,
      bounced: 5,
      replies: 6,
      bounceRate: 0.05,
      replyRate: 6 / 95,
    })
  })

  it('has no rate without sends, and never a delivered count below zero', () => {
    expect(totalsOf([]).bounceRate).toBeNull()
    expect(totalsOf([]).replyRate).toBeNull()
    // A bounce detected today for a message sent before the range started.
    const t = totalsOf([row('campaign', 'c', '2026-11-01', 0, 1)])
    expect(t.delivered).toBe(0)
    expect(t.bounceRate).toBeNull()
    expect(totalsOf([row('campaign', 'c', '2026-11-01', 1, 2)]).bounceRate).toBe(1)
  })

  it('groups by scope id inside a date range and ignores other scopes', () => {
    const rows = [
      row('template', 'a', '2026-10-31', 50, 5),
      row('template', 'a', '2026-11-01', 10, 1),
      row('template', 'b', '2026-11-02', 7, 0, 0, 1),
      row('campaign', 'a', '2026-11-01', 999),
      row('template', 'b', '2026-11-04', 3),
    ]
    const totals = totalsByScope(rows, 'template', { from: '2026-11-01', to: '2026-11-03' })
    expect([...totals.keys()].sort()).toEqual(['a', 'b'])
    expect(totals.get('a')).toMatchObject({ sent: 10, hard: 1 })
    expect(totals.get('b')).toMatchObject({ sent: 7, replies: 1 })
    expect(totalsByScope(rows, 'template').get('a')?.sent).toBe(60)
  })
})

describe('series', () => {
  it('lists every day of a range, across month and year ends', () => {
    expect(daysOf({ from: '2026-12-30', to: '2027-01-02' })).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ])
    expect(daysOf({ from: '2026-11-02', to: '2026-11-01' })).toEqual([])
    expect(lastDays(7, '2026-11-23')).toEqual({ from: '2026-11-17', to: '2026-11-23' })
  })

  it('fills empty days with zeros and sums the chosen ids', () => {
    const rows = [
      row('template', 'a', '2026-11-01', 4, 1),
      row('template', 'b', '2026-11-01', 6, 0, 2),
      row('template', 'a', '2026-11-03', 5, 0, 0, 1),
      row('campaign', 'x', '2026-11-02', 100),
    ]
    const range = { from: '2026-11-01', to: '2026-11-03' }
    expect(dailySeries(rows, 'template', range)).toEqual([
      { day: '2026-11-01', sent: 10, hard: 1, soft: 2, replies: 0 },
      { day: '2026-11-02', sent: 0, hard: 0, soft: 0, replies: 0 },
      { day: '2026-11-03', sent: 5, hard: 0, soft: 0, replies: 1 },
    ])
    expect(dailySeries(rows, 'template', range, new Set(['b'])).map((p) => p.sent)).toEqual([6, 0, 0])
  })

  it('finds the extent of the data for "all time"', () => {
    expect(extentOf([])).toBeNull()
    expect(extentOf([{ day: '2026-11-03' }, { day: '2026-10-01' }, { day: '2026-11-01' }])).toEqual({
      from: '2026-10-01',
      to: '2026-11-03',
    })
  })

  it('buckets a long series into at most maxBars bars without losing counts', () => {
    const points = daysOf({ from: '2026-01-01', to: '2026-12-31' }).map((day, i) => ({
      day,
      sent: i,
      hard: 1,
      soft: 0,
      replies: 0,
    }))
    const bars = bucketSeries(points, 60)
    expect(bars.length).toBeLessThanOrEqual(60)
    expect(bars[0]!.day).toBe('2026-01-01')
    expect(bars.reduce((s, p) => s + p.sent, 0)).toBe(points.reduce((s, p) => s + p.sent, 0))
    expect(bars.reduce((s, p) => s + p.hard, 0)).toBe(365)
    expect(bucketSeries(points.slice(0, 10), 60)).toHaveLength(10)
  })
})

describe('campaignFunnel', () => {
  it('counts each step’s reach, bounces and replies', () => {
    const c = 'camp'
    const rows = [
      row('step', stepScopeId(c, 0), '2026-11-01', 10, 1, 1),
      row('step', stepScopeId(c, 1), '2026-11-03', 7, 0, 0, 2),
      row('step', stepScopeId('other', 0), '2026-11-01', 99),
    ]
    const f = campaignFunnel(c, 3, rows, 10)
    expect(f).toEqual([
      { index: 0, sent: 10, delivered: 8, bounced: 2, replies: 0, reach: 1 },
      { index: 1, sent: 7, delivered: 7, bounced: 0, replies: 2, reach: 0.7 },
      { index: 2, sent: 0, delivered: 0, bounced: 0, replies: 0, reach: 0 },
    ])
    expect(campaignFunnel(c, 1, rows, 0)[0]!.reach).toBeNull()
    expect(campaignFunnel(c, 2, rows, 10, { from: '2026-11-02', to: '2026-11-30' }).map((s) => s.sent)).toEqual([0, 7])
  })
})

describe('niceScale', () => {
  it('rounds the axis up to 1-2-5 steps', () => {
    expect(niceScale(0)).toEqual({ top: 1, step: 1, values: [0, 1] })
    expect(niceScale(7)).toMatchObject({ top: 8, step: 2, values: [0, 2, 4, 6, 8] })
    expect(niceScale(1234)).toMatchObject({ top: 1500, step: 500 })
    expect(niceScale(0.3).top).toBeGreaterThanOrEqual(0.3)
  })
})
