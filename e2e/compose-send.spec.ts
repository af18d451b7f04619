import type { Page } from '@playwright/test'
import PostalMime from 'postal-mime'
import { askWorker, expect, routeHosts, signInThrough, test } from './harness.ts'

/**
 * The compose flow as a rep meets it: connect the mailbox from the sidebar, pick a template, Send
 * with Dispatch — and the message reaches the emulator through the host's own channel only.
 */

const GMAIL_REP = 'ana.silva@acme-sales.example'
const OUTLOOK_REP = 'ana.silva@contoso.example'

async function saveTemplate(extPage: Page) {
  const reply = await askWorker<{ ok: boolean; data: { id: string } }>(extPage, {
    type: 'templates.save',
    template: {
      name: 'Pricing follow-up',
      subject: 'Pricing for {{company}}',
      body: '<p>Hi {{first_name|there}}, here is the pricing.</p>',
    },
  })
  expect(reply.ok).toBe(true)
  return reply.data.id
}

async function connectFromSidebar(page: Page, address: string) {
  const sidebar = page.locator('[data-dispatch=sidebar]').first()
  await signInThrough(page.context(), () => sidebar.locator('[data-dispatch=connect]').click(), address)
  await expect(sidebar.locator('[data-dispatch=mailbox]')).toContainText(address)
  return sidebar
}

const CASES = [
  {
    name: 'Gmail popup compose',
    host: 'gmail' as const,
    fixture: 'gmail-2026-11-compose-popup.html',
    url: 'https://mail.google.com/mail/u/0/#inbox',
    rep: GMAIL_REP,
    provider: 'google' as const,
    body: '[g_editable=true]',
  },
  {
    name: 'Gmail full-screen compose',
    host: 'gmail' as const,
    fixture: 'gmail-2026-11-compose-fullscreen.html',
    url: 'https://mail.google.com/mail/u/0/#inbox?compose=new',
    rep: GMAIL_REP,
    provider: 'google' as const,
    body: '[g_editable=true]',
  },
  {
    name: 'Outlook new message',
    host: 'outlook' as const,
    fixture: 'outlook-2026-11-compose-new.html',
    url: 'https://outlook.office.com/mail/',
    rep: OUTLOOK_REP,
    provider: 'microsoft' as const,
    body: '[id^=editorParent] [contenteditable=true][aria-multiline=true]',
  },
  {
    name: 'Outlook pop-out compose',
    host: 'outlook' as const,
    fixture: 'outlook-2026-11-popout-compose.html',
    url: 'https://outlook.office365.com/mail/deeplink/compose',
    rep: OUTLOOK_REP,
    provider: 'microsoft' as const,
    body: '[id^=editorParent] [contenteditable=true][aria-multiline=true]',
  },
]

for (const c of CASES) {
  test(`${c.name}: connect, insert a template, Send with Dispatch → sent through ${c.host === 'gmail' ? 'the Gmail API' : 'Microsoft Graph'} only`, async ({
    context,
    emulator,
    extPage,
  }) => {
    emulator.addAccount({ provider: c.provider, address: c.rep, displayName: 'Ana Silva' })
    await saveTemplate(extPage)
    await routeHosts(context, c.host === 'gmail' ? { gmail: c.fixture } : { outlook: c.fixture })
    const page = await context.newPage()
    await page.goto(c.url)
    const sidebar = await connectFromSidebar(page, c.rep)

    // Template into the body at the cursor.
    await sidebar.locator('[data-dispatch=template]').selectOption({ label: 'Pricing follow-up' })
    await sidebar.locator('[data-dispatch=insert-template]').click()
    const body = page.locator(c.body).first()
    await expect(body).toContainText('here is the pricing')
    // The template keeps a line of its own; text already in the compose is not glued onto it.
    expect(await body.innerText()).toMatch(/here is the pricing\.(\n|$)/)

    emulator.clearLog()
    await sidebar.locator('[data-dispatch=send]').click()

    // The native compose closes and the toast follows the message to "sent".
    await expect(page.locator('[data-dispatch=sidebar]')).toHaveCount(0)
    const state = page.locator('[data-dispatch=toast] [data-dispatch=state]')
    await expect(state).toHaveAttribute('data-state', /sent|failed/, { timeout: 20_000 })
    expect(await state.textContent()).not.toContain('Not sent')
    await expect(state).toHaveAttribute('data-state', 'sent')

    const sent = await emulator.waitFor(() => emulator.mailbox(c.rep).sent.find((m) => !m.isDraft))
    expect(sent.recipients.length).toBeGreaterThan(0)
    const parsed = await PostalMime.parse(sent.rawBytes)
    expect(parsed.html).toContain('here is the pricing')
    const dispatchId = sent.headers['x-dispatch-id'] ?? ''
    expect(dispatchId).toMatch(/^[0-9a-f-]{36}$/)

    const areas = new Set(
      emulator
        .log()
        .map((e) => e.area)
        .filter((a) => a === 'gmail' || a === 'graph'),
    )
    expect([...areas]).toEqual([c.host === 'gmail' ? 'gmail' : 'graph'])

    // The outbox row agrees with what the provider holds.
    const row = await extPage.evaluate(async (id) => {
      const req = indexedDB.open('dispatch')
      const db: IDBDatabase = await new Promise((res, rej) => {
        req.onsuccess = () => res(req.result)
        req.onerror = () => rej(req.error)
      })
      return new Promise<Record<string, unknown>>((res) => {
        const get = db.transaction('outbox').objectStore('outbox').get(id)
        get.onsuccess = () => res(get.result)
      })
    }, dispatchId)
    expect(row).toMatchObject({ state: 'sent', channel: c.host === 'gmail' ? 'gmail' : 'exchange' })
    expect(row.messageId).toBe(sent.messageId)
  })
}

test('no connection to Gmail: the toast says why the send waits, and it goes out once when the network is back', async ({
  context,
  emulator,
}) => {
  emulator.addAccount({ provider: 'google', address: GMAIL_REP, displayName: 'Ana Silva' })
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html' })
  const page = await context.newPage()
  await page.goto('https://mail.google.com/mail/u/0/#inbox')
  const sidebar = await connectFromSidebar(page, GMAIL_REP)

  // The connection is torn down before the provider sees the request, twice in a row.
  emulator.failNext('reset', 2, { paths: /\/messages\/send$/ })
  await sidebar.locator('[data-dispatch=send]').click()

  const state = page.locator('[data-dispatch=toast] [data-dispatch=state]')
  await expect(state).toHaveAttribute('data-state', 'queued', { timeout: 20_000 })
  await expect(state.locator('[data-dispatch=toast-detail]')).toHaveText(
    'No connection to the mail provider. Dispatch retries on its own.',
  )
  await expect(state).toHaveAttribute('data-state', 'sent', { timeout: 30_000 })
  await expect(state.locator('[data-dispatch=toast-detail]')).toBeHidden()
  expect(
    emulator
      .mailbox(GMAIL_REP)
      .sent.filter((m) => !m.isDraft)
      .map((m) => m.subject),
  ).toEqual(['Q3 pricing — 40 seats'])
})
