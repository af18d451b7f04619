import { describe, expect, it } from 'vitest'
import { benchThrottle, idealSchedule, overLimitWindows, utilisation } from './throttle.ts'

const T0 = Date.UTC(2026, 0, 5, 9)
const exchange = [
  { windowMs: 60_000, max: 30, counts: 'messages' as const },
  { windowMs: 86_400_000, max: 10_000, counts: 'recipients' as const },
]

describe('the throttle benchmark’s own yardsticks', () => {
  it('finds every window a careless schedule overfills', () => {
    const burst = Array.from({ length: 100 }, () => ({ at: T0, recipients: 1 }))
    // Windows starting at sends 0..69 hold more than 30.
    expect(overLimitWindows(burst, exchange, 500)).toBe(70)
    const big = [{ at: T0, recipients: 501 }]
    expect(overLimitWindows(big, exchange, 500)).toBe(1)
  })

  it('accepts the ideal schedule and catches it moved one millisecond early', () => {
    const ideal = idealSchedule(200, 1, exchange, T0)
    const sends = ideal.map((at) => ({ at, recipients: 1 }))
    expect(overLimitWindows(sends, exchange, 500)).toBe(0)
    expect(ideal[30]).toBe(T0 + 60_000)
    sends[30] = { at: T0 + 59_999, recipients: 1 }
    expect(overLimitWindows(sends, exchange, 500)).toBeGreaterThan(0)
  })

  it('scores the ideal schedule 1 and one falling behind by what it missed', () => {
    const ideal = idealSchedule(300, 1, exchange, T0)
    expect(utilisation(ideal, ideal)).toBe(1)
    // Half the pace: 15 a minute where 30 were allowed.
    const slow = Array.from({ length: 300 }, (_, k) => T0 + Math.floor(k / 15) * 60_000)
    expect(utilisation(slow, ideal)).toBeCloseTo(0.5, 1)
  })

  it('reports every profile inside the limits and near full use', async () => {
    const figures = await benchThrottle()
    expect(figures.throttle_over_limit_windows).toBe(0)
    expect(figures.throttle_utilisation).toBeGreaterThanOrEqual(0.98)
    expect(Object.keys(figures).filter((k) => k.startsWith('throttle_utilisation_'))).toHaveLength(7)
  })
})
