/**
 * Analytics and live-feed benchmarks in headless Chromium with the built test extension:
 *
 *  - analytics_open_ms: open the options page at the Analytics tab with 100,000 sent outbox rows,
 *    5,000 bounces, 50 templates and 20 campaigns (and their incremental `stats` rows) in IndexedDB,
 *    until the first chart is painted (the page's `dispatch:analytics-chart-painted` mark, taken in
 *    the frame after the chart with data is committed; measured from navigation start).
 *  - feed_bounce_visible_ms: the scan storing a bounce in the worker (the scanner's own store and
 *    announcement, through the test build's hook) until the open popup shows it (the frame after the
 *    feed item appears).
 *
 * Each figure is the median of several rounds after a warm-up. Run alone: `npx tsx bench/analytics.ts`.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page, Worker } from '@playwright/test'
import { launchWithExtension, serviceWorker } from '../e2e/harness.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DIST = path.join(ROOT, 'dist-bench-analytics')
const ROUNDS = 7

export const SEED = { sent: 100_000, bounces: 5_000, templates: 50, campaigns: 20, stepsPerCampaign: 3, days: 90 }

/** tsx (esbuild) names inner functions with a `__name` helper that evaluated code does not have. */
const KEEP_NAMES = 'globalThis.__name ??= (f) => f'

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10
}

function build(): void {
  execFileSync('npx', ['vite', 'build', '--mode', 'test', '--logLevel', 'error'], {
    cwd: ROOT,
    stdio: 'inherit',
    // Endpoints point at a port nothing listens on: these benchmarks never reach a provider.
    env: { ...process.env, DISPATCH_OUT_DIR: DIST, DISPATCH_EMULATOR_PORT: '47899' },
  })
}

/**
 * Seeds the extension's database from one of its pages with raw IndexedDB bulk writes: the data is
 * generated inside the page, so nothing large crosses the DevTools protocol.
 */
async function seed(page: Page, now: number): Promise<{ ms: number; statRows: number }> {
  await page.evaluate(KEEP_NAMES)
  return page.evaluate(
    async ({ cfg, now }) => {
      const started = performance.now()
      const open = indexedDB.open('dispatch')
      const idb: IDBDatabase = await new Promise((res, rej) => {
        open.onsuccess = () => res(open.result)
        open.onerror = () => rej(open.error)
      })
      let seedState = 42
      const rand = () => {
        seedState = (seedState * 1103515245 + 12345) % 2147483648
        return seedState / 2147483648
      }
      const put = (store: string, rows: unknown[]) =>
        new Promise<void>((res, rej) => {
          // Relaxed durability: no flush per commit; this is seed data.
          const tx = idb.transaction(store, 'readwrite', { durability: 'relaxed' })
          const os = tx.objectStore(store)
          for (const r of rows) os.put(r)
          tx.oncomplete = () => res()
          tx.onerror = () => rej(tx.error)
        })
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
      const mailboxId = 'gmail:rita.rep@acme-sales.example'
      const templates = Array.from({ length: cfg.templates }, (_, i) => ({
        id: `tpl-${i}`,
        name: `Template ${String(i + 1).padStart(2, '0')}`,
        subject: `Subject ${i + 1} for {{company}}`,
        body: '<p>Hi {{first_name|there}}</p>',
        createdAt: now - 100 * 86_400_000,
        updatedAt: now - 100 * 86_400_000,
      }))
      const campaigns = Array.from({ length: cfg.campaigns }, (_, i) => ({
        id: `camp-${i}`,
        name: `Campaign ${String(i + 1).padStart(2, '0')}`,
        steps: Array.from({ length: cfg.stepsPerCampaign }, (_, s) => ({
          dayOffset: s * 3,
          templateId: `tpl-${(i * cfg.stepsPerCampaign + s) % cfg.templates}`,
          mode: s === 0 ? 'new' : 'reply',
        })),
        skipWeekends: true,
        removeOnBounce: true,
        endOnReply: true,
        createdAt: now - 100 * 86_400_000,
      }))
      await put('templates', templates)
      await put('campaigns', campaigns)

      const stats = new Map<
        string,
        Record<string, unknown> & { sent: number; hard: number; soft: number; replies: number }
      >()
      const bump = (scope: string, scopeId: string, d: string, field: 'sent' | 'hard' | 'soft' | 'replies') => {
        const key = `${scope}|${scopeId}|${d}`
        let row = stats.get(key)
        if (!row) {
          row = { key, scope, scopeId, day: d, sent: 0, hard: 0, soft: 0, replies: 0 }
          stats.set(key, row)
        }
        row[field] += 1
      }
      const sent: { id: string; to: string; at: number; templateId: string; campaignId?: string; step?: number }[] = []
      const enrolments: unknown[] = []
      let batch: unknown[] = []
      for (let i = 0; i < cfg.sent; i++) {
        const at = now - Math.floor(rand() * cfg.days * 86_400_000)
        const to = `person${i}@customer${i % 997}.example`
        const inCampaign = rand() < 0.6
        const campaign = inCampaign ? campaigns[Math.floor(rand() * campaigns.length)]! : undefined
        const step = campaign ? Math.floor(rand() * cfg.stepsPerCampaign) : undefined
        const templateId = campaign ? campaign.steps[step!]!.templateId : `tpl-${Math.floor(rand() * cfg.templates)}`
        const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
        let enrolmentId: string | undefined
        if (campaign) {
          enrolmentId = `enr-${i}`
          enrolments.push({
            id: enrolmentId,
            campaignId: campaign.id,
            address: to,
            variables: { email: to },
            state: 'completed',
            nextStep: cfg.stepsPerCampaign,
            nextDueAt: at,
            enrolledAt: at,
            softBounceStreak: 0,
          })
        }
        batch.push({
          id,
          mailboxId,
          channel: 'gmail',
          origin: campaign ? 'campaign' : 'compose',
          state: 'sent',
          message: { to: [to], cc: [], bcc: [], subject: `Subject for ${to}`, html: '<p>Hi</p>', text: 'Hi' },
          recipientCount: 1,
          createdAt: at,
          notBefore: at,
          nextAttemptAt: at,
          attempts: 1,
          log: [],
          sentAt: at,
          messageId: `<${id}@mail.gmail.example>`,
          templateId,
          campaignId: campaign?.id,
          enrolmentId,
          stepIndex: step,
          recipientKeys: [to],
        })
        sent.push({ id, to, at, templateId, campaignId: campaign?.id, step })
        bump('template', templateId, day(at), 'sent')
        if (campaign) {
          bump('campaign', campaign.id, day(at), 'sent')
          bump('step', `${campaign.id}#${step}`, day(at), 'sent')
        }
        if (batch.length === 10_000) {
          await put('outbox', batch)
          batch = []
        }
      }
      await put('outbox', batch)
      for (let i = 0; i < enrolments.length; i += 10_000) await put('enrolments', enrolments.slice(i, i + 10_000))

      const bounces: unknown[] = []
      const picked = new Set<number>()
      while (picked.size < cfg.bounces) picked.add(Math.floor(rand() * sent.length))
      for (const i of picked) {
        const s = sent[i]!
        const kind = rand() < 0.6 ? 'hard' : 'soft'
        const detectedAt = Math.min(now, s.at + 10 * 60_000)
        bounces.push({
          id: `${mailboxId}|ndr-${i}|${s.to}`,
          mailboxId,
          ndrProviderId: `ndr-${i}`,
          recipient: s.to,
          kind,
          reason: kind === 'hard' ? 'userunknown' : 'mailboxfull',
          status: kind === 'hard' ? '5.1.1' : '4.2.2',
          detectedAt,
          outboxId: s.id,
          correlation: 'dispatch-id',
          templateId: s.templateId,
          campaignId: s.campaignId,
          stepIndex: s.step,
        })
        bump('template', s.templateId, day(detectedAt), kind)
        if (s.campaignId) {
          bump('campaign', s.campaignId, day(detectedAt), kind)
          bump('step', `${s.campaignId}#${s.step}`, day(detectedAt), kind)
        }
      }
      await put('bounces', bounces)
      await put('stats', [...stats.values()])
      idb.close()
      return { ms: performance.now() - started, statRows: stats.size }
    },
    { cfg: SEED, now },
  )
}

async function openAnalytics(ctx: BrowserContext, base: string): Promise<number> {
  const page = await ctx.newPage()
  try {
    await page.goto(`${base}/src/options/index.html#analytics`)
    await page.locator('svg[data-chart-painted]').first().waitFor({ timeout: 30_000 })
    return await page.evaluate(() => performance.getEntriesByName('dispatch:analytics-chart-painted')[0]!.startTime)
  } finally {
    await page.close()
  }
}

async function bounceToPopup(sw: Worker, popup: Page, round: number): Promise<number> {
  const recipient = `bench-bounce-${round}-${Date.now()}@gone.example`
  await popup.evaluate((who) => {
    const w = window as unknown as { __seen?: Promise<number> }
    w.__seen = new Promise<number>((resolve) => {
      const check = () =>
        [...document.querySelectorAll('li[data-feed-kind=bounced]')].some((li) => li.textContent?.includes(who))
      const observer = new MutationObserver(() => {
        if (!check()) return
        observer.disconnect()
        // Shown = the frame that paints the new item.
        requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now()))
      })
      observer.observe(document.body, { childList: true, subtree: true, characterData: true })
    })
  }, recipient)
  const stored = await sw.evaluate(async (who) => {
    const hook = (globalThis as unknown as { __dispatchTest: { recordBounce(b: unknown, s?: string): Promise<void> } })
      .__dispatchTest
    const at = Date.now()
    const t0 = performance.timeOrigin + performance.now()
    await hook.recordBounce(
      {
        id: `gmail:rita.rep@acme-sales.example|bench-ndr-${who}|${who}`,
        mailboxId: 'gmail:rita.rep@acme-sales.example',
        ndrProviderId: `bench-ndr-${who}`,
        recipient: who,
        kind: 'hard',
        reason: 'userunknown',
        status: '5.1.1',
        detectedAt: at,
        correlation: 'none',
      },
      'Pricing for Gone',
    )
    return t0
  }, recipient)
  const seen = await popup.evaluate(() => (window as unknown as { __seen: Promise<number> }).__seen)
  return seen - stored
}

export async function benchAnalytics(): Promise<{ analytics_open_ms: number; feed_bounce_visible_ms: number }> {
  build()
  // DISPATCH_BENCH_PROFILE keeps a seeded profile between runs (seeding takes most of the time).
  const kept = process.env.DISPATCH_BENCH_PROFILE
  const profile = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-bench-analytics-'))
  const ctx = await launchWithExtension(profile, DIST)
  try {
    const sw = await serviceWorker(ctx)
    const base = `chrome-extension://${new URL(sw.url()).host}`
    const seeder = await ctx.newPage()
    await seeder.goto(`${base}/src/options/index.html#connections`)
    await seeder.waitForFunction(async () => {
      const dbs = await indexedDB.databases()
      return dbs.some((d) => d.name === 'dispatch')
    })
    const already = await seeder.evaluate(async () => {
      const open = indexedDB.open('dispatch')
      const idb: IDBDatabase = await new Promise((res) => (open.onsuccess = () => res(open.result)))
      const n = await new Promise<number>((res) => {
        const c = idb.transaction('outbox').objectStore('outbox').count()
        c.onsuccess = () => res(c.result)
      })
      idb.close()
      return n
    })
    if (already < SEED.sent) {
      const seeded = await seed(seeder, Date.now())
      if (process.env.DISPATCH_BENCH_VERBOSE)
        console.error(`bench: seeded in ${Math.round(seeded.ms)} ms (${seeded.statRows} stats rows)`)
    }
    await seeder.close()

    await openAnalytics(ctx, base) // warm-up: caches, code, the database's first open
    const open: number[] = []
    for (let i = 0; i < ROUNDS; i++) open.push(await openAnalytics(ctx, base))

    const popup = await ctx.newPage()
    await popup.setViewportSize({ width: 400, height: 640 })
    await popup.goto(`${base}/src/popup/index.html`)
    await popup.evaluate(KEEP_NAMES)
    await sw.evaluate(KEEP_NAMES)
    await popup.locator('[data-dispatch=feed], [data-dispatch=feed-empty]').first().waitFor()
    await bounceToPopup(sw, popup, -1) // warm-up
    const visible: number[] = []
    for (let i = 0; i < ROUNDS; i++) visible.push(await bounceToPopup(sw, popup, i))
    if (process.env.DISPATCH_BENCH_VERBOSE) console.error('bench: open', open, 'visible', visible)
    return { analytics_open_ms: median(open), feed_bounce_visible_ms: median(visible) }
  } finally {
    await ctx.close()
    if (!kept) fs.rmSync(profile, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchAnalytics().then(
    (r) => {
      for (const [k, v] of Object.entries(r)) console.log(`${k}=${v}`)
      process.exit(0)
    },
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
}
