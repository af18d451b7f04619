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
/** The benchmarks' own test build and emulator port, so they never disturb dist-test or a running test. */
const BENCH_DIST = path.join(ROOT, 'dist-bench')
const BENCH_PORT = 47813

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
  await section('scan', async () => {
    const { benchScan } = await import('./scan.ts')
    for (const [k, v] of Object.entries(await benchScan())) line(k, v)
  })
  await section('relay', async () => {
    const { benchRelay } = await import('./relay.ts')
    for (const [k, v] of Object.entries(await benchRelay())) line(k, v)
  })
  await section('test build', async () => {
    execFileSync('npx', ['vite', 'build', '--mode', 'test', '--logLevel', 'error'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, DISPATCH_OUT_DIR: BENCH_DIST, DISPATCH_EMULATOR_PORT: String(BENCH_PORT) },
    })
  })
  await section('browser', async () => {
    const { benchBrowser } = await import('./browser.ts')
    for (const [k, v] of Object.entries(await benchBrowser(BENCH_DIST))) line(k, v)
  })
  await section('analytics', async () => {
    const { benchAnalytics } = await import('./analytics.ts')
    for (const [k, v] of Object.entries(await benchAnalytics())) line(k, v)
  })
  await section('chaos', async () => {
    const { benchChaos } = await import('./chaos.ts')
    for (const [k, v] of Object.entries(await benchChaos(BENCH_DIST, BENCH_PORT))) line(k, v)
  })
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
