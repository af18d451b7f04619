import { db } from '../../core/db.ts'
import type { BounceRecord } from '../../core/types.ts'
import { workerScanDeps } from '../bounces/index.ts'
import { announcePending, storeBounces } from '../bounces/record.ts'
import { kick, setClockForTesting } from '../outbox/scheduler.ts'
import { runCampaigns, setCampaignClockForTesting } from './engine.ts'

/**
 * Hooks for test and demo builds only (index.ts and handlers.ts install them when
 * `buildKind !== 'production'`): a simulated clock for the campaign engine and the outbox scheduler,
 * kept in IndexedDB so it survives the worker being stopped, and a way to play the inbox scanner's
 * part in benchmarks (`globalThis.__dispatchTest` for `Worker.evaluate`).
 */

const OFFSET_KEY = '_test.clockOffset'
let offset = 0
let restored: Promise<void> = Promise.resolve()

function apply(): void {
  setClockForTesting(() => Date.now() + offset)
  setCampaignClockForTesting(() => Date.now() + offset)
}

/** Moves the simulated clock forward and runs whatever fell due. Returns the simulated now. */
export async function advanceClock(ms: number): Promise<{ now: number; offsetMs: number }> {
  // A worker woken by this very request must have its stored offset back before adding to it.
  await restored
  offset += ms
  await db().settings.put({ key: OFFSET_KEY, value: offset })
  apply()
  await runCampaigns()
  await kick()
  return { now: Date.now() + offset, offsetMs: offset }
}

/** A restarted worker picks up the simulated clock where the test left it. */
export function restoreTestClock(): Promise<void> {
  restored = (async () => {
    offset = ((await db().settings.get(OFFSET_KEY))?.value as number | undefined) ?? 0
    apply()
  })().catch((err) => console.warn('[dispatch] test clock', err))
  return restored
}

/**
 * Plays the inbox scan finding an NDR: the scanner's own store (bounce, suppression, totals, feed
 * event in one transaction) and announcement (domain event, notification). Benchmarks time from here
 * to the popup showing the bounce.
 */
export async function recordBounceForTesting(b: BounceRecord, subject?: string): Promise<void> {
  await storeBounces(b.mailboxId, b.ndrProviderId, [{ record: b, subject, detail: b.reason }], b.detectedAt)
  await announcePending(b.mailboxId, workerScanDeps().notify)
}

/** For `Worker.evaluate` in e2e tests and benchmarks: `globalThis.__dispatchTest`. */
export function installTestGlobals(): void {
  ;(globalThis as unknown as { __dispatchTest: unknown }).__dispatchTest = {
    db,
    advanceClock,
    recordBounce: recordBounceForTesting,
    runCampaigns,
    kick,
  }
  void restoreTestClock()
}
