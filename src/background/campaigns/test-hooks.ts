import { db } from '../../core/db.ts'
import type { BounceRecord } from '../../core/types.ts'
import { emitEvent, type ReplyDetected } from '../events.ts'
import { kick, setClockForTesting } from '../outbox/scheduler.ts'
import { bumpStats } from '../stats.ts'
import { runCampaigns, setCampaignClockForTesting } from './engine.ts'

/**
 * Hooks for test and demo builds only (index.ts and handlers.ts install them when
 * `buildKind !== 'production'`): a simulated clock for the campaign engine and the outbox scheduler,
 * kept in IndexedDB so it survives the worker being stopped, and a way to play the inbox scanner's
 * part in benchmarks.
 */

const OFFSET_KEY = '_test.clockOffset'
let offset = 0

function apply(): void {
  setClockForTesting(() => Date.now() + offset)
  setCampaignClockForTesting(() => Date.now() + offset)
}

/** Moves the simulated clock forward and runs whatever fell due. Returns the simulated now. */
export async function advanceClock(ms: number): Promise<{ now: number; offsetMs: number }> {
  offset += ms
  await db().settings.put({ key: OFFSET_KEY, value: offset })
  apply()
  await runCampaigns()
  await kick()
  return { now: Date.now() + offset, offsetMs: offset }
}

/** A restarted worker picks up the simulated clock where the test left it. */
export async function restoreTestClock(): Promise<void> {
  offset = ((await db().settings.get(OFFSET_KEY))?.value as number | undefined) ?? 0
  apply()
}

/** What the scanner does for a bounce: store it, count it, tell everyone. */
export async function recordBounceForTesting(b: BounceRecord): Promise<void> {
  await db().transaction('rw', [db().bounces, db().stats], async () => {
    await db().bounces.put(b)
    await bumpStats(b, b.detectedAt, b.kind)
  })
  await emitEvent('bounce.recorded', b)
}

export async function recordReplyForTesting(r: ReplyDetected): Promise<void> {
  await emitEvent('reply.detected', r)
}

/** For `Worker.evaluate` in e2e tests and benchmarks: `globalThis.__dispatchTest`. */
export function installTestGlobals(): void {
  ;(globalThis as unknown as { __dispatchTest: unknown }).__dispatchTest = {
    db,
    advanceClock,
    recordBounce: recordBounceForTesting,
    recordReply: recordReplyForTesting,
    runCampaigns,
    kick,
  }
  void restoreTestClock()
}
