// Classifier throughput: every corpus message classified in one process, files preloaded in
// memory, after a warm-up pass (so the figure is steady-state work, not start-up or disk).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { classifyMessageSync } from '../src/core/bounce/classify.ts'

function listMessages(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...listMessages(p))
    else if (/\.(?:eml|msg)$/i.test(name)) out.push(p)
  }
  return out.sort()
}

export async function benchBounce(corpusDir: string): Promise<{ bounce_msgs_per_s: number }> {
  const messages = listMessages(corpusDir).map((p) => new Uint8Array(readFileSync(p)))
  if (!messages.length) throw new Error(`no .eml files under ${corpusDir}`)
  const pass = (): void => {
    for (const m of messages) classifyMessageSync(m)
  }
  // Warm-up: at least three passes and a second of work, so the JIT has compiled the hot paths.
  const w0 = performance.now()
  for (let i = 0; i < 3 || performance.now() - w0 < 1000; i++) pass()
  // Seven timed rounds of whole passes (each ≥ 250 ms); the median resists a busy neighbour.
  const rates: number[] = []
  for (let round = 0; round < 7; round++) {
    let count = 0
    const t0 = performance.now()
    let elapsed = 0
    while (elapsed < 250) {
      pass()
      count += messages.length
      elapsed = performance.now() - t0
    }
    rates.push((count / elapsed) * 1000)
  }
  rates.sort((a, b) => a - b)
  return { bounce_msgs_per_s: Math.round(rates[3]!) }
}

// `tsx bench/bounce.ts [DIR]` prints the figure on its own.
if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? join(import.meta.dirname, '../../shared/corpus/bounces/mail')
  benchBounce(dir).then((r) => process.stdout.write(`bounce_msgs_per_s=${r.bounce_msgs_per_s}\n`))
}
