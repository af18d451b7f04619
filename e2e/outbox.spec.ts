import type { BrowserContext, Page } from '@playwright/test'
import { askWorker, expect, signInThrough, test } from './harness.ts'

/**
 * The outbox as a rep meets it in the toolbar popup: a send the provider refuses lands in Failed
 * with the provider's reason and goes out once after Resend; a scheduled send waits in the Queue
 * with its time and can be cancelled.
 */

const REP = 'ana.silva@acme-sales.example'

async function connectGmail(context: BrowserContext, extPage: Page) {
  await extPage.goto(extPage.url().replace(/#.*$/, '') + '#connections')
  await signInThrough(context, () => extPage.locator('[data-dispatch=connect-gmail]').click(), REP)
  await expect(extPage.locator(`[data-account="${REP}"]`)).toHaveAttribute('data-status', 'connected')
}

function message(subject: string) {
  return { to: ['maya.chen@northwind.example'], cc: [], bcc: [], subject, html: `<p>${subject}</p>`, text: subject }
}

test('a refused send is listed under Failed with the reason, and Resend sends it once', async ({
  context,
  emulator,
  extPage,
  extensionId,
}) => {
  emulator.addAccount({ provider: 'google', address: REP })
  await connectGmail(context, extPage)
  emulator.failNext('400-permanent', 1, { paths: /\/messages\/send$/ })
  const queued = await askWorker<{ ok: boolean; data: { id: string } }>(extPage, {
    type: 'outbox.sendFromPage',
    requestId: crypto.randomUUID(),
    channel: 'gmail',
    message: message('Pricing follow-up'),
  })
  expect(queued.ok).toBe(true)

  const popup = await context.newPage()
  await popup.goto(`chrome-extension://${extensionId}/src/popup/index.html`)
  await popup.getByRole('tab', { name: /Failed/ }).click()
  const item = popup.locator(`[data-dispatch=failed] [data-outbox-id="${queued.data.id}"]`)
  await expect(item.locator('[data-dispatch=failed-error]')).toContainText('Mail service not enabled')
  expect(emulator.mailbox(REP).sent).toEqual([])

  await item.locator('[data-dispatch=resend]').click()
  await expect(popup.locator('[data-dispatch=failed-empty]')).toBeVisible({ timeout: 20_000 })
  await popup.getByRole('tab', { name: 'Activity' }).click()
  await expect(popup.locator('[data-feed-kind=sent]')).toHaveCount(1)
  await expect(popup.locator('[data-feed-kind=failed]')).toHaveCount(1)
  expect(emulator.mailbox(REP).sent.map((m) => m.subject)).toEqual(['Pricing follow-up'])
})

test('a scheduled send waits in the queue with its time and can be cancelled', async ({
  context,
  emulator,
  extPage,
  extensionId,
}) => {
  emulator.addAccount({ provider: 'google', address: REP })
  await connectGmail(context, extPage)
  const at = Date.now() + 3600_000
  const queued = await askWorker<{ ok: boolean; data: { id: string; state: string; eta: number } }>(extPage, {
    type: 'outbox.sendFromPage',
    requestId: crypto.randomUUID(),
    channel: 'gmail',
    scheduledAt: at,
    message: message('Tomorrow'),
  })
  expect(queued).toMatchObject({ ok: true, data: { state: 'queued', eta: at } })

  const popup = await context.newPage()
  await popup.goto(`chrome-extension://${extensionId}/src/popup/index.html`)
  await popup.getByRole('tab', { name: /Queue/ }).click()
  await expect(popup.getByText('Queued sends go out only while your browser is running.')).toBeVisible()
  const row = popup.locator(`[data-dispatch=queue] [data-outbox-id="${queued.data.id}"]`)
  await expect(row).toContainText('Tomorrow')
  await expect(row).toContainText('Goes out at')
  await row.locator('[data-dispatch=cancel]').click()
  await expect(popup.locator('[data-dispatch=queue-empty]')).toBeVisible()
  expect(emulator.mailbox(REP).sent).toEqual([])
})
