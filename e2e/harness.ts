import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, test as base, type CDPSession, chromium, type Page, type Worker } from '@playwright/test'
import { type Emulator, startEmulator } from './emulator/index.ts'
import { fixtureSource } from '../src/content/shared/fixture-loader.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const DIST_TEST = path.resolve(ROOT, process.env.DISPATCH_DIST ?? 'dist-test')
/** The test build's endpoints point here (vite.config.ts EMULATOR_PORTS.test). */
export const EMULATOR_PORT = Number(process.env.DISPATCH_EMULATOR_PORT ?? 47811)

export const CHROMIUM_ARGS = (dist: string) => [
  `--disable-extensions-except=${dist}`,
  `--load-extension=${dist}`,
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export async function launchWithExtension(
  userDataDir: string,
  dist = DIST_TEST,
  headless = true,
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless,
    args: CHROMIUM_ARGS(dist),
    viewport: { width: 1400, height: 900 },
  })
}

export async function serviceWorker(ctx: BrowserContext): Promise<Worker> {
  return (
    ctx.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ??
    (await ctx.waitForEvent('serviceworker'))
  )
}

/**
 * Host pages without the internet: every request to the four hosts is answered from a dated
 * fixture (e2e/fixtures); the content script is injected exactly as on the real host.
 */
export async function routeHosts(ctx: BrowserContext, pages: { gmail?: string; outlook?: string }): Promise<void> {
  if (pages.gmail) {
    const html = fixtureSource(pages.gmail)
    await ctx.route('https://mail.google.com/**', (r) =>
      r.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }),
    )
  }
  if (pages.outlook) {
    const html = fixtureSource(pages.outlook)
    for (const host of ['outlook.office.com', 'outlook.office365.com', 'outlook.live.com']) {
      await ctx.route(`https://${host}/**`, (r) => r.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }))
    }
  }
}

/**
 * Stops the extension's service worker the way Chrome does when it idles out (CDP
 * ServiceWorker.stopWorker). Memory is gone afterwards; IndexedDB stays.
 */
export class WorkerKiller {
  private versions = new Map<string, { versionId: string; scriptURL: string; runningStatus: string }>()
  private constructor(
    private readonly cdp: CDPSession,
    private readonly extensionId: string,
  ) {}

  static async attach(page: Page, extensionId: string): Promise<WorkerKiller> {
    const cdp = await page.context().newCDPSession(page)
    const killer = new WorkerKiller(cdp, extensionId)
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const v of versions) killer.versions.set(v.versionId, v)
    })
    await cdp.send('ServiceWorker.enable')
    return killer
  }

  private ours() {
    return [...this.versions.values()].filter((v) => v.scriptURL.startsWith(`chrome-extension://${this.extensionId}/`))
  }

  async kill(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.ours().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    for (const v of this.ours()) {
      if (v.runningStatus !== 'stopped')
        await this.cdp.send('ServiceWorker.stopWorker', { versionId: v.versionId }).catch(() => undefined)
    }
    while (this.ours().some((v) => v.runningStatus !== 'stopped') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10))
    }
    if (this.ours().some((v) => v.runningStatus !== 'stopped')) throw new Error('service worker did not stop')
  }

  isRunning(): boolean {
    return this.ours().some((v) => v.runningStatus === 'running')
  }
}

/** Sends a protocol message from an extension page (trusted sender) and returns the reply. */
export async function askWorker<T = unknown>(page: Page, message: Record<string, unknown>): Promise<T> {
  return page.evaluate((m) => chrome.runtime.sendMessage(m), message) as Promise<T>
}

type Fixtures = {
  emulator: Emulator
  userDataDir: string
  context: BrowserContext
  extensionId: string
  sw: Worker
  /** An extension page (options) for trusted messages and IndexedDB reads. */
  extPage: Page
}

export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as the first argument.
  emulator: async ({}, use) => {
    const emulator = await startEmulator({ port: EMULATOR_PORT })
    await use(emulator)
    await emulator.close()
  },
  // eslint-disable-next-line no-empty-pattern -- see above.
  userDataDir: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-e2e-'))
    await use(dir)
    fs.rmSync(dir, { recursive: true, force: true })
  },
  context: async ({ userDataDir, emulator }, use) => {
    void emulator
    const ctx = await launchWithExtension(userDataDir)
    await use(ctx)
    await ctx.close()
  },
  sw: async ({ context }, use) => {
    await use(await serviceWorker(context))
  },
  extensionId: async ({ sw }, use) => {
    await use(new URL(sw.url()).host)
  },
  extPage: async ({ context, extensionId }, use) => {
    const page = await context.newPage()
    await page.goto(`chrome-extension://${extensionId}/src/options/index.html`)
    await use(page)
  },
})

export { expect } from '@playwright/test'

/**
 * Completes a sign-in in the emulator's consent window: `trigger` starts it (a click on Connect),
 * the auth window opens as a page, and the account is chosen there.
 */
export async function signInThrough(ctx: BrowserContext, trigger: () => Promise<void>, address: string): Promise<void> {
  const popup = ctx.waitForEvent('page', {
    predicate: (p) => p.url().includes('127.0.0.1') || p.url() === 'about:blank',
  })
  await trigger()
  const auth = await popup
  try {
    await auth.locator(`[data-account="${address}"]`).click({ timeout: 10_000 })
  } catch (err) {
    // The window closes itself as soon as the redirect lands; the flow's result is what counts.
    if (!/closed/i.test(String(err))) throw err
  }
}

/**
 * Runs `expression` inside Dispatch's content-script world of `page` (the isolated world Chrome
 * gives the extension there), so a test can send exactly what a compromised or buggy content script
 * could send. Returns the expression's (awaited) value.
 */
export async function evaluateInContentScript<T>(page: Page, extensionId: string, expression: string): Promise<T> {
  const cdp = await page.context().newCDPSession(page)
  const contexts: { id: number; origin: string; name: string; auxData?: { type?: string; isDefault?: boolean } }[] = []
  cdp.on('Runtime.executionContextCreated', ({ context }) => contexts.push(context))
  await cdp.send('Runtime.enable')
  const deadline = Date.now() + 5000
  let world: (typeof contexts)[number] | undefined
  while (!world && Date.now() < deadline) {
    world = contexts.find((c) => c.auxData?.type === 'isolated' && c.origin === `chrome-extension://${extensionId}`)
    if (!world) await new Promise((r) => setTimeout(r, 50))
  }
  if (!world) throw new Error('content-script world not found')
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
    expression,
    contextId: world.id,
    awaitPromise: true,
    returnByValue: true,
  })
  await cdp.detach()
  if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text)
  return result.value as T
}
