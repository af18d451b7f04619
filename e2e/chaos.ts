import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BrowserContext, Page } from '@playwright/test'
import { type Emulator, startEmulator } from './emulator/index.ts'
import { DIST_TEST, EMULATOR_PORT, launchWithExtension, serviceWorker, signInThrough, WorkerKiller } from './harness.ts'
import { seededRandom } from '../src/core/random.ts'

/**
 * The chaos run behind `chaos_lost`, `chaos_duplicates` and `chaos_over_limit` (bench) and the chaos
 * e2e test: many sends queued in the built extension against the emulator with injected faults, the
 * worker killed at random moments and the whole browser restarted on the same profile. Everything is
 * counted at the emulator, i.e. at the "provider".
 */
export interface ChaosOptions {
  sends: number
  kills: number
  restarts: number
  faultRate: number
  /** The admin throttle card used as a tight test profile: `batchSize` sends per `waitSeconds`. */
  batchSize: number
  waitSeconds: number
  seed?: number
  timeoutMs?: number
  log?: (line: string) => void
}

export interface ChaosResult {
  lost: number
  duplicates: number
  overLimit: number
  delivered: number
  failed: number
  kills: number
  restarts: number
  faultsInjected: number
  elapsedMs: number
}

const REP = 'chaos.rep@acme-sales.example'
// Transport and server faults dominate; one rate answer in six keeps the back-off path in play without
// slowing the whole run to the cool-downs (the 403 rate reasons are covered by unit tests).
const FAULTS = ['429', '500', '503', 'slow', 'drop', 'reset'] as const

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Windows of `windowMs` holding more than `max` sends, counted once per offending send. */
export function windowsOverLimit(times: number[], windowMs: number, max: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let over = 0
  let j = 0
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[j]! <= sorted[i]! - windowMs) j++
    if (i - j + 1 > max) over++
  }
  return over
}

/** Outbox states read straight from IndexedDB by an extension page (does not wake the worker). */
async function outboxStates(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const req = indexedDB.open('dispatch')
    const db: IDBDatabase = await new Promise((res, rej) => {
      req.onsuccess = () => res(req.result)
      req.onerror = () => rej(req.error)
    })
    const rows: { state: string }[] = await new Promise((res) => {
      const get = db.transaction('outbox').objectStore('outbox').getAll()
      get.onsuccess = () => res(get.result)
    })
    db.close()
    const counts: Record<string, number> = {}
    for (const r of rows) counts[r.state] = (counts[r.state] ?? 0) + 1
    return counts
  })
}

async function openExtPage(ctx: BrowserContext): Promise<{ page: Page; id: string }> {
  const sw = await serviceWorker(ctx)
  const id = new URL(sw.url()).host
  const page = await ctx.newPage()
  await page.goto(`chrome-extension://${id}/src/options/index.html#outbox`)
  return { page, id }
}

async function ask(page: Page, message: Record<string, unknown>): Promise<{ ok: boolean; error?: unknown }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await page.evaluate((m) => chrome.runtime.sendMessage(m), message)) as { ok: boolean }
    } catch (err) {
      if (attempt >= 3) throw err
      await sleep(200)
    }
  }
}

export async function runChaos(
  opts: ChaosOptions,
  emulatorPort = EMULATOR_PORT,
  dist = DIST_TEST,
): Promise<ChaosResult> {
  const log = opts.log ?? (() => undefined)
  const random = seededRandom(opts.seed ?? 1)
  const started = Date.now()
  const emulator: Emulator = await startEmulator({ port: emulatorPort, seed: opts.seed ?? 1 })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-chaos-'))
  let ctx = await launchWithExtension(dir, dist)
  try {
    emulator.addAccount({ provider: 'google', address: REP, displayName: 'Chaos Rep' })
    let { page, id } = await openExtPage(ctx)
    await page.goto(`chrome-extension://${id}/src/options/index.html#connections`)
    await signInThrough(ctx, () => page.locator('[data-dispatch=connect-gmail]').click(), REP)
    await page.locator(`[data-account="${REP}"][data-status=connected]`).waitFor()
    const set = await ask(page, {
      type: 'settings.set',
      patch: { throttle: { enabled: true, batchSize: opts.batchSize, waitSeconds: opts.waitSeconds } },
    })
    if (!set.ok) throw new Error(`settings.set: ${JSON.stringify(set)}`)

    emulator.setFaults({ rate: opts.faultRate, kinds: [...FAULTS], slowMs: 800, paths: /\/gmail\/v1\// })
    for (let i = 0; i < opts.sends; i++) {
      const reply = await ask(page, {
        type: 'outbox.sendFromPage',
        requestId: crypto.randomUUID(),
        channel: 'gmail',
        message: {
          to: [`lead${i}@northwind.example`],
          cc: [],
          bcc: [],
          subject: `Chaos ${i}`,
          html: `<p>Message ${i}</p>`,
          text: `Message ${i}`,
        },
      })
      if (!reply.ok) throw new Error(`queueing ${i}: ${JSON.stringify(reply.error)}`)
    }
    log(`queued ${opts.sends} sends`)

    let killer = await WorkerKiller.attach(page, id)
    let kills = 0
    let restarts = 0
    const deadline = started + (opts.timeoutMs ?? 20 * 60_000)
    const restartAt = Array.from({ length: opts.restarts }, (_, k) =>
      Math.round((opts.sends * (k + 1)) / (opts.restarts + 1)),
    )
    let states: Record<string, number> = {}
    let lastLog = 0
    for (;;) {
      try {
        states = await outboxStates(page)
      } catch (err) {
        // The extension page went away (the browser closed it under load): open another.
        log(`extension page lost (${err instanceof Error ? err.message.split('\n')[0] : err}); reopening`)
        try {
          ;({ page, id } = await openExtPage(ctx))
        } catch {
          // The whole browser is gone: start it again on the same profile, as a user would.
          await ctx.close().catch(() => undefined)
          ctx = await launchWithExtension(dir, dist)
          restarts++
          ;({ page, id } = await openExtPage(ctx))
        }
        killer = await WorkerKiller.attach(page, id)
        continue
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now()
        log(
          `states ${JSON.stringify(states)}, ${emulator.sends(REP).length} at the emulator, ${kills} kills, worker ${killer.isRunning() ? 'running' : 'stopped'}`,
        )
      }
      const settled = (states.sent ?? 0) + (states.failed ?? 0)
      if (settled >= opts.sends && kills >= opts.kills && restarts >= opts.restarts) break
      if (Date.now() > deadline) throw new Error(`chaos run timed out: ${JSON.stringify(states)}`)
      if (restarts < opts.restarts && settled >= restartAt[restarts]!) {
        await ctx.close()
        ctx = await launchWithExtension(dir, dist)
        ;({ page, id } = await openExtPage(ctx))
        killer = await WorkerKiller.attach(page, id)
        restarts++
        log(`browser restarted (${restarts}); ${JSON.stringify(states)}`)
        continue
      }
      if (kills < opts.kills && settled < opts.sends) {
        await sleep(150 + random() * 1200)
        if (killer.isRunning()) {
          await killer.kill().catch(() => undefined)
          kills++
        }
      } else {
        // All kills spent (or all settled before they were): let the queue drain, nudging a stopped worker.
        await sleep(500)
        if (kills < opts.kills && settled >= opts.sends) {
          // Kill the idle worker the remaining times; nothing may change afterwards.
          await ask(page, { type: 'worker.tick' })
          await killer.kill().catch(() => undefined)
          kills++
        }
      }
    }
    emulator.clearFaults()

    const sends = emulator.sends(REP)
    const bySubject = new Map<string, number>()
    for (const s of sends) bySubject.set(s.subject, (bySubject.get(s.subject) ?? 0) + 1)
    const delivered = [...bySubject.keys()].filter((s) => /^Chaos \d+$/.test(s)).length
    const duplicates = [...bySubject.values()].reduce((n, c) => n + (c - 1), 0)
    const failed = states.failed ?? 0
    // Not delivered and not in the Failed list: gone without a trace.
    const lost = Math.max(0, opts.sends - delivered - failed)
    const times = sends.map((s) => s.at)
    for (const [subject, count] of bySubject) {
      if (count < 2) continue
      const rows = await page.evaluate(async (subj) => {
        const req = indexedDB.open('dispatch')
        const db: IDBDatabase = await new Promise((res) => (req.onsuccess = () => res(req.result)))
        const all: { message: { subject: string } }[] = await new Promise((res) => {
          const get = db.transaction('outbox').objectStore('outbox').getAll()
          get.onsuccess = () => res(get.result)
        })
        db.close()
        return all.filter((r) => r.message.subject === subj)
      }, subject)
      log(
        `DUPLICATE ${subject}: emulator ${JSON.stringify(sends.filter((s) => s.subject === subject))} rows ${JSON.stringify(rows)}`,
      )
      log(
        `emulator log: ${JSON.stringify(
          emulator
            .log({ area: 'gmail' })
            .filter((e) => e.at >= sends.find((s) => s.subject === subject)!.at - 30_000)
            .slice(0, 200)
            .map((e) => [e.at, e.method, e.path.slice(0, 90), e.status, e.fault]),
        )}`,
      )
    }
    const overLimit =
      windowsOverLimit(times, opts.waitSeconds * 1000, opts.batchSize) + windowsOverLimit(times, 1000, 2)
    const faultsInjected = emulator.log({ area: 'gmail' }).filter((e) => e.fault).length
    return {
      lost,
      duplicates,
      overLimit,
      delivered,
      failed,
      kills,
      restarts,
      faultsInjected,
      elapsedMs: Date.now() - started,
    }
  } finally {
    await ctx.close().catch(() => undefined)
    await emulator.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
