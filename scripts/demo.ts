/**
 * `npm run demo`: builds the demo extension (dist-demo/, endpoints on the local emulator), starts
 * the emulator, and opens Chromium with Dispatch on Gmail and Outlook look-alike pages served at
 * the real host URLs — no Google or Microsoft account needed.
 *
 * With a display it stays open until you close the browser. Without one (or with --headless) it runs
 * a scripted tour, prints what it did, writes screenshots to a folder it names, and exits 0.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from '@playwright/test'
import { startEmulator } from '../e2e/emulator/index.ts'
import { launchWithExtension, routeHosts, serviceWorker, signInThrough } from '../e2e/harness.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DIST = path.join(ROOT, 'dist-demo')
const PORT = 47812
const GMAIL_REP = 'ana.silva@acme-sales.example'
const OUTLOOK_REP = 'ana.silva@contoso.example'
const BOUNCING = 'li.wei@northwind.example'

const headless = process.argv.includes('--headless') || !process.env.DISPLAY
const outDir = path.join(ROOT, 'demo-output', new Date().toISOString().replace(/[:.]/g, '-'))
let shot = 0

function say(line: string) {
  console.log(`demo: ${line}`)
}

async function screenshot(page: Page, name: string) {
  fs.mkdirSync(outDir, { recursive: true })
  const file = path.join(outDir, `${String(++shot).padStart(2, '0')}-${name}.png`)
  await page.screenshot({ path: file })
  say(`  screenshot ${path.relative(ROOT, file)}`)
}

async function ask(page: Page, message: Record<string, unknown>) {
  const reply = (await page.evaluate((m) => chrome.runtime.sendMessage(m), message)) as {
    ok: boolean
    error?: unknown
    data?: unknown
  }
  if (!reply.ok) throw new Error(`${String(message.type)}: ${JSON.stringify(reply.error)}`)
  return reply.data as { id: string }
}

async function seed(ext: Page) {
  const intro = await ask(ext, {
    type: 'templates.save',
    template: {
      name: 'Intro — first touch',
      subject: 'Quick question about {{company}}',
      body: '<p>Hi {{first_name|there}},</p><p>I lead partnerships at Acme. Would a 15-minute call next week be useful for {{company|your team}}?</p><p>Best,<br>Ana</p>',
    },
  })
  const followUp = await ask(ext, {
    type: 'templates.save',
    template: {
      name: 'Follow-up — pricing',
      subject: 'Pricing for {{company}}',
      body: '<p>Hi {{first_name|there}}, here is the pricing we discussed. Happy to walk you through it.</p>',
    },
  })
  await ask(ext, {
    type: 'campaigns.save',
    campaign: {
      name: 'Q4 outreach',
      steps: [
        { dayOffset: 0, templateId: intro.id, mode: 'new' },
        { dayOffset: 3, templateId: followUp.id, mode: 'reply' },
      ],
      skipWeekends: true,
      removeOnBounce: true,
      endOnReply: true,
    },
  })
  say('seeded 2 templates and the campaign "Q4 outreach"')
}

async function composeAndSend(ctx: BrowserContext, page: Page, host: 'gmail' | 'outlook', rep: string, label: string) {
  const sidebar = page.locator('[data-dispatch=sidebar]').first()
  await sidebar.locator('[data-dispatch=connect]').waitFor()
  say(`${label}: a Dispatch sidebar sits beside the compose (${await sidebar.getAttribute('data-compose-kind')})`)
  await screenshot(page, `${host}-sidebar`)
  await signInThrough(ctx, () => sidebar.locator('[data-dispatch=connect]').click(), rep)
  await sidebar.locator('[data-dispatch=mailbox]').filter({ hasText: rep }).waitFor()
  say(`${label}: connected ${rep} through the emulator's sign-in page`)
  await sidebar.locator('[data-dispatch=template]').selectOption({ label: 'Follow-up — pricing' })
  await sidebar.locator('[data-dispatch=insert-template]').click()
  say(`${label}: inserted the template "Follow-up — pricing" at the cursor`)
  await screenshot(page, `${host}-template`)
  await sidebar.locator('[data-dispatch=send]').click()
  const state = page.locator('[data-dispatch=toast] [data-dispatch=state]').first()
  await state.waitFor()
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-dispatch=toast]')?.shadowRoot?.querySelector('[data-dispatch=state]')
      return el && ['sent', 'failed'].includes(el.getAttribute('data-state') ?? '')
    },
    undefined,
    { timeout: 30_000 },
  )
  const text = (await state.locator('.tst-text').first().innerText()).replace(/\s+/g, ' ').trim()
  say(`${label}: Send with Dispatch → toast "${text}" (state ${await state.getAttribute('data-state')})`)
  await screenshot(page, `${host}-sent`)
}

async function main() {
  say(`building the demo extension into ${path.relative(ROOT, DIST)}/`)
  execFileSync('npx', ['vite', 'build', '--mode', 'demo', '--logLevel', 'error'], { cwd: ROOT, stdio: 'inherit' })

  const emulator = await startEmulator({ port: PORT, ndrDelayMs: 1500 })
  emulator.addAccount({ provider: 'google', address: GMAIL_REP, displayName: 'Ana Silva' })
  emulator.addAccount({ provider: 'microsoft', address: OUTLOOK_REP, displayName: 'Ana Silva' })
  emulator.rejectRecipient(BOUNCING, { kind: 'hard' })
  say(`emulator for Gmail, Microsoft Graph and both sign-in services at ${emulator.url}`)

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-demo-'))
  const ctx = await launchWithExtension(profile, DIST, headless)
  const sw = await serviceWorker(ctx)
  const id = new URL(sw.url()).host
  say(`Chromium ${headless ? '(headless)' : ''} with Dispatch ${id}`)
  await routeHosts(ctx, { gmail: 'gmail-2026-11-compose-popup.html', outlook: 'outlook-2026-11-compose-new.html' })

  const ext = await ctx.newPage()
  await ext.goto(`chrome-extension://${id}/src/options/index.html`)
  await seed(ext)

  const gmail = await ctx.newPage()
  await gmail.goto('https://mail.google.com/mail/u/0/#inbox')
  const outlook = await ctx.newPage()
  await outlook.goto('https://outlook.office.com/mail/')

  if (!headless) {
    say('the browser is yours: try Connect, a template and Send with Dispatch in both tabs. Close the browser to stop.')
    await new Promise<void>((resolve) => ctx.on('close', () => resolve()))
    await emulator.close()
    return
  }

  await gmail.bringToFront()
  await composeAndSend(ctx, gmail, 'gmail', GMAIL_REP, 'Gmail')
  await outlook.bringToFront()
  await composeAndSend(ctx, outlook, 'outlook', OUTLOOK_REP, 'Outlook')

  const gmailSent = emulator.mailbox(GMAIL_REP).sent.length
  const graphSent = emulator.mailbox(OUTLOOK_REP).sent.filter((m) => !m.isDraft).length
  say(`emulator: ${gmailSent} message(s) in the Gmail Sent folder, ${graphSent} in the Exchange Sent Items`)

  // li.wei@northwind.example was in the Gmail compose and does not exist: its NDR arrives in the
  // rep's inbox; one scan later it is a bounce (suppressed, in the feed, in analytics).
  await emulator.waitFor(() => emulator.mailbox(GMAIL_REP).inbox.length > 0, 10_000)
  const scan = (await ask(ext, { type: 'scan.now' })) as unknown as { bounces: number }
  say(`inbox scan: ${scan.bounces} bounce(s) found and tied to the message that caused them`)

  const popup = await ctx.newPage()
  await popup.setViewportSize({ width: 400, height: 600 })
  await popup.goto(`chrome-extension://${id}/src/popup/index.html`)
  await popup.locator('[data-dispatch=feed]').waitFor()
  say(`popup: live feed shows ${await popup.locator('[data-feed-kind]').count()} event(s)`)
  await screenshot(popup, 'popup-feed')
  await ext.reload()
  await ext.locator('[data-dispatch=connections]').waitFor()
  await screenshot(ext, 'options-connections')
  await ext.goto(`chrome-extension://${id}/src/options/index.html#analytics`)
  await ext.waitForTimeout(1000)
  await screenshot(ext, 'options-analytics')
  await ext.goto(`chrome-extension://${id}/src/options/index.html#sending`)
  await ext.locator('[data-dispatch=sending]').waitFor()
  await screenshot(ext, 'options-sending')

  await ctx.close()
  await emulator.close()
  say(`done — screenshots in ${path.relative(ROOT, outDir)}/`)
}

main().catch((err) => {
  console.error('demo failed:', err)
  process.exit(1)
})
