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
    else if (/\.(?:eml|msg|txt)$/i.test(name)) out.push(p)
  }
  return out.sort()
}

export async function benchBounce(corpusDir: string): Promise<{ bounce_msgs_per_s: number }> {
  const messages = listMessages(corpusDir).map((p) => new Uint8Array(readFileSync(p)))
  if (!messages.length) throw new Error(`no .eml files under ${corpusDir}`)
  // Warm-up: compile regexes and let the JIT settle.
  for (let i = 0; i < 3; i++) for (const m of messages) classifyMessageSync(m)
  // Measure whole passes for at least ~1.5 s.
  let count = 0
  const t0 = performance.now()
  let elapsed = 0
  while (elapsed < 1500 || count < messages.length * 3) {
    for (const m of messages) classifyMessageSync(m)
    count += messages.length
    elapsed = performance.now() - t0
  }
  return { bounce_msgs_per_s: Math.round((count / elapsed) * 1000) }
}

// `tsx bench/bounce.ts [DIR]` prints the figure on its own.
if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? join(import.meta.dirname, '../../shared/corpus/bounces/mail')
  benchBounce(dir).then((r) => process.stdout.write(`bounce_msgs_per_s=${r.bounce_msgs_per_s}\n`))
}
