/**
 * `npm run bench`: every benchmark, one `name=value` line per figure (⚑ contract 5). Where a figure
 * is measured over several profiles the first line carries the worst; suffixed lines follow.
 * Benchmarks report; they never fail on a target.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { eagerContentKbGz } from './content-size.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function line(name: string, value: number) {
  const v = Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000)
  console.log(`${name}=${v}`)
}

function corpusDir(): string | null {
  const candidates = [
    process.env.DISPATCH_CORPUS,
    path.join(ROOT, '../shared/corpus/bounces'),
    '/work/shared/corpus/bounces',
  ]
  return candidates.find((c) => c && fs.existsSync(path.join(c, 'labels.jsonl'))) ?? null
}

async function section(name: string, run: () => Promise<void>) {
  try {
    await run()
  } catch (err) {
    console.error(`bench: ${name} failed: ${err instanceof Error ? err.stack : err}`)
  }
}

async function main() {
  await section('build', async () => {
    execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: ROOT, stdio: 'inherit' })
    const sizes = eagerContentKbGz(path.join(ROOT, 'dist'))
    line('content_eager_kb_gz', Math.max(...Object.values(sizes)))
    for (const [host, kb] of Object.entries(sizes)) line(`content_eager_kb_gz_${host}`, kb)
  })
  await section('throttle', async () => {
    const { benchThrottle } = await import('./throttle.ts')
    for (const [k, v] of Object.entries(await benchThrottle())) line(k, v)
  })
  await section('bounce', async () => {
    const dir = corpusDir()
    if (!dir) {
      console.error('bench: bounce corpus not found (set DISPATCH_CORPUS); bounce_msgs_per_s not measured')
      return
    }
    const mod = (await import('./bounce.ts')) as { benchBounce(dir: string): Promise<Record<string, number>> }
    for (const [k, v] of Object.entries(await mod.benchBounce(dir))) line(k, v)
  })
  await section('relay', async () => {
    const { benchRelay } = await import('./relay.ts')
    for (const [k, v] of Object.entries(await benchRelay())) line(k, v)
  })
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
