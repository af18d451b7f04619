import { expect, routeHosts, signInThrough, test } from './harness.ts'

/**
 * The Sending tab: each mailbox's limits, the Email Connection Throttling card (the options-page
 * fallback for the admin policy) taking effect on the next compose, and the optional take-over of
 * the host's own Send button.
 */

const REP = 'ana.silva@acme-sales.example'

test('the throttling card slows the mailbox down and the host Send button can send with Dispatch', async ({
  context,
  emulator,
  extPage,
}) => {
  emulator.addAccount({ provider: 'google', address: REP })
  const base = extPage.url().replace(/#.*$/, '')
  await extPage.goto(`${base}#connections`)
  await signInThrough(context, () => extPage.locator('[data-dispatch=connect-gmail]').click(), REP)
  await expect(extPage.locator(`[data-account="${REP}"]`)).toHaveAttribute('data-status', 'connected')

  await extPage.goto(`${base}#sending`)
  const limits = extPage.locator(`[data-dispatch=mailbox-limits][data-account="${REP}"]`)
  await expect(limits).toContainText('At most 2 messages per second')
  await expect(limits).toContainText('At most 2000 messages in any 24 hours')
  const card = extPage.locator('[data-dispatch=throttle-card]')
  await card.locator('[data-dispatch=throttle-enabled]').check()
  await card.getByLabel('Emails per batch').fill('1')
  await card.getByLabel('Wait before each batch (seconds)').fill('60')
  await card.getByRole('button', { name: 'Save' }).click()
  await expect(extPage.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible()
  await expect(limits).toContainText('Administrator: at most 1 emails every 60 seconds')
  // Saved at once; the box shows the stored value.
  await extPage.locator('[data-dispatch=intercept-native-send]').click()
  await expect(extPage.locator('[data-dispatch=intercept-native-send]')).toBeChecked()

  await routeHosts(context, { gmail: 'gmail-2026-11-compose-two-popups.html' })
  const page = await context.newPage()
  await page.goto('https://mail.google.com/mail/u/0/#inbox')
  await expect(page.locator('[data-dispatch=sidebar]')).toHaveCount(2)
  await expect(page.locator('[data-dispatch=sidebar] [data-dispatch=mailbox]').first()).toContainText(REP)

  // Gmail's own Send button of the compose that has recipients: Dispatch sends it instead.
  const dialog = page.locator('[role=dialog]:has(form):has(input[name=subjectbox][value="Demo follow-up"])')
  await dialog.locator('[role=button].aoO').click()
  await expect(page.locator('[data-dispatch=toast] [data-dispatch=state]').first()).toHaveAttribute(
    'data-state',
    'sent',
    { timeout: 20_000 },
  )
  expect(
    await page.evaluate(() => (window as unknown as { __fixtureNativeSends?: number }).__fixtureNativeSends ?? 0),
  ).toBe(0)
  expect(emulator.mailbox(REP).sent.map((m) => m.subject)).toEqual(['Demo follow-up'])

  // The other compose now waits for the next batch: the sidebar says when, and so does the toast.
  const other = page.locator('[data-dispatch=sidebar]').first()
  const form = page.locator('[role=dialog]:has(form)').first()
  await form.locator('input[peoplekit-id]').first().fill('jonas.weber@northwind.example')
  await form.locator('input[name=subjectbox]').fill('PO 4471')
  await expect(other.locator('[data-dispatch=eta]')).toContainText('Will be queued', { timeout: 10_000 })
  await other.locator('[data-dispatch=send]').click()
  const queued = page.locator('[data-dispatch=toast] [data-dispatch=state][data-state=queued]')
  await expect(queued).toContainText('Queued — goes out at')
  expect(emulator.mailbox(REP).sent).toHaveLength(1)
})
