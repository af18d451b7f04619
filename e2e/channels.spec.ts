import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { dkimVerify } from 'mailauth'
import { createRelay, type Relay } from '../relay/server.ts'
import {
  type DkimTestKey,
  makeDkimKey,
  makeTestCertificate,
  type ReceivedMessage,
  startSmtpServer,
  stubResolver,
  type TestCertificate,
  type TestSmtpServer,
} from '../relay/test-support.ts'
import { type DohStub, startDohStub } from './doh-stub.ts'
import { askWorker, expect, routeHosts, signInThrough, test } from './harness.ts'
import { type LegacyStub, startLegacyStub } from './legacy-stub.ts'

/**
 * Delivery channels end to end: the options page's Email settings against a real relay
 * (relay/server.ts) sending to a real SMTP server on loopback with STARTTLS, AUTH and DKIM; the
 * legacy servers channel against a stub of its endpoint; the channel advisor against a local
 * DNS-over-HTTPS resolver. Compose sends keep the plugin rule throughout.
 */

const TOKEN = 'e2e-relay-token-0123456789abcdef'
const DOMAIN = 'dispatch.test'
const REP = `rep@${DOMAIN}`
const GMAIL_REP = 'ana.silva@acme-sales.example'

let certificate: TestCertificate
let dkim: DkimTestKey
const cleanups: (() => Promise<void> | void)[] = []

test.beforeAll(() => {
  certificate = makeTestCertificate()
  dkim = makeDkimKey()
})

test.afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function smtpServer(users: Record<string, string>): Promise<TestSmtpServer> {
  const server = await startSmtpServer({ tls: 'starttls', certificate, users })
  cleanups.push(() => server.close())
  return server
}

async function relayFor(
  server: TestSmtpServer,
  login: { username: string; password: string } | null,
  extra: { allowRepCredentials?: boolean; rateCap?: string } = {},
): Promise<Relay> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-relay-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const relay = await createRelay(
    {
      listen: { host: '127.0.0.1', port: 0 },
      tokens: [{ name: 'e2e', token: TOKEN }],
      smtp: {
        host: '127.0.0.1',
        port: server.port,
        secure: false,
        ...(login ?? {}),
        tls: { ca: certificate.cert },
        timeoutMs: 5000,
      },
      domain: DOMAIN,
      dkim: { selector: 'dispatch1', privateKey: dkim.privateKey },
      dataDir,
      ...extra,
    },
    { log: () => undefined },
  )
  cleanups.push(() => relay.close())
  return relay
}

async function dohStub(options: Parameters<typeof startDohStub>[0]): Promise<DohStub> {
  const stub = await startDohStub(options)
  cleanups.push(() => stub.close())
  return stub
}

async function legacyStub(token: string): Promise<LegacyStub> {
  const stub = await startLegacyStub({ token })
  cleanups.push(() => stub.close())
  return stub
}

/** The options page's stored settings (IndexedDB), as the worker reads them. */
async function storedSettings(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => {
    const req = indexedDB.open('dispatch')
    const db: IDBDatabase = await new Promise((res, rej) => {
      req.onsuccess = () => res(req.result)
      req.onerror = () => rej(req.error)
    })
    const rows: { key: string; value: unknown }[] = await new Promise((res) => {
      const all = db.transaction('settings').objectStore('settings').getAll()
      all.onsuccess = () => res(all.result as { key: string; value: unknown }[])
    })
    db.close()
    return Object.fromEntries(rows.filter((r) => !r.key.startsWith('_')).map((r) => [r.key, r.value]))
  })
}

async function outboxRow(page: Page, id: string): Promise<Record<string, unknown> | undefined> {
  return page.evaluate(async (id) => {
    const req = indexedDB.open('dispatch')
    const db: IDBDatabase = await new Promise((res, rej) => {
      req.onsuccess = () => res(req.result)
      req.onerror = () => rej(req.error)
    })
    const row = await new Promise<Record<string, unknown> | undefined>((res) => {
      const get = db.transaction('outbox').objectStore('outbox').get(id)
      get.onsuccess = () => res(get.result as Record<string, unknown> | undefined)
    })
    db.close()
    return row
  }, id)
}

async function sendFromPage(page: Page, to: string, subject: string, scheduledAt?: number): Promise<string> {
  const requestId = crypto.randomUUID()
  const reply = await askWorker<{ ok: boolean; data: { id: string; state: string }; error?: unknown }>(page, {
    type: 'outbox.sendFromPage',
    requestId,
    message: { to: [to], cc: [], bcc: [], subject, html: `<p>${subject}</p>`, text: subject },
    ...(scheduledAt ? { scheduledAt } : {}),
  })
  expect(reply.ok, JSON.stringify(reply.error)).toBe(true)
  expect(reply.data.id).toBe(requestId)
  return requestId
}

function header(raw: Buffer, name: string): string | undefined {
  const head = raw
    .toString('utf8')
    .split('\r\n\r\n')[0]!
    .replace(/\r\n[ \t]+/g, ' ')
  return head
    .split('\r\n')
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    ?.slice(name.length + 1)
    .trim()
}

async function waitForMessage(server: TestSmtpServer, id: string, timeoutMs = 20_000): Promise<ReceivedMessage> {
  await expect
    .poll(() => server.received.filter((m) => header(m.raw, 'X-Dispatch-Id') === id).length, { timeout: timeoutMs })
    .toBe(1)
  return server.received.find((m) => header(m.raw, 'X-Dispatch-Id') === id)!
}

async function openEmailSettings(page: Page, extensionId: string) {
  await page.goto(`chrome-extension://${extensionId}/src/options/index.html#email`)
  await expect(page.locator('[data-dispatch=email-settings]')).toBeVisible()
}

async function openLogin(page: Page) {
  await page.locator('[data-dispatch=smtp-settings] details').evaluate((d) => ((d as HTMLDetailsElement).open = true))
}

async function fillRelay(page: Page, relayUrl: string, login?: { username: string; password: string }) {
  await page.locator('[data-channel=smtp] input[type=radio]').check()
  const card = page.locator('[data-dispatch=smtp-settings]')
  await card.locator('[data-dispatch=relay-url]').fill(relayUrl)
  await card.locator('[data-dispatch=relay-token]').fill(TOKEN)
  await card.locator('[data-dispatch=relay-from]').fill(`Rep One <${REP}>`)
  if (login) {
    await openLogin(page)
    await card.locator('[data-dispatch=smtp-username]').fill(login.username)
    await card.locator('[data-dispatch=smtp-password]').fill(login.password)
  }
  return card
}

test('Custom SMTP: Authenticate and Save, a page send arrives DKIM-signed with our X-Dispatch-Id, the advisor reads the DNS, and a Gmail compose still sends through the Gmail API', async ({
  context,
  emulator,
  extensionId,
  extPage,
}) => {
  const server = await smtpServer({ 'team@dispatch.test': 'correct horse' })
  const relay = await relayFor(
    server,
    { username: 'team@dispatch.test', password: 'correct horse' },
    { rateCap: '5/s' },
  )
  await openEmailSettings(extPage, extensionId)

  // What the page says before anything is chosen.
  await expect(extPage.locator('[data-dispatch=plugin-rule]')).toContainText('Gmail or Outlook compose')
  await expect(extPage.locator('[data-connection=onprem]')).toContainText('Microsoft Graph')
  await expect(extPage.locator('[data-channel=marketo] input')).toBeDisabled()
  await expect(extPage.locator('[data-dispatch=marketo-reason]')).toContainText('cannot be integrated')
  await expect(extPage.locator('[data-channel=legacy]')).toHaveCount(0)
  await expect(extPage.locator('[data-channel=gmail]')).toContainText('Recommended')

  const card = await fillRelay(extPage, relay.url)
  await card.locator('[data-dispatch=relay-authenticate]').click()
  const status = card.locator('[data-dispatch=relay-status]')
  await expect(status).toHaveAttribute('data-verified', 'true')
  await expect(status).toContainText('dispatch1')
  await expect(card.locator('[data-dispatch=relay-cap]')).toContainText('5 messages every 1 seconds')
  const saved = await storedSettings(extPage)
  expect(saved).toMatchObject({
    repChannel: 'smtp',
    relayUrl: relay.url,
    relayToken: TOKEN,
    relayFrom: `Rep One <${REP}>`,
    relayVerified: {
      url: relay.url,
      username: 'team@dispatch.test',
      dkim: { domain: DOMAIN, selector: 'dispatch1' },
      rateCap: { messages: 5, perSeconds: 1 },
    },
  })

  // "Send test email" goes to the rep's own address through the relay.
  await card.locator('[data-dispatch=relay-test]').click()
  await expect(card.locator('[data-dispatch=relay-test-state]')).toHaveAttribute('data-state', 'sent', {
    timeout: 20_000,
  })
  expect(server.received.map((m) => m.to)).toEqual([[REP]])

  // A send from Dispatch's pages with no channel named takes the rep's channel: Custom SMTP.
  emulator.clearLog()
  const id = await sendFromPage(extPage, 'Prospect <prospect@example.org>', 'Quick question about pricing')
  const received = await waitForMessage(server, id)
  expect(received.user).toBe('team@dispatch.test')
  expect(received.secure).toBe(true)
  expect(received.to).toEqual(['prospect@example.org'])
  expect(header(received.raw, 'From')).toBe(`Rep One <${REP}>`)
  const verdict = await dkimVerify(received.raw, {
    resolver: stubResolver({ [`dispatch1._domainkey.${DOMAIN}`]: dkim.dnsRecord }),
  })
  expect(verdict.results[0]).toMatchObject({ signingDomain: DOMAIN, selector: 'dispatch1', status: { result: 'pass' } })
  expect(header(received.raw, 'DKIM-Signature')).toMatch(/h=[^;]*x-dispatch-id/i)
  await expect.poll(async () => (await outboxRow(extPage, id))?.state).toBe('sent')
  expect(await outboxRow(extPage, id)).toMatchObject({
    channel: 'smtp',
    mailboxId: 'smtp:relay',
    messageId: header(received.raw, 'Message-ID'),
  })
  expect(emulator.log().filter((e) => e.area === 'gmail' || e.area === 'graph')).toEqual([])

  // The channel advisor, against a local DNS-over-HTTPS resolver that publishes the relay's key
  // and a Google-only SPF record, and no DMARC.
  const doh = await dohStub({
    style: 'cloudflare',
    txt: {
      [DOMAIN]: ['v=spf1 include:_spf.google.com ~all'],
      [`dispatch1._domainkey.${DOMAIN}`]: [dkim.dnsRecord],
    },
  })
  const admin = extPage.locator('[data-dispatch=admin-settings]')
  await admin.locator('[data-dispatch=admin-doh]').fill(doh.url)
  await admin.locator('[data-dispatch=admin-save]').click()
  await expect(admin.locator('[data-dispatch=admin-saved]')).toBeVisible()
  const advisor = extPage.locator('[data-dispatch=advisor]')
  await advisor.locator('[data-dispatch=advisor-domain]').fill(REP)
  await expect(advisor.locator('[data-dispatch=advisor-channel]')).toHaveValue('smtp')
  await advisor.locator('[data-dispatch=advisor-spf-include]').fill('sendgrid.net')
  await advisor.locator('[data-dispatch=advisor-check]').click()
  const findings = advisor.locator('[data-dispatch=advisor-findings] li')
  await expect(advisor.locator('[data-dispatch=advisor-report]')).toHaveAttribute('data-domain', DOMAIN)
  expect(await findings.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-code')))).toEqual([
    'spf_include_missing',
    'dmarc_missing',
    'dkim_ok',
  ])
  await expect(advisor.locator('[data-code=spf_include_missing]')).toContainText('include:sendgrid.net')
  await expect(advisor.locator('[data-code=dmarc_missing]')).toContainText(`_dmarc.${DOMAIN}`)
  expect(doh.queries.map((q) => q.name).sort()).toEqual(
    [DOMAIN, `_dmarc.${DOMAIN}`, `dispatch1._domainkey.${DOMAIN}`].sort(),
  )
  expect(doh.queries.every((q) => q.type === 'TXT' && q.accept === 'application/dns-json')).toBe(true)

  // A Gmail compose in the same profile keeps the plugin rule: the Gmail API, not the relay.
  emulator.addAccount({ provider: 'google', address: GMAIL_REP, displayName: 'Ana Silva' })
  const template = await askWorker<{ ok: boolean }>(extPage, {
    type: 'templates.save',
    template: { name: 'Pricing follow-up', subject: 'Pricing', body: '<p>Hi, here is the pricing.</p>' },
  })
  expect(template.ok).toBe(true)
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html' })
  const gmailTab = await context.newPage()
  await gmailTab.goto('https://mail.google.com/mail/u/0/#inbox')
  const sidebar = gmailTab.locator('[data-dispatch=sidebar]').first()
  await signInThrough(context, () => sidebar.locator('[data-dispatch=connect]').click(), GMAIL_REP)
  await expect(sidebar.locator('[data-dispatch=mailbox]')).toContainText(GMAIL_REP)
  await sidebar.locator('[data-dispatch=template]').selectOption({ label: 'Pricing follow-up' })
  await sidebar.locator('[data-dispatch=insert-template]').click()
  const relayedBefore = server.received.length
  emulator.clearLog()
  await sidebar.locator('[data-dispatch=send]').click()
  await expect(gmailTab.locator('[data-dispatch=toast] [data-dispatch=state]')).toHaveAttribute('data-state', 'sent', {
    timeout: 20_000,
  })
  const viaGmail = await emulator.waitFor(() => emulator.mailbox(GMAIL_REP).sent.find((m) => !m.isDraft))
  expect(viaGmail.headers['x-dispatch-id']).toMatch(/^[0-9a-f-]{36}$/)
  expect(await outboxRow(extPage, viaGmail.headers['x-dispatch-id']!).then((r) => [r?.channel, r?.mailboxId])).toEqual([
    'gmail',
    `gmail:${GMAIL_REP}`,
  ])
  expect(emulator.log().some((e) => e.area === 'gmail')).toBe(true)
  expect(server.received.length).toBe(relayedBefore)
})

test('A wrong SMTP password shows "Authentication unsuccessful" and loses nothing: settings stay, queued sends wait and then go out once', async ({
  extensionId,
  extPage,
}) => {
  const server = await smtpServer({ [REP]: 'rep-secret' })
  // The relay has no login of its own: each rep brings theirs.
  const relay = await relayFor(server, null, { allowRepCredentials: true })

  // The rep picked Custom SMTP before setting it up; a send queued now has to wait.
  const set = await askWorker<{ ok: boolean }>(extPage, { type: 'settings.set', patch: { repChannel: 'smtp' } })
  expect(set.ok).toBe(true)
  const early = await sendFromPage(extPage, 'prospect@example.org', 'Queued before setup')
  await expect
    .poll(async () => ((await outboxRow(extPage, early))?.error as { code?: string })?.code)
    .toBe('channel_not_configured')
  expect((await outboxRow(extPage, early))?.state).toBe('queued')

  await openEmailSettings(extPage, extensionId)
  await expect(extPage.locator('[data-channel=smtp] input')).toBeChecked()
  const before = await storedSettings(extPage)
  const card = await fillRelay(extPage, relay.url, { username: REP, password: 'typo' })
  await card.locator('[data-dispatch=relay-authenticate]').click()
  await expect(card.locator('[data-dispatch=smtp-error]')).toHaveText('Authentication unsuccessful.')
  await expect(card.locator('[data-dispatch=relay-status]')).toHaveAttribute('data-verified', 'false')
  expect(await storedSettings(extPage)).toEqual(before)
  expect((await outboxRow(extPage, early))?.state).toBe('queued')
  expect(server.received).toHaveLength(0)

  // The right password: stored by the relay, and the waiting message goes out at once.
  await card.locator('[data-dispatch=smtp-password]').fill('rep-secret')
  await card.locator('[data-dispatch=relay-authenticate]').click()
  await expect(card.locator('[data-dispatch=relay-status]')).toHaveAttribute('data-verified', 'true')
  await expect(card.locator('[data-dispatch=relay-status]')).toContainText(REP)
  const first = await waitForMessage(server, early)
  expect(first.user).toBe(REP)
  await expect.poll(async () => (await outboxRow(extPage, early))?.state).toBe('sent')
  const good = await storedSettings(extPage)
  expect(JSON.stringify(good)).not.toContain('rep-secret')

  // A later typo changes nothing: not the stored settings, not the relay's working login, and a
  // message queued meanwhile is sent once with the login that works.
  const later = await sendFromPage(extPage, 'prospect@example.org', 'Scheduled follow-up', Date.now() + 4000)
  await openLogin(extPage)
  await card.locator('[data-dispatch=smtp-password]').fill('another typo')
  await card.locator('[data-dispatch=relay-authenticate]').click()
  await expect(card.locator('[data-dispatch=smtp-error]')).toHaveText('Authentication unsuccessful.')
  expect(await storedSettings(extPage)).toEqual(good)
  expect((await outboxRow(extPage, later))?.state).toBe('queued')
  const second = await waitForMessage(server, later)
  expect(second.user).toBe(REP)
  await expect.poll(async () => (await outboxRow(extPage, later))?.state).toBe('sent')
  expect(server.received).toHaveLength(2)
})

test('Legacy servers: offered only to a legacy account, with the deliverability warning; sends go to the configured endpoint; the advisor says what legacy mail lacks', async ({
  extensionId,
  extPage,
}) => {
  const legacy = await legacyStub('legacy-token-42')
  const doh = await dohStub({
    txt: {
      'acme.example': ['v=spf1 include:_spf.google.com -all'],
      '_dmarc.acme.example': ['v=DMARC1; p=reject'],
      'google._domainkey.acme.example': [dkim.dnsRecord],
    },
  })
  await openEmailSettings(extPage, extensionId)
  await expect(extPage.locator('[data-channel=legacy]')).toHaveCount(0)
  // Not a legacy account: the worker refuses the channel whatever a page asks.
  const refused = await askWorker<{ ok: boolean; error: { code: string } }>(extPage, {
    type: 'outbox.sendFromPage',
    requestId: crypto.randomUUID(),
    channel: 'legacy',
    message: { to: ['p@example.org'], cc: [], bcc: [], subject: 'x', html: '', text: 'x' },
  })
  expect(refused).toMatchObject({ ok: false, error: { code: 'channel_unavailable' } })

  // The admin flags the account (this page is the fallback when no policy does).
  const admin = extPage.locator('[data-dispatch=admin-settings]')
  await admin.locator('[data-dispatch=admin-legacy-account]').check()
  await admin.locator('[data-dispatch=admin-doh]').fill(doh.url)
  await admin.locator('[data-dispatch=admin-save]').click()
  await expect(admin.locator('[data-dispatch=admin-saved]')).toBeVisible()

  const option = extPage.locator('[data-channel=legacy]')
  await expect(option.locator('[data-dispatch=legacy-warning]')).toContainText('deliverability is lower')
  await option.locator('input[type=radio]').check()
  const card = extPage.locator('[data-dispatch=legacy-settings]')
  await expect(card.locator('[data-dispatch=legacy-deliverability]')).toContainText('without DKIM')
  await card.locator('[data-dispatch=legacy-endpoint]').fill(legacy.url)
  await card.locator('[data-dispatch=legacy-token]').fill('legacy-token-42')
  await card.locator('[data-dispatch=legacy-from]').fill('ana@acme.example')
  await card.locator('[data-dispatch=legacy-save]').click()
  await expect(card.locator('[data-dispatch=legacy-saved]')).toBeVisible()

  const id = await sendFromPage(extPage, 'prospect@example.org', 'Legacy hello')
  await expect.poll(() => legacy.sent.length, { timeout: 20_000 }).toBe(1)
  expect(legacy.sent[0]).toMatchObject({
    id,
    from: { address: 'ana@acme.example' },
    to: ['prospect@example.org'],
    subject: 'Legacy hello',
    headers: { 'X-Dispatch-Id': id },
  })
  expect(legacy.requests[0]).toMatchObject({ authorization: 'Bearer legacy-token-42', dispatchIdHeader: id })
  await expect.poll(async () => (await outboxRow(extPage, id))?.state).toBe('sent')
  expect(await outboxRow(extPage, id)).toMatchObject({ channel: 'legacy', mailboxId: 'legacy:servers' })

  // The advisor for legacy mail: no SPF or DKIM for it, and p=reject will bounce it.
  const advisor = extPage.locator('[data-dispatch=advisor]')
  await advisor.locator('[data-dispatch=advisor-channel]').selectOption('legacy')
  await advisor.locator('[data-dispatch=advisor-domain]').fill('acme.example')
  await advisor.locator('[data-dispatch=advisor-check]').click()
  await expect(advisor.locator('[data-code=dmarc_legacy_enforced]')).toHaveAttribute('data-status', 'error')
  await expect(advisor.locator('[data-code=spf_legacy]')).toBeVisible()
  await expect(advisor.locator('[data-code=dkim_legacy]')).toBeVisible()
  // The same domain for Gmail is in order.
  await advisor.locator('[data-dispatch=advisor-channel]').selectOption('gmail')
  await advisor.locator('[data-dispatch=advisor-check]').click()
  await expect(advisor.locator('[data-dispatch=advisor-report]')).toHaveAttribute('data-channel', 'gmail')
  await expect(advisor.locator('[data-dispatch=advisor-findings] li[data-status=ok]')).toHaveCount(3)
})
