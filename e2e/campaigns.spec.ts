import fs from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { askWorker, expect, routeHosts, signInThrough, test, WorkerKiller } from './harness.ts'

/**
 * A three-step campaign end to end, on a simulated clock (the test build's `test.clock`): the rep
 * builds it in the options page and adds three people from the Gmail sidebar. Step 1 goes to all
 * three; one address bounces hard (Remove on Bounce takes them out, their later steps `ended`), one
 * person replies (their campaign ends), the third gets step 2 as a reply in the same thread on day 2
 * and step 3 on day 5. The bounce shows in the popup's live feed and as a notification; template
 * and campaign analytics count sends, the bounce and the reply.
 */

const REP = 'rita.rep@acme-sales.example'
const ANA = 'ana.silva@contoso.example'
const GONE = 'jonas.weber@gone-gmbh.example'
const BO = 'bo.berg@fabrikam.example'
const DAY = 86_400_000

interface Row {
  id: string
  state: string
  stepIndex?: number
  enrolmentId?: string
  templateId?: string
  messageId?: string
  providerThreadId?: string
  error?: { code: string; params?: string[] }
  message: { to: string[]; subject: string; inReplyTo?: string }
}
interface Enrolment {
  id: string
  address: string
  state: string
  endedReason?: string
  nextStep: number
}

async function readStore<T>(page: Page, store: string): Promise<T[]> {
  return page.evaluate(async (name) => {
    const req = indexedDB.open('dispatch')
    const db: IDBDatabase = await new Promise((res, rej) => {
      req.onsuccess = () => res(req.result)
      req.onerror = () => rej(req.error)
    })
    try {
      return await new Promise<unknown[]>((res, rej) => {
        const all = db.transaction(name).objectStore(name).getAll()
        all.onsuccess = () => res(all.result)
        all.onerror = () => rej(all.error)
      })
    } finally {
      db.close()
    }
  }, store) as Promise<T[]>
}

async function saveTemplate(page: Page, name: string, subject: string, body: string): Promise<string> {
  const r = await askWorker<{ ok: boolean; data: { id: string } }>(page, {
    type: 'templates.save',
    template: { name, subject, body },
  })
  expect(r.ok).toBe(true)
  return r.data.id
}

/** Screenshots go to DISPATCH_SCREENSHOTS if set (kept), else the test's output folder; both are attached. */
async function screenshot(page: Page, name: string, fullPage = false) {
  const dir = process.env.DISPATCH_SCREENSHOTS ?? test.info().outputPath('screenshots')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${name}.png`)
  await page.screenshot({ path: file, fullPage })
  await test.info().attach(name, { path: file, contentType: 'image/png' })
}

async function advanceClock(page: Page, ms: number) {
  const r = await askWorker<{ ok: boolean }>(page, { type: 'test.clock', advanceMs: ms })
  expect(r).toMatchObject({ ok: true })
}

test('a three-step campaign: a hard bounce leaves, a reply ends, the rest runs on schedule; feed, notification and analytics count it', async ({
  context,
  emulator,
  extPage,
}) => {
  test.setTimeout(120_000)
  emulator.addAccount({ provider: 'google', address: REP, displayName: 'Rita Rep' })
  emulator.rejectRecipient(GONE, { kind: 'hard' })

  // The rep connects from the Gmail sidebar.
  await routeHosts(context, { gmail: 'gmail-2026-11-compose-popup.html' })
  const gmail = await context.newPage()
  await gmail.goto('https://mail.google.com/mail/u/0/#inbox')
  const sidebar = gmail.locator('[data-dispatch=sidebar]').first()
  await signInThrough(context, () => sidebar.locator('[data-dispatch=connect]').click(), REP)
  await expect(sidebar.locator('[data-dispatch=mailbox]')).toContainText(REP)

  const t1 = await saveTemplate(extPage, 'Intro', 'Pricing for {{company}}', '<p>Hi {{first_name|there}}, pricing.</p>')
  const t2 = await saveTemplate(extPage, 'Nudge', 'Following up', '<p>Any thoughts, {{first_name|there}}?</p>')
  const t3 = await saveTemplate(extPage, 'Last note', 'One last thing', '<p>Closing the loop.</p>')

  // The campaign, built in the options page with the keyboard-reachable editor.
  await extPage.goto(extPage.url().replace(/#.*$/, '') + '#campaigns')
  await expect(extPage.locator('[data-dispatch=campaigns-empty]')).toBeVisible()
  await extPage.locator('[data-dispatch=new-campaign]').click()
  const editor = extPage.locator('[data-dispatch=campaign-editor]')
  await editor.getByLabel('Campaign name').fill('Q4 outreach')
  await editor.locator('[data-step="0"]').getByLabel('Template').selectOption({ label: 'Intro' })
  await editor.locator('[data-dispatch=add-step]').click()
  await editor.locator('[data-step="1"]').getByLabel('Day').fill('2')
  await editor.locator('[data-step="1"]').getByLabel('Template').selectOption({ label: 'Nudge' })
  await editor.locator('[data-step="1"]').getByLabel('Send as').selectOption('reply')
  await editor.locator('[data-dispatch=add-step]').click()
  await editor.locator('[data-step="2"]').getByLabel('Day').fill('5')
  await editor.locator('[data-step="2"]').getByLabel('Template').selectOption({ label: 'Last note' })
  await editor.locator('[data-step="2"]').getByLabel('Send as').selectOption('new')
  // Calendar days, so the simulated days below are exact whatever weekday the test runs on.
  await editor.getByLabel('Skip weekends').uncheck()
  await expect(editor.getByLabel('Remove on Bounce')).toBeChecked()
  await expect(editor.getByLabel('End on reply')).toBeChecked()
  await editor.locator('[data-dispatch=save-campaign]').click()
  await expect(extPage.locator('[data-dispatch=campaigns] li[data-campaign-id]')).toHaveCount(1)
  const campaignId = (await extPage.locator('li[data-campaign-id]').getAttribute('data-campaign-id'))!

  // Three people added from the compose's sidebar.
  await gmail.reload()
  await expect(sidebar.locator('[data-dispatch=campaign] option', { hasText: 'Q4 outreach' })).toHaveCount(1)
  // The fixture's draft already has two To chips: the rep removes them first.
  await gmail
    .locator('div[name="to"] [role=option][data-hovercard-id]')
    .evaluateAll((chips) => chips.forEach((c) => c.remove()))
  const to = gmail.locator('div[name="to"] input[peoplekit-id]').first()
  await to.fill(`Ana Silva <${ANA}>, ${GONE}, Bo Berg <${BO}>`)
  await to.blur()
  await sidebar.locator('[data-dispatch=campaign]').selectOption({ label: 'Q4 outreach' })
  await sidebar.locator('[data-dispatch=enrol]').click()
  await expect(sidebar).toContainText('Added 3 people to the campaign (0 skipped).')

  // Step 1 goes to all three at once, through the Gmail API under the throttle.
  await expect
    .poll(async () => (await readStore<Row>(extPage, 'outbox')).filter((r) => r.state === 'sent').length, {
      timeout: 20_000,
    })
    .toBe(3)
  const sentTo = (addr: string) => emulator.mailbox(REP).sent.filter((m) => !m.isDraft && m.recipients.includes(addr))
  const anaFirst = sentTo(ANA)[0]!
  expect(anaFirst.subject).toBe('Pricing for Contoso')
  const boFirst = sentTo(BO)[0]!

  // Jonas's address bounces (the emulator's NDR), and Ana answers step 1 in its thread.
  await emulator.waitFor(() => emulator.pending() > 0)
  emulator.flush()
  emulator.deliver(
    REP,
    [
      `From: Ana Silva <${ANA}>`,
      `To: Rita Rep <${REP}>`,
      `Subject: Re: ${anaFirst.subject}`,
      `Message-ID: <reply-ana-1@contoso.example>`,
      `In-Reply-To: ${anaFirst.messageId}`,
      `References: ${anaFirst.messageId}`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Thanks Rita, can we talk on Thursday?',
      '',
    ].join('\r\n'),
  )
  const scan = await askWorker<{ ok: boolean; data: { bounces: number; replies: number } }>(extPage, {
    type: 'scan.now',
  })
  expect(scan).toMatchObject({ ok: true, data: { bounces: 1, replies: 1 } })

  const enrolments = async () =>
    Object.fromEntries((await readStore<Enrolment>(extPage, 'enrolments')).map((e) => [e.address, e]))
  await expect.poll(async () => (await enrolments())[GONE]?.state).toBe('ended')
  await expect.poll(async () => (await enrolments())[ANA]?.state).toBe('ended')
  let people = await enrolments()
  expect(people[GONE]).toMatchObject({ endedReason: 'bounce' })
  expect(people[ANA]).toMatchObject({ endedReason: 'reply' })
  expect(people[BO]).toMatchObject({ state: 'active', nextStep: 1 })
  const stepsOf = async (address: string) =>
    (await readStore<Row>(extPage, 'outbox'))
      .filter((r) => r.enrolmentId === people[address]!.id)
      .sort((a, b) => a.stepIndex! - b.stepIndex!)
      .map((r) => [r.stepIndex, r.state, r.error?.params?.[0]])
  expect(await stepsOf(GONE)).toEqual([
    [0, 'sent', undefined],
    [1, 'ended', 'bounce'],
    [2, 'ended', 'bounce'],
  ])
  expect(await stepsOf(ANA)).toEqual([
    [0, 'sent', undefined],
    [1, 'ended', 'reply'],
    [2, 'ended', 'reply'],
  ])

  // The bounce raised a notification that opens it.
  const bounce = (
    await readStore<{ id: string; recipient: string; kind: string; campaignId?: string }>(extPage, 'bounces')
  )[0]!
  expect(bounce).toMatchObject({ recipient: GONE, kind: 'hard', campaignId })
  const notifications = await extPage.evaluate(() => chrome.notifications.getAll())
  expect(Object.keys(notifications)).toContain(`dispatch.bounce:${bounce.id}`)

  // Day 1: nothing is due yet. Day 2: Bo gets step 2 as a reply in step 1's thread.
  await advanceClock(extPage, 1 * DAY)
  await extPage.waitForTimeout(300)
  expect(sentTo(BO)).toHaveLength(1)
  await advanceClock(extPage, 1 * DAY + 60_000)
  await expect.poll(() => sentTo(BO).length, { timeout: 15_000 }).toBe(2)
  const boSecond = sentTo(BO)[1]!
  expect(boSecond.subject).toBe('Re: Pricing for Fabrikam')
  expect(boSecond.headers['in-reply-to']).toBe(boFirst.messageId)
  expect(boSecond.threadId).toBe(boFirst.threadId)

  // Day 5: the last step, a new email; Bo's campaign is complete.
  await advanceClock(extPage, 3 * DAY)
  await expect.poll(() => sentTo(BO).length, { timeout: 15_000 }).toBe(3)
  expect(sentTo(BO)[2]!.subject).toBe('One last thing')
  await expect.poll(async () => (await enrolments())[BO]?.state).toBe('completed')
  // Removed and answered people were sent nothing after step 1.
  expect(sentTo(GONE)).toHaveLength(1)
  expect(sentTo(ANA)).toHaveLength(1)

  // The popup's live feed shows the bounce and the reply, and opens the bounce.
  const popup = await context.newPage()
  await popup.setViewportSize({ width: 400, height: 640 })
  await popup.goto(extPage.url().replace(/src\/options\/index\.html.*$/, 'src/popup/index.html'))
  const bounced = popup.locator('[data-feed-kind=bounced]').filter({ hasText: GONE })
  await expect(bounced).toHaveCount(1)
  await expect(popup.locator('[data-feed-kind=replied]').filter({ hasText: ANA })).toHaveCount(1)
  await expect(popup.locator('[data-feed-kind=ended]')).toHaveCount(2)
  await expect(bounced.locator('a')).toHaveAttribute('href', new RegExp(`#bounce=${encodeURIComponent(bounce.id)}$`))
  await bounced.scrollIntoViewIfNeeded()
  await screenshot(popup, 'campaigns-popup')

  // Analytics: both the template and the campaign count the sends, the bounce and the reply.
  await extPage.goto(extPage.url().replace(/#.*$/, '') + '#analytics')
  await extPage.getByLabel('Date range').selectOption('all')
  const cell = (scope: string, id: string, stat: string) =>
    extPage.locator(`[data-dispatch=analytics-table-${scope}] tr[data-scope-id="${id}"] [data-stat=${stat}]`)
  // Screen readers announce each figure with its column's header.
  await expect(extPage.locator('[data-dispatch=analytics-table-template] thead th[scope=col]')).toHaveText([
    'Name',
    'Sent',
    'Delivered',
    'Hard bounces',
    'Soft bounces',
    'Bounce rate',
    'Replies',
  ])
  await expect(extPage.locator('[data-dispatch=funnel] thead th[scope=col]')).toHaveText([
    'Step',
    'Sent',
    'Reached',
    'Bounced',
    'Replies',
    '',
  ])
  await expect(cell('template', t1, 'sent')).toHaveText('3')
  await expect(cell('template', t1, 'hard')).toHaveText('1')
  await expect(cell('template', t1, 'delivered')).toHaveText('2')
  await expect(cell('template', t1, 'replies')).toHaveText('1')
  await expect(cell('template', t1, 'bounceRate')).toHaveText(/33\.3\s?%/)
  await expect(cell('template', t2, 'sent')).toHaveText('1')
  await expect(cell('template', t3, 'sent')).toHaveText('1')
  await expect(cell('campaign', campaignId, 'sent')).toHaveText('5')
  await expect(cell('campaign', campaignId, 'hard')).toHaveText('1')
  await expect(cell('campaign', campaignId, 'replies')).toHaveText('1')
  const funnel = extPage.locator('[data-dispatch=funnel]')
  await expect(funnel.locator('tr[data-step="0"] [data-stat=sent]')).toHaveText('3')
  await expect(funnel.locator('tr[data-step="0"] [data-stat=bounced]')).toHaveText('1')
  await expect(funnel.locator('tr[data-step="0"] [data-stat=replies]')).toHaveText('1')
  await expect(funnel.locator('tr[data-step="1"] [data-stat=sent]')).toHaveText('1')
  await expect(funnel.locator('tr[data-step="2"] [data-stat=sent]')).toHaveText('1')
  await expect(extPage.locator('svg[data-chart=campaign][data-chart-painted]')).toHaveCount(1)
  await screenshot(extPage, 'campaigns-analytics', true)

  // A feed link opens the bounce in the options page; the campaign page lists the ended steps.
  await extPage.goto(extPage.url().replace(/#.*$/, '') + `#bounce=${encodeURIComponent(bounce.id)}`)
  await expect(extPage.locator('[data-dispatch=bounce-detail]')).toContainText(GONE)
  await expect(extPage.locator('[data-dispatch=bounce-detail] [data-kind=hard]')).toBeVisible()
  await extPage.goto(extPage.url().replace(/#.*$/, '') + `#campaign=${encodeURIComponent(campaignId)}`)
  const page = extPage.locator('[data-dispatch=campaign-page]')
  await expect(page.locator(`tr[data-enrolment="${GONE}"]`)).toHaveAttribute('data-reason', 'bounce')
  await expect(page.locator(`tr[data-enrolment="${ANA}"]`)).toHaveAttribute('data-reason', 'reply')
  await expect(page.locator(`tr[data-enrolment="${BO}"]`)).toHaveAttribute('data-state', 'completed')
  await expect(page.locator('[data-dispatch=campaign-ended] li')).toHaveCount(4)
  await screenshot(extPage, 'campaigns-campaign-page', true)
  people = await enrolments()
  expect(Object.keys(people).sort()).toEqual([ANA, BO, GONE].sort())
})

test('the engine survives the worker being stopped: each step goes out once, on its day, as a reply in its thread', async ({
  context,
  emulator,
  extPage,
  extensionId,
}) => {
  emulator.addAccount({ provider: 'google', address: REP, displayName: 'Rita Rep' })
  await extPage.goto(extPage.url().replace(/#.*$/, '') + '#connections')
  await signInThrough(context, () => extPage.locator('[data-dispatch=connect-gmail]').click(), REP)
  await expect(extPage.locator(`[data-account="${REP}"]`)).toBeVisible()
  const first = await saveTemplate(extPage, 'Intro', 'Hello {{company}}', '<p>Hi {{first_name|there}}</p>')
  const second = await saveTemplate(extPage, 'Nudge', 'Nudge', '<p>Any news?</p>')
  const saved = await askWorker<{ ok: boolean; data: { id: string } }>(extPage, {
    type: 'campaigns.save',
    campaign: {
      name: 'Restart-safe',
      steps: [
        { dayOffset: 0, templateId: first, mode: 'new' },
        { dayOffset: 1, templateId: second, mode: 'reply' },
      ],
      skipWeekends: false,
      removeOnBounce: true,
      endOnReply: true,
    },
  })
  expect(saved.ok).toBe(true)
  const enrolled = await askWorker<{ ok: boolean; data: { enrolled: number } }>(extPage, {
    type: 'campaign.enrol',
    campaignId: saved.data.id,
    people: [{ address: ANA, name: 'Ana Silva' }, { address: BO }],
  })
  expect(enrolled).toMatchObject({ ok: true, data: { enrolled: 2 } })
  const sent = () => emulator.mailbox(REP).sent.filter((m) => !m.isDraft)
  await expect.poll(() => sent().length, { timeout: 20_000 }).toBe(2)
  // Step 2 waits on an alarm, so a stopped worker is woken for it.
  const alarm = await extPage.evaluate(() => chrome.alarms.get('campaigns'))
  expect(alarm?.scheduledTime).toBeGreaterThan(Date.now())

  const killer = await WorkerKiller.attach(extPage, extensionId)
  await killer.kill()
  // The request wakes a fresh worker, which finds the simulated clock and the due steps in IndexedDB.
  await advanceClock(extPage, DAY + 60_000)
  await expect.poll(() => sent().length, { timeout: 20_000 }).toBe(4)
  await killer.kill()
  await askWorker(extPage, { type: 'worker.tick' })
  await advanceClock(extPage, 0)
  await extPage.waitForTimeout(500)
  expect(sent()).toHaveLength(4)
  for (const address of [ANA, BO]) {
    const mine = sent().filter((m) => m.recipients.includes(address))
    expect(mine).toHaveLength(2)
    expect(mine[1]!.headers['in-reply-to']).toBe(mine[0]!.messageId)
    expect(mine[1]!.threadId).toBe(mine[0]!.threadId)
  }
  const rows = await readStore<Row>(extPage, 'outbox')
  expect(rows.map((r) => r.state).sort()).toEqual(['sent', 'sent', 'sent', 'sent'])
  const people = await readStore<Enrolment>(extPage, 'enrolments')
  expect(people.map((e) => e.state)).toEqual(['completed', 'completed'])
})
