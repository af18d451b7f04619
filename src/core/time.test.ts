import { describe, expect, it } from 'vitest'
import { epochToZoned, isValidZone, zonedToEpoch } from './time.ts'

describe('zonedToEpoch', () => {
  it('converts wall time in a zone to the right instant', () => {
    expect(zonedToEpoch('2026-11-23', '09:30', 'Europe/Berlin')).toBe(Date.UTC(2026, 10, 23, 8, 30))
    expect(zonedToEpoch('2026-07-01', '09:30', 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 1, 7, 30))
    expect(zonedToEpoch('2026-11-23', '09:30', 'America/Sao_Paulo')).toBe(Date.UTC(2026, 10, 23, 12, 30))
    expect(zonedToEpoch('2026-11-23', '09:30', 'Asia/Shanghai')).toBe(Date.UTC(2026, 10, 23, 1, 30))
    expect(zonedToEpoch('2026-11-23', '09:30', 'UTC')).toBe(Date.UTC(2026, 10, 23, 9, 30))
  })

  it('moves a time in the spring-forward gap forward', () => {
    // 2026-03-29 02:30 does not exist in Berlin (clocks jump 02:00 → 03:00).
    const e = zonedToEpoch('2026-03-29', '02:30', 'Europe/Berlin')
    expect(epochToZoned(e, 'Europe/Berlin').time).toBe('03:30')
  })

  it('rejects malformed input', () => {
    expect(zonedToEpoch('23/11/2026', '09:30', 'UTC')).toBeNaN()
    expect(zonedToEpoch('2026-11-23', '9:30', 'UTC')).toBeNaN()
  })

  it('round-trips through epochToZoned', () => {
    const e = zonedToEpoch('2026-12-31', '23:45', 'America/New_York')
    expect(epochToZoned(e, 'America/New_York')).toEqual({ date: '2026-12-31', time: '23:45' })
  })
})

describe('isValidZone', () => {
  it('knows IANA zones', () => {
    expect(isValidZone('Europe/Amsterdam')).toBe(true)
    expect(isValidZone('Mars/Olympus')).toBe(false)
  })
})
