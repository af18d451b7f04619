import { runChaos } from './chaos.ts'
import { expect, test } from './harness.ts'

/**
 * Exactly once under MV3: sends queued in the built extension, 20 % of provider requests faulted
 * (429, 403 rate reasons, 5xx, slow answers, answers lost after the send took effect), the worker
 * killed at 50 random moments and the browser restarted 3 times on the same profile. Counted at the
 * emulator: nothing lost, nothing sent twice, no window over the limit (a tight 5-per-2-s profile).
 * The benchmark (`npm run bench`) runs the same scenario with 500 sends.
 */
test('chaos: no send lost or duplicated and no window over the limit while the worker dies', async () => {
  test.setTimeout(20 * 60_000)
  const result = await runChaos({
    sends: 120,
    kills: 50,
    restarts: 3,
    faultRate: 0.2,
    batchSize: 5,
    waitSeconds: 2,
    seed: 7,
    timeoutMs: 18 * 60_000,
    log: process.env.DISPATCH_CHAOS_LOG ? (line) => console.log(line) : undefined,
  })
  expect(result.kills).toBeGreaterThanOrEqual(50)
  expect(result.restarts).toBe(3)
  expect(result.faultsInjected).toBeGreaterThan(0)
  expect({ lost: result.lost, duplicates: result.duplicates, overLimit: result.overLimit }).toEqual({
    lost: 0,
    duplicates: 0,
    overLimit: 0,
  })
  expect(result.delivered + result.failed).toBe(120)
})
