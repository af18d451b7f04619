import { describe, expect, it, vi } from 'vitest'
import { RateGate } from './rate-gate.ts'

describe('RateGate', () => {
  it('lets everything through at once without a cap', async () => {
    const gate = new RateGate(null)
    expect(await Promise.all([gate.acquire(), gate.acquire(), gate.acquire()])).toEqual([0, 0, 0])
  })

  it('spaces starts evenly: n messages at r per second take at least (n-1)/r seconds', async () => {
    const gate = new RateGate({ messages: 20, perSeconds: 1 })
    const starts: number[] = []
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        await gate.acquire()
        starts.push(performance.now() - t0)
      }),
    )
    starts.sort((a, b) => a - b)
    // The k-th start cannot come before k intervals after the first slot, however late timers fire.
    starts.forEach((start, k) => {
      expect(start).toBeGreaterThanOrEqual(k * 50)
    })
    expect(starts.at(-1)).toBeGreaterThanOrEqual(200)
  })

  it('counts a per-minute cap as one slot every 60/n seconds', async () => {
    vi.useFakeTimers()
    try {
      let now = 0
      const gate = new RateGate({ messages: 30, perSeconds: 60 }, () => now)
      expect(await gate.acquire()).toBe(0)
      let released = false
      const second = gate.acquire().then((waited) => {
        released = true
        return waited
      })
      expect(gate.queued).toBe(1)
      now = 1990
      await vi.advanceTimersByTimeAsync(1990)
      expect(released).toBe(false)
      now = 2000
      await vi.advanceTimersByTimeAsync(10)
      expect(await second).toBe(2000)
      expect(gate.queued).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('stops waiting when aborted, so a closing relay does not sit out the queue', async () => {
    const gate = new RateGate({ messages: 1, perSeconds: 60 })
    await gate.acquire()
    const controller = new AbortController()
    const waiting = gate.acquire(controller.signal)
    controller.abort(new Error('closing'))
    await expect(waiting).rejects.toThrow('closing')
    expect(gate.queued).toBe(0)
  })
})
