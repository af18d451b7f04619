import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Emulator, startEmulator } from '../../../e2e/emulator/index.ts'
import { db } from '../../core/db.ts'
import type { BounceRecord } from '../../core/types.ts'
import { connectMailbox, emulatorDeps, freshDb, sendAndRecord } from './emulator-kit.ts'
import { BOUNCE_NOTIFICATION_PREFIX, onNotificationClicked, scanConnected, workerScanDeps } from './index.ts'

const created: { id: string; options: chrome.notifications.NotificationCreateOptions }[] = []
const opened: string[] = []

beforeEach(async () => {
  created.length = 0
  opened.length = 0
  await freshDb()
  vi.stubGlobal('chrome', {
    i18n: {
      getMessage: (key: string, subs?: string | string[]) => `${key}(${[subs ?? []].flat().join('|')})`,
    },
    notifications: {
      create: async (id: string, options: chrome.notifications.NotificationCreateOptions) => {
        created.push({ id, options })
        return id
      },
      clear: async () => true,
    },
    runtime: { getURL: (p: string) => `chrome-extension://dispatch/${p}` },
    tabs: {
      create: async ({ url }: { url: string }) => {
        opened.push(url)
      },
    },
    storage: { managed: { get: async () => ({}) } },
    action: { setBadgeText: async () => undefined, setBadgeBackgroundColor: async () => undefined },
  })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

const bounce: BounceRecord = {
  id: 'gmail:ana@acme.example|18c2|gone@northwind.example',
  mailboxId: 'gmail:ana@acme.example',
  ndrProviderId: '18c2',
  recipient: 'gone@northwind.example',
  kind: 'hard',
  reason: 'userunknown',
  status: '5.1.1',
  detectedAt: 1,
  correlation: 'dispatch-id',
}

describe('bounce notifications', () => {
  it('shows a translated notification per bounce unless the rep turned them off', async () => {
    const notify = workerScanDeps().notify!
    await notify(bounce, 'Pricing')
    expect(created).toEqual([
      {
        id: `${BOUNCE_NOTIFICATION_PREFIX}${bounce.id}`,
        options: expect.objectContaining({
          title: 'notify_bounceHardTitle(gone@northwind.example)',
          message: 'notify_bounceMessage(Pricing|userunknown · 5.1.1)',
        }),
      },
    ])
    await notify({ ...bounce, kind: 'soft', status: null, reason: 'mailboxfull' }, undefined)
    expect(created[1]!.options).toMatchObject({
      title: 'notify_bounceSoftTitle(gone@northwind.example)',
      message: 'notify_bounceMessageNoSubject(mailboxfull)',
    })
    await db().settings.put({ key: 'notifyBounces', value: false })
    await notify(bounce, 'Pricing')
    expect(created).toHaveLength(2)
  })

  it('opens the options page at the bounce when clicked, and ignores other notifications', () => {
    onNotificationClicked(`${BOUNCE_NOTIFICATION_PREFIX}${bounce.id}`)
    onNotificationClicked('someone-else:1')
    expect(opened).toEqual([
      `chrome-extension://dispatch/src/options/index.html#bounce=${encodeURIComponent(bounce.id)}`,
    ])
  })
})

describe('scanConnected', () => {
  let emu: Emulator
  beforeEach(async () => {
    emu = await startEmulator({ port: 0, ndrDelayMs: 60_000 })
  })
  afterEach(async () => {
    await emu.close()
  })

  it('scans connected mailboxes only, and refuses a mailbox that is not connected', async () => {
    const gmail = await connectMailbox(emu, 'gmail', 'ana@acme.example')
    const exchange = await connectMailbox(emu, 'exchange', 'ana@contoso.example')
    await db().accounts.update(exchange.id, { status: 'expired' })
    const deps = emulatorDeps(emu)
    await scanConnected(undefined, deps)
    emu.rejectRecipient('gone@northwind.example', { kind: 'hard' })
    await sendAndRecord(emu, gmail, { to: ['gone@northwind.example'], subject: 'Pricing' })
    await sendAndRecord(emu, exchange, { to: ['gone@northwind.example'], subject: 'Pricing' })
    emu.flush()
    expect(await scanConnected(undefined, deps)).toMatchObject({ bounces: 1 })
    expect((await db().bounces.toArray()).map((b) => b.mailboxId)).toEqual([gmail.id])
    await expect(scanConnected(exchange.id, deps)).rejects.toMatchObject({ code: 'not_connected' })
  })
})
