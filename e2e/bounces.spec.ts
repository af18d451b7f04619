import type { BrowserContext, Page } from '@playwright/test'
import type { Emulator } from './emulator/index.ts'
import { askWorker, evaluateInContentScript, expect, routeHosts, signInThrough, test, WorkerKiller } from './harness.ts'

/**
 * Bounce tracking end to end: a send to an address the emulator rejects brings an NDR into the
 * rep's inbox; one scan later the bounce is recorded against that send's outbox row, the address
 * is suppressed (and a compose with it warns), the feed and a notification show it — for a Gmail
 * mailbox and a German Exchange Online mailbox. Scanning again, or a worker killed mid-scan, still
 * leaves exactly one record.
 */

const BAD = 'jonas.weber@gone-gmbh.example'
const SUBJECT = 'Angebot für Ihr Team'

const PROVIDERS = [
  {
    name: 'Gmail',
    provider: 'google' as const,
    rep: 'ana.silva@acme-sales.example',
    lang: 'en' as const,
    fixture: { gmail: 'gmail-2026-11-compose-popup.html' },
    url: 'https://mail.google.com/mail/u/0/#inbox',
    ndrSubject: /Delivery Status Notification \(Failure\)/,
    batch: /^\/batch\/gmail\/v1/,
    /** Gmail reads headers in a first batch, the NDR's MIME in a second. */
    rawBatchIndex: 2,
  },
  {
    name: 'Exchange Online (German)',
    provider: 'microsoft' as const,
    rep: 'ana.silva@contoso.example',
    lang: 'de' as const,
    fixture: { outlook: 'outlook-2026-11-compose-new.html' },
    url: 'https://outlook.office.com/mail/',
    ndrSubject: /^Unzustellbar: /,
    batch: /^\/v1\.0\/\$batch/,
    rawBatchIndex: 1,
  },
]

type Case = (typeof PROVIDERS)[number]

async function readStore<T>(extPage: Page, store: string): Promise<T[]> {
  return extPage.evaluate(async (name) => {
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

/** Connects the mailbox from the host page's sidebar and sends one message to the rejected address. */
async function sendToRejected(
  c: Case,
  context: BrowserContext,
  emulator: Emulator,
  extPage: Page,
  extensionId: string,
): Promise<{ page: Page; outboxId: string; mailboxId: string }> {
  emulator.addAccount({ provider: c.provider, address: c.rep, displayName: 'Ana Silva', lang: c.lang })
  emulator.rejectRecipient(BAD, { kind: 'hard' })
  await routeHosts(context, c.fixture)
  const page = await context.newPage()
  await page.goto(c.url)
  const sidebar = page.locator('[data-dispatch=sidebar]').first()
  await signInThrough(context, () => sidebar.locator('[data-dispatch=connect]').click(), c.rep)
  await expect(sidebar.locator('[data-dispatch=mailbox]')).toContainText(c.rep)

  // What the sidebar's Send asks the worker, sent from the content script's own world.
  const payload = {
    type: 'compose.send',
    requestId: crypto.randomUUID(),
    composeId: 'bounce-e2e',
    accountHint: { address: null, accountIndex: null },
    message: { to: [`Jonas Weber <${BAD}>`], cc: [], bcc: [], subject: SUBJECT, html: '<p>Hallo</p>', text: 'Hallo' },
  }
  const reply = await evaluateInContentScript<{ ok: boolean; data: { id: string } }>(
    page,
    extensionId,
    `chrome.runtime.sendMessage(${JSON.stringify(payload)})`,
  )
  expect(reply.ok).toBe(true)
  const outboxId = reply.data.id
  await expect
    .poll(async () => {
      const r = await askWorker<{ ok: boolean; data: { state: string }[] }>(extPage, {
        type: 'outbox.status',
        ids: [outboxId],
      })
      return r.data[0]?.state
    })
    .toBe('sent')
  // The NDR arrives in the rep's inbox (the emulator holds it back a moment, as providers do).
  await emulator.waitFor(() => emulator.pending() > 0)
  emulator.flush()
  const ndr = emulator.mailbox(c.rep).inbox.find((m) => c.ndrSubject.test(m.subject))
  expect(ndr, 'NDR in the inbox').toBeDefined()
  return { page, outboxId, mailboxId: `${c.provider === 'google' ? 'gmail' : 'exchange'}:${c.rep}` }
}

interface Bounce {
  id: string
  recipient: string
  kind: string
  outboxId?: string
  correlation: string
  reason: string
}

async function expectOneBounce(extPage: Page, outboxId: string) {
  const bounces = await readStore<Bounce>(extPage, 'bounces')
  expect(bounces).toHaveLength(1)
  expect(bounces[0]).toMatchObject({
    recipient: BAD,
    kind: 'hard',
    reason: 'userunknown',
    outboxId,
    correlation: 'dispatch-id',
  })
  const feed = await readStore<{ kind: string; bounceId?: string; recipient?: string; subject?: string }>(
    extPage,
    'feed',
  )
  expect(feed.filter((f) => f.kind === 'bounced')).toEqual([
    expect.objectContaining({ bounceId: bounces[0]!.id, recipient: BAD, subject: SUBJECT }),
  ])
  return bounces[0]!
}

for (const c of PROVIDERS) {
  test(`${c.name}: one scan after a send to a rejected address records the bounce, suppresses it and warns in the compose`, async ({
    context,
    emulator,
    extPage,
    extensionId,
  }) => {
    const { page, outboxId, mailboxId } = await sendToRejected(c, context, emulator, extPage, extensionId)

    const scan = await askWorker<{ ok: boolean; data: { bounces: number; scanned: number } }>(extPage, {
      type: 'scan.now',
      mailboxId,
    })
    expect(scan).toMatchObject({ ok: true, data: { bounces: 1 } })
    const bounce = await expectOneBounce(extPage, outboxId)
    const suppression = await readStore<{ address: string; source: string; bounceId: string }>(extPage, 'suppression')
    expect(suppression).toEqual([expect.objectContaining({ address: BAD, source: 'bounce', bounceId: bounce.id })])
    const notifications = await extPage.evaluate(() => chrome.notifications.getAll())
    expect(Object.keys(notifications)).toContain(`dispatch.bounce:${bounce.id}`)

    // Scanning again counts nothing twice.
    const again = await askWorker<{ ok: boolean; data: { bounces: number } }>(extPage, { type: 'scan.now' })
    expect(again).toMatchObject({ ok: true, data: { bounces: 0 } })
    await expectOneBounce(extPage, outboxId)

    // A compose addressed to the bounced address warns.
    const sidebar = page.locator('[data-dispatch=sidebar]').first()
    if (c.provider === 'google') {
      const to = page.locator('div[name="to"] input[peoplekit-id]').first()
      await to.fill(BAD)
      await to.blur()
    } else {
      // Text typed into the To well after its chips, as Outlook holds it before resolving it.
      await page
        .locator('[role="textbox"][contenteditable="true"]')
        .first()
        .evaluate((well, address) => {
          well.append(document.createTextNode(`; ${address}`))
          well.dispatchEvent(new InputEvent('input', { bubbles: true }))
        }, BAD)
    }
    await expect(sidebar.locator('[data-dispatch=suppressed]')).toContainText(BAD)
  })

  test(`${c.name}: a worker killed mid-scan still ends with exactly one bounce record`, async ({
    context,
    emulator,
    extPage,
    extensionId,
  }) => {
    const { outboxId, mailboxId } = await sendToRejected(c, context, emulator, extPage, extensionId)
    const killer = await WorkerKiller.attach(extPage, extensionId)

    // Batch reads hang long enough to kill the worker while it reads the NDR's MIME.
    emulator.setFaults({ rate: 1, kinds: ['slow'], slowMs: 3000, paths: c.batch })
    const since = emulator.log().at(-1)?.seq ?? 0
    const first = askWorker(extPage, { type: 'scan.now', mailboxId }).catch((err: unknown) => ({ killed: String(err) }))
    await emulator.waitFor(() => {
      const batches = emulator.log().filter((e) => e.seq > since && c.batch.test(e.path))
      return batches.length === c.rawBatchIndex && batches.at(-1)!.status === null
    }, 15_000)
    await killer.kill()
    expect(await first).not.toMatchObject({ ok: true })
    emulator.clearFaults()
    expect(await readStore<Bounce>(extPage, 'bounces')).toHaveLength(0)

    const scan = await askWorker<{ ok: boolean; data: { bounces: number } }>(extPage, { type: 'scan.now', mailboxId })
    expect(scan).toMatchObject({ ok: true, data: { bounces: 1 } })
    await expectOneBounce(extPage, outboxId)
    const twice = await askWorker<{ ok: boolean; data: { bounces: number } }>(extPage, { type: 'scan.now', mailboxId })
    expect(twice).toMatchObject({ ok: true, data: { bounces: 0 } })
    await expectOneBounce(extPage, outboxId)
  })
}
