import path from 'node:path'
import { runChaos } from '../e2e/chaos.ts'

/**
 * `chaos_lost`, `chaos_duplicates`, `chaos_over_limit`: 500 sends queued in the built test extension
 * against the emulator with 20 % injected faults, the worker killed at ≥ 50 random moments and the
 * browser restarted 3 times on the same profile, with a tight 5-sends-per-2-s limit. Counted in the
 * emulator.
 */
export async function benchChaos(dist: string, port: number): Promise<Record<string, number>> {
  const r = await runChaos(
    {
      sends: 500,
      kills: 60,
      restarts: 3,
      faultRate: 0.2,
      batchSize: 5,
      waitSeconds: 2,
      seed: 11,
      timeoutMs: 40 * 60_000,
    },
    port,
    path.resolve(dist),
  )
  return {
    chaos_lost: r.lost,
    chaos_duplicates: r.duplicates,
    chaos_over_limit: r.overLimit,
    chaos_failed: r.failed,
    chaos_kills: r.kills,
    chaos_restarts: r.restarts,
    chaos_faults_injected: r.faultsInjected,
    chaos_elapsed_s: Math.round(r.elapsedMs / 1000),
  }
}
