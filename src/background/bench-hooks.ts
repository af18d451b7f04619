import { db } from '../core/db.ts'
import { limitsFor } from '../core/limits.ts'
import { release, reserve } from './outbox/budget.ts'

/**
 * Test and demo builds only (index.ts installs it when `buildKind !== 'production'`): measures the
 * budget reservation inside the worker, on the browser's real IndexedDB, for `npm run bench`.
 */
async function measureReserve(count: number): Promise<number[]> {
  const limits = limitsFor('workspace')
  const mailboxId = 'gmail:bench@acme-sales.example'
  const times: number[] = []
  const base = Date.now()
  for (let i = 0; i < count; i++) {
    // Spread over time so every reservation is granted (a refusal is cheaper and would flatter the figure).
    const now = base + i * 1000
    const t0 = performance.now()
    const r = await reserve(db(), { mailboxId, outboxId: `bench-${i}`, recipients: 1, limits, now })
    times.push(performance.now() - t0)
    if (!r.ok) throw new Error(`reservation ${i} refused: ${r.reason}`)
  }
  for (let i = 0; i < count; i++) await release(db(), `bench-${i}`)
  return times
}

export function installBenchGlobals(): void {
  ;(globalThis as unknown as { __dispatchBench: unknown }).__dispatchBench = { measureReserve }
}
