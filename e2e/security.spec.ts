import type { BrowserContext, Page } from '@playwright/test'
import { evaluateInContentScript, expect, routeHosts, signInThrough, test } from './harness.ts'

/**
 * What a host page or a forged message cannot make Dispatch do: redirect a compose send to another
 * channel, inject header lines, or lose a message when the mailbox's access is revoked.
 */

const GMAIL_REP = 'ana.silva@acme-sales.example'
const OUTLOOK_REP = 'ana.silva@contoso.example'

async function connect(ctx: BrowserContext, page: Page, address: string) {
  const sidebar = page.locator('[data-dispatch=sidebar]').first()
  await signInThrough(ctx, () => sidebar.locator('[data-dispatch=connect]').click(), address)
  await expect(sidebar.locator('[data-dispatch=mailbox]')).toContainText(address)
}

function forgedSend(extra: Record<string, unknown>, message: Record<string, unknown> = {}) {
  const payload = {
    type: 'compose.send',
    requestId: crypto.randomUUID(),
    composeId: 'forged',
    accountHint: { address: null, accountIndex: null },
    message: {
      to: ['maya.chen@northwind.example'],
      cc: [],
      bcc: [],
      subject: 'Forged',
      html: '<p>x</p>',
      text: 'x',
      ...message,
    },
    ...extra,
  }
  return `chrome.runtime.sendMessage(${JSON.stringify(payload)})`
}

test('a forged compose message cannot redirect a Gmail-tab send to another channel', async ({
  context,
  emulator,
  extensionId,
}) => {
  emulator.addAccount({ provider: 'google', address: GMAIL_REP })
  emulator.addAccount({ provider: 'microsoft', address: OUTLOOK_REP })
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html', outlook: 'outlook-2026-11-compose-new.html' })
  const gmail = await context.newPage()
  await gmail.goto('https://mail.google.com/mail/u/0/#inbox')
  await connect(context, gmail, GMAIL_REP)
  const outlook = await context.newPage()
  await outlook.goto('https://outlook.office.com/mail/')
  await connect(context, outlook, OUTLOOK_REP)
  emulator.clearLog()

  const reply = await evaluateInContentScript<{ ok: boolean; data: { id: string } }>(
    gmail,
    extensionId,
    forgedSend({ channel: 'exchange', host: 'outlook', mailboxId: `exchange:${OUTLOOK_REP}`, origin: 'page' }),
  )
  expect(reply.ok).toBe(true)
  await emulator.waitFor(() => emulator.mailbox(GMAIL_REP).sent.find((m) => m.subject === 'Forged'))
  expect(emulator.mailbox(OUTLOOK_REP).sent.filter((m) => m.subject === 'Forged')).toEqual([])
  expect(emulator.log({ area: 'graph' })).toEqual([])
})

test('a host page cannot reach page-only requests through the content script', async ({
  context,
  emulator,
  extensionId,
}) => {
  emulator.addAccount({ provider: 'google', address: GMAIL_REP })
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html' })
  const gmail = await context.newPage()
  await gmail.goto('https://mail.google.com/mail/u/0/#inbox')
  await expect(gmail.locator('[data-dispatch=sidebar]')).toHaveCount(1)
  for (const forged of [
    { type: 'auth.disconnect', accountId: `gmail:${GMAIL_REP}` },
    { type: 'settings.set', patch: { teamChannel: 'smtp' } },
    {
      type: 'outbox.sendFromPage',
      requestId: crypto.randomUUID(),
      message: { to: ['a@b.co'], cc: [], bcc: [], subject: 's', html: '', text: '' },
    },
  ]) {
    const reply = await evaluateInContentScript<{ ok: boolean; error: { code: string } }>(
      gmail,
      extensionId,
      `chrome.runtime.sendMessage(${JSON.stringify(forged)})`,
    )
    expect(reply, forged.type).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  }
})

test('CR/LF in header fields is refused with a translated error and nothing is sent', async ({
  context,
  emulator,
  extensionId,
}) => {
  emulator.addAccount({ provider: 'google', address: GMAIL_REP })
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html' })
  const gmail = await context.newPage()
  await gmail.goto('https://mail.google.com/mail/u/0/#inbox')
  await connect(context, gmail, GMAIL_REP)
  emulator.clearLog()
  for (const message of [
    { subject: 'Hi\r\nBcc: victim@evil.example' },
    { to: ['maya.chen@northwind.example\r\nBcc: victim@evil.example'] },
    { subject: 'Hi\nX-Injected: 1' },
    { inReplyTo: '<a@b>\r\nBcc: victim@evil.example' },
  ]) {
    const reply = await evaluateInContentScript<{ ok: boolean; error: { code: string; message: string } }>(
      gmail,
      extensionId,
      forgedSend({}, message),
    )
    expect(reply, JSON.stringify(message)).toMatchObject({ ok: false, error: { code: 'header_injection' } })
  }
  // The error the UI shows for that code exists in every language (checked by the locale test); here, in English.
  const text = await evaluateInContentScript<string>(
    gmail,
    extensionId,
    `chrome.i18n.getMessage('error_header_injection', ['subject'])`,
  )
  expect(text).toMatch(/Line breaks or control characters/)
  expect(emulator.log({ area: 'gmail' }).filter((e) => e.path.includes('/send'))).toEqual([])
})

test('a revoked token keeps the send waiting; after reconnecting it goes out once', async ({
  context,
  emulator,
  extPage,
  extensionId,
}) => {
  emulator.addAccount({ provider: 'google', address: GMAIL_REP })
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html' })
  const gmail = await context.newPage()
  await gmail.goto('https://mail.google.com/mail/u/0/#inbox')
  await connect(context, gmail, GMAIL_REP)
  emulator.revoke(GMAIL_REP)

  await gmail.locator('[data-dispatch=sidebar] [data-dispatch=send]').click()
  const state = gmail.locator('[data-dispatch=toast] [data-dispatch=state]')
  await expect(state).toHaveAttribute('data-state', 'queued')
  expect(emulator.mailbox(GMAIL_REP).sent).toEqual([])
  await expect(state.locator('[data-dispatch=toast-detail]')).toHaveText(/Reconnect/, { timeout: 20_000 })

  // Dispatch's pages say what is wrong and keep the message in the queue.
  await extPage.goto(extPage.url().replace(/#.*$/, '') + '#connections')
  const account = extPage.locator(`[data-account="${GMAIL_REP}"]`)
  await expect(account).toHaveAttribute('data-status', /expired|revoked/, { timeout: 20_000 })
  const popup = await context.newPage()
  await popup.goto(`chrome-extension://${extensionId}/src/popup/index.html`)
  const listed = popup.getByRole('list', { name: 'Connected mailboxes' }).locator(`[data-account="${GMAIL_REP}"]`)
  await expect(listed).toHaveAttribute('data-status', /expired|revoked/)
  await expect(listed.getByRole('link', { name: /reconnect/ })).toHaveAttribute('href', /#connections$/)
  await popup.close()
  await extPage.goto(extPage.url().replace(/#.*$/, '') + '#outbox')
  await expect(extPage.locator('[data-dispatch=queue] [data-outbox-id]')).toHaveCount(1)

  // Reconnect: the emulator issues fresh tokens and the waiting send leaves exactly once.
  await extPage.goto(extPage.url().replace(/#.*$/, '') + '#connections')
  await signInThrough(context, () => account.getByRole('button', { name: 'Reconnect' }).click(), GMAIL_REP)
  await expect(account).toHaveAttribute('data-status', 'connected')
  await expect(state).toHaveAttribute('data-state', 'sent', { timeout: 30_000 })
  expect(emulator.mailbox(GMAIL_REP).sent).toHaveLength(1)
})
