import type { Page } from '@playwright/test'
import PostalMime from 'postal-mime'
import { expect, routeHosts, signInThrough, test } from './harness.ts'

/**
 * Replies started in the host thread go out in that thread: Gmail with `threadId` and
 * In-Reply-To/References naming the replied message; Outlook through createReply in the
 * conversation. Also: two composes open at once send independently, and a Gmail tab signed in to
 * another account than the connected one is warned and cannot send through it.
 */

const GMAIL_REP = 'ana.silva@acme-sales.example'
const OUTLOOK_REP = 'ana.silva@contoso.example'

function incoming(to: string, messageId: string) {
  return [
    'From: Maya Chen <maya.chen@northwind.example>',
    `To: Ana Silva <${to}>`,
    'Subject: Q3 pricing for Northwind',
    `Message-ID: ${messageId}`,
    'Date: Tue, 03 Nov 2026 08:05:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Yes please, and copy Jonas from procurement.',
    '',
  ].join('\r\n')
}

async function connect(page: Page, address: string) {
  const sidebar = page.locator('[data-dispatch=sidebar]').first()
  await signInThrough(page.context(), () => sidebar.locator('[data-dispatch=connect]').click(), address)
  await expect(sidebar.locator('[data-dispatch=mailbox]')).toContainText(address)
  return sidebar
}

test('a Gmail inline reply goes out in the thread with threading headers', async ({ context, emulator }) => {
  emulator.addAccount({ provider: 'google', address: GMAIL_REP, displayName: 'Ana Silva' })
  const original = emulator.deliver(GMAIL_REP, incoming(GMAIL_REP, '<q3-pricing.1@northwind.example>'))
  await routeHosts(context, { gmail: 'gmail-2026-11-thread.html' })
  const page = await context.newPage()
  await page.goto('https://mail.google.com/mail/u/0/#inbox/FMfcgzQX')
  // The snapshot's ids stand for this thread in the emulator's mailbox.
  await page.evaluate(
    ({ threadId, id }) => {
      document.querySelector('[data-legacy-thread-id]')?.setAttribute('data-legacy-thread-id', threadId)
      const messages = document.querySelectorAll('[data-legacy-message-id]')
      messages[messages.length - 1]?.setAttribute('data-legacy-message-id', id)
    },
    { threadId: original.threadId, id: original.id },
  )
  await page.locator('.ip .ams.bkH').first().click()
  await expect(page.locator('[data-dispatch=sidebar]')).toHaveCount(1)
  const sidebar = await connect(page, GMAIL_REP)
  const to = page.locator('.M9 input[peoplekit-id]').first()
  await to.fill('maya.chen@northwind.example')
  await page
    .locator('.M9 [g_editable=true]')
    .first()
    .evaluate((body) => {
      body.textContent = 'Here is the pricing for 40 seats.'
      body.dispatchEvent(new InputEvent('input', { bubbles: true }))
    })
  await sidebar.locator('[data-dispatch=send]').click()
  await expect(page.locator('[data-dispatch=toast] [data-dispatch=state]')).toHaveAttribute('data-state', 'sent', {
    timeout: 20_000,
  })

  const sent = emulator.mailbox(GMAIL_REP).sent[0]!
  expect(sent.threadId).toBe(original.threadId)
  const parsed = await PostalMime.parse(sent.rawBytes)
  expect(parsed.inReplyTo).toBe('<q3-pricing.1@northwind.example>')
  expect(parsed.references).toContain('<q3-pricing.1@northwind.example>')
  expect(parsed.subject).toMatch(/^Re: Q3 pricing for Northwind$/)
})

test('an Outlook reply in a conversation goes out through createReply in that conversation', async ({
  context,
  emulator,
}) => {
  emulator.addAccount({ provider: 'microsoft', address: OUTLOOK_REP, displayName: 'Ana Silva' })
  const original = emulator.deliver(OUTLOOK_REP, incoming(OUTLOOK_REP, '<q3-pricing.2@northwind.example>'))
  await routeHosts(context, { outlook: 'outlook-2026-11-conversation-reply.html' })
  const page = await context.newPage()
  await page.goto('https://outlook.office.com/mail/inbox/id/AAQk')
  await page.evaluate((conversationId) => {
    for (const el of document.querySelectorAll('[data-convid]')) {
      if (el.closest('#ReadingPaneContainerId')) el.setAttribute('data-convid', conversationId)
    }
  }, original.threadId)
  const sidebar = await connect(page, OUTLOOK_REP)
  emulator.clearLog()
  await sidebar.locator('[data-dispatch=send]').click()
  await expect(page.locator('[data-dispatch=toast] [data-dispatch=state]')).toHaveAttribute('data-state', 'sent', {
    timeout: 20_000,
  })
  expect(emulator.log({ area: 'graph' }).some((e) => /\/createReply$/.test(e.path))).toBe(true)
  const sent = emulator.mailbox(OUTLOOK_REP).sent.find((m) => !m.isDraft)!
  expect(sent.threadId).toBe(original.threadId)
  expect(sent.subject).toMatch(/^RE: Q3 pricing for Northwind$/i)
  const parsed = await PostalMime.parse(sent.rawBytes)
  expect(parsed.inReplyTo).toBe('<q3-pricing.2@northwind.example>')
})

test('two Gmail composes open at once send independently, each with its own sidebar', async ({ context, emulator }) => {
  emulator.addAccount({ provider: 'google', address: GMAIL_REP })
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-two-popups.html' })
  const page = await context.newPage()
  await page.goto('https://mail.google.com/mail/u/0/#inbox')
  await expect(page.locator('[data-dispatch=sidebar]')).toHaveCount(2)
  await connect(page, GMAIL_REP)
  const second = page.locator('[data-dispatch=sidebar]').nth(1)
  await expect(second.locator('[data-dispatch=mailbox]')).toContainText(GMAIL_REP, { timeout: 35_000 })
  await second.locator('[data-dispatch=send]').click()
  await expect(page.locator('[data-dispatch=sidebar]')).toHaveCount(1)
  await expect(page.locator('[data-dispatch=toast] [data-dispatch=state]')).toHaveAttribute('data-state', 'sent', {
    timeout: 20_000,
  })
  // The other compose is still empty: Dispatch refuses it with a translated reason and keeps it open.
  const last = page.locator('[data-dispatch=sidebar] [data-dispatch=send]')
  await last.click()
  await expect(last).toHaveText('Send without subject')
  await last.click()
  await expect(page.locator('[data-dispatch=sidebar] [data-dispatch=error]')).toHaveAttribute(
    'data-code',
    'no_recipients',
  )
  await expect(page.locator('[data-dispatch=sidebar]')).toHaveCount(1)
  // Once it has a recipient and a subject it goes out too.
  const dialog = page.locator('[role=dialog]:has(form)').first()
  await dialog.locator('input[peoplekit-id]').first().fill('jonas.weber@northwind.example')
  await dialog.locator('input[name=subjectbox]').fill('PO 4471')
  await last.click()
  await expect(page.locator('[data-dispatch=sidebar]')).toHaveCount(0)
  await expect(page.locator('[data-dispatch=toast] [data-dispatch=state][data-state=sent]')).toHaveCount(2, {
    timeout: 20_000,
  })
  const subjects = emulator.mailbox(GMAIL_REP).sent.map((m) => m.subject)
  expect(new Set(subjects).size).toBe(2)
})

test('a Gmail tab signed in to another account is warned and cannot send through the connected mailbox', async ({
  context,
  emulator,
}) => {
  emulator.addAccount({ provider: 'google', address: GMAIL_REP })
  emulator.addAccount({ provider: 'google', address: 'bruno.costa@acme-sales.example' })
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html' })
  const first = await context.newPage()
  await first.goto('https://mail.google.com/mail/u/0/#inbox')
  await connect(first, GMAIL_REP)

  // Same browser, second Gmail account (/mail/u/1/), which Dispatch is not connected to.
  await context.unroute('https://mail.google.com/**')
  await routeHosts(context, { gmail: 'gmail-2026-11-multi-account.html' })
  const other = await context.newPage()
  await other.goto('https://mail.google.com/mail/u/1/#inbox')
  const sidebar = other.locator('[data-dispatch=sidebar]').first()
  await expect(sidebar.locator('[data-dispatch=mismatch]')).toContainText('bruno.costa@acme-sales.example')
  await expect(sidebar.locator('[data-dispatch=send]')).toBeDisabled()
  expect(emulator.mailbox(GMAIL_REP).sent).toEqual([])
})
