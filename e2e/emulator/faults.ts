/**
 * Fault injection: a random rate over chosen kinds and paths, plus "fail the next n requests".
 * 'drop' lets the request take effect and then cuts the connection in the middle of the answer (the
 * case a sender must reconcile); 'reset' destroys it before anything happens; 'slow' delays the
 * answer.
 */
import type { FaultKind } from './http.ts'
import { seededRandom } from '../../src/core/random.ts'

export interface FaultConfig {
  /** Probability (0..1) that a matching request gets a fault. */
  rate: number
  kinds: FaultKind[]
  /** Only requests whose path (with query) matches; default: every Gmail and Graph API request. */
  paths?: RegExp
  /** How long 'slow' holds a response (default 3000 ms). */
  slowMs?: number
}

export const FAULT_KINDS: FaultKind[] = [
  '429',
  '403-userRateLimitExceeded',
  '403-rateLimitExceeded',
  '403-dailyLimitExceeded',
  '500',
  '503',
  '400-permanent',
  'slow',
  'drop',
  'reset',
]

/** Kinds that make sense inside a batch part (no socket to drop there). */
const STATUS_KINDS = new Set<FaultKind>([
  '429',
  '403-userRateLimitExceeded',
  '403-rateLimitExceeded',
  '403-dailyLimitExceeded',
  '500',
  '503',
  '400-permanent',
])

export class Faults {
  config: FaultConfig | null = null
  private queue: { kind: FaultKind; left: number; paths?: RegExp }[] = []
  private random: () => number

  constructor(seed: number) {
    this.random = seededRandom(seed)
  }

  set(config: FaultConfig | null): void {
    if (config) {
      for (const k of config.kinds) if (!FAULT_KINDS.includes(k)) throw new Error(`unknown fault kind ${k}`)
      if (!(config.rate >= 0 && config.rate <= 1)) throw new Error('fault rate must be within 0..1')
    }
    this.config = config
  }

  failNext(kind: FaultKind, n: number, paths?: RegExp): void {
    if (!FAULT_KINDS.includes(kind)) throw new Error(`unknown fault kind ${kind}`)
    this.queue.push({ kind, left: n, paths })
  }

  clear(): void {
    this.config = null
    this.queue = []
  }

  get slowMs(): number {
    return this.config?.slowMs ?? 3000
  }

  /**
   * The fault for a request, if any. API requests are eligible by default; others (OAuth) only
   * when a `paths` pattern names them.
   */
  pick(path: string, api: boolean, inBatch: boolean): FaultKind | null {
    const eligible = (paths?: RegExp) => (paths ? paths.test(path) : api)
    for (const q of this.queue) {
      if (q.left <= 0 || !eligible(q.paths)) continue
      if (inBatch && !STATUS_KINDS.has(q.kind)) continue
      q.left--
      this.queue = this.queue.filter((x) => x.left > 0)
      return q.kind
    }
    const c = this.config
    if (!c?.kinds.length || !eligible(c.paths)) return null
    if (this.random() >= c.rate) return null
    const kinds = inBatch ? c.kinds.filter((k) => STATUS_KINDS.has(k)) : c.kinds
    if (!kinds.length) return null
    return kinds[Math.floor(this.random() * kinds.length)]!
  }
}
