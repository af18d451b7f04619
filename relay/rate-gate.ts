import type { RateCap } from './config.ts'

/**
 * Spaces message starts evenly so the provider's cap is never crossed: with a cap of r messages per
 * second, the n-th start waits until (n-1)/r seconds after the first. Callers queue; nobody is
 * refused. Evenly spaced starts (no burst) also stay under caps that providers count per minute.
 */
export class RateGate {
  private readonly intervalMs: number
  private nextFreeAt = 0
  private waiting = 0

  constructor(
    readonly cap: RateCap | null,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.intervalMs = cap ? (cap.perSeconds * 1000) / cap.messages : 0
  }

  /** Messages waiting for their slot right now. */
  get queued(): number {
    return this.waiting
  }

  /**
   * Resolves when this message may start; returns how long it waited, in ms. Rejects with the
   * signal's reason if it is aborted first (the slot is then lost, which only slows later sends).
   */
  async acquire(signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted()
    if (!this.intervalMs) return 0
    const now = this.now()
    const slot = Math.max(now, this.nextFreeAt)
    this.nextFreeAt = slot + this.intervalMs
    const wait = slot - now
    if (wait <= 0) return 0
    this.waiting++
    try {
      // Timers may fire a hair early; loop until the slot has really come.
      while (this.now() < slot) await sleep(Math.max(1, Math.ceil(slot - this.now())), signal)
    } finally {
      this.waiting--
    }
    return wait
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
