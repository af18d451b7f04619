import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { askWorker, expect, routeHosts, test, WorkerKiller } from './harness.ts'

type Ping = { ok: true; data: { echo: string; workerStartedAt: number; dbVersion: number; pings: number } }

const ROOT = path.resolve(import.meta.dirname, '..')

/** Each fixture kind, where it is served, and the sidebars Dispatch must attach (after `open`, if any). */
const PAGES: { fixture: string; url: string; kinds: string[]; open?: string }[] = [
  { fixture: 'gmail-2026-11-compose-popup.html', url: 'https://mail.google.com/mail/u/0/#inbox', kinds: ['popup'] },
  {
    fixture: 'gmail-2026-11-compose-two-popups.html',
    url: 'https://mail.google.com/mail/u/0/#inbox',
    kinds: ['popup', 'popup'],
  },
  {
    fixture: 'gmail-2026-11-compose-fullscreen.html',
    url: 'https://mail.google.com/mail/u/0/#inbox?compose=new',
    kinds: ['fullscreen'],
  },
  { fixture: 'gmail-2026-11-thread.html', url: 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQX', kinds: [] },
  {
    fixture: 'gmail-2026-11-thread.html',
    url: 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQX',
    kinds: ['inline'],
    open: '.ip .ams.bkH',
  },
  {
    fixture: 'gmail-2026-11-de-thread-inline-reply.html',
    url: 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQX',
    kinds: ['inline'],
  },
  { fixture: 'gmail-2026-11-compose-minimized.html', url: 'https://mail.google.com/mail/u/0/#inbox', kinds: ['popup'] },
  { fixture: 'gmail-2026-11-multi-account.html', url: 'https://mail.google.com/mail/u/1/#inbox', kinds: ['popup'] },
  { fixture: 'gmail-2026-11-inbox.html', url: 'https://mail.google.com/mail/u/0/#inbox', kinds: [] },
  { fixture: 'outlook-2026-11-compose-new.html', url: 'https://outlook.office.com/mail/', kinds: ['inline'] },
  {
    fixture: 'outlook-2026-11-conversation-reply.html',
    url: 'https://outlook.office365.com/mail/inbox/id/AAQk',
    kinds: ['inline'],
  },
  {
    fixture: 'outlook-2026-11-popout-compose.html',
    url: 'https://outlook.live.com/mail/0/deeplink/compose',
    kinds: ['popup'],
  },
  { fixture: 'outlook-2026-11-de-compose-new.html', url: 'https://outlook.office.com/mail/', kinds: ['inline'] },
  { fixture: 'outlook-2026-11-mail.html', url: 'https://outlook.office.com/mail/', kinds: [] },
]

test('the production build is a valid MV3 extension that talks only to the real providers', () => {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: ROOT, stdio: 'pipe' })
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist/manifest.json'), 'utf8'))
  expect(manifest.manifest_version).toBe(3)
  expect(manifest.background).toMatchObject({ type: 'module' })
  expect(manifest.default_locale).toBe('en')
  expect(manifest.key).toMatch(/^MIIB/)
  expect(manifest.host_permissions).toEqual([
    'https://gmail.googleapis.com/*',
    'https://graph.microsoft.com/*',
    'https://oauth2.googleapis.com/*',
    'https://login.microsoftonline.com/*',
  ])
  const code = fs
    .readdirSync(path.join(ROOT, 'dist/assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => fs.readFileSync(path.join(ROOT, 'dist/assets', f), 'utf8'))
    .join('\n')
  expect(code).toContain('https://gmail.googleapis.com')
  expect(code).toContain('https://graph.microsoft.com/v1.0')
  expect(code).not.toMatch(/127\.0\.0\.1:478/)
  // Test-build hooks (simulated clock, benchmark probes) are compiled out.
  expect(code).not.toMatch(/__dispatchTest|__dispatchBench/)
  for (const locale of ['en', 'de', 'nl', 'sv', 'pt_BR', 'zh_CN']) {
    expect(fs.existsSync(path.join(ROOT, 'dist/_locales', locale, 'messages.json'))).toBe(true)
  }
})

for (const p of PAGES) {
  test(`${p.fixture}${p.open ? ' after a click' : ''}: one sidebar per compose (${p.kinds.join(', ') || 'none'})`, async ({
    context,
    sw,
  }) => {
    void sw
    await routeHosts(context, p.url.includes('google') ? { gmail: p.fixture } : { outlook: p.fixture })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(p.url)
    if (p.open) await page.locator(p.open).first().click()
    const sidebars = page.locator('[data-dispatch=sidebar]')
    await expect(sidebars).toHaveCount(p.kinds.length)
    for (let i = 0; i < p.kinds.length; i++)
      await expect(sidebars.nth(i)).toHaveAttribute('data-compose-kind', p.kinds[i]!)
    if (p.kinds.length > 0) {
      // The sidebar asked the worker for the compose's context and shows the mailbox state.
      await expect(sidebars.first().locator('[data-dispatch=connect]')).toBeVisible()
      await expect(sidebars.first().locator('[data-dispatch=send]')).toBeDisabled()
    }
    expect(errors).toEqual([])
  })
}

test('messages round-trip to the worker, and IndexedDB state survives the worker being killed', async ({
  context,
  extPage,
  extensionId,
}) => {
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html' })
  const first = await askWorker<Ping>(extPage, { type: 'diag.ping', echo: 'one' })
  expect(first).toMatchObject({ ok: true, data: { echo: 'one', dbVersion: 2, pings: 1 } })

  const killer = await WorkerKiller.attach(extPage, extensionId)
  await killer.kill()
  expect(killer.isRunning()).toBe(false)

  const second = await askWorker<Ping>(extPage, { type: 'diag.ping', echo: 'two' })
  expect(second).toMatchObject({ ok: true, data: { echo: 'two', pings: 2 } })
  // A new worker instance answered, with the counter it found in IndexedDB.
  expect(second.data.workerStartedAt).toBeGreaterThan(first.data.workerStartedAt)

  // A compose opened after the restart still reaches the (restarted) worker.
  await killer.kill()
  const page = await context.newPage()
  await page.goto('https://mail.google.com/mail/u/0/#inbox')
  await expect(page.locator('[data-dispatch=sidebar] [data-dispatch=connect]')).toBeVisible()
})

test('the worker refuses requests a host page may not make', async ({ context, sw }) => {
  void sw
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html' })
  const page = await context.newPage()
  await page.goto('https://mail.google.com/mail/u/0/#inbox')
  await expect(page.locator('[data-dispatch=sidebar]')).toHaveCount(1)
  // The page's own scripts have no extension API at all.
  expect(
    await page.evaluate(
      () => typeof (globalThis as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime?.sendMessage,
    ),
  ).toBe('undefined')
})
