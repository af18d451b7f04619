import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, providerLimits, startEmulator } from './index.ts'
import { api, b64url, mime } from './test-util.ts'

let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ enforceLimits: true, ndrDelayMs: 10 })
})
afterAll(() => emu.close())

function gmailSender(address: string) {
  emu.addAccount({ provider: 'google', address })
  // A fresh token per call: tests move the clock past a token's lifetime.
  return (to: string[] | string = 'x@example.com') =>
    api(emu, emu.issueToken(address).accessToken)('/gmail/v1/users/me/messages/send', {
      body: { raw: b64url(mime({ To: ([] as string[]).concat(to).join(', '), Subject: 'limit' })) },
    })
}

function graphSender(address: string) {
  emu.addAccount({ provider: 'microsoft', address })
  const g = api(emu, emu.issueToken(address).accessToken)
  return async (to: string[] = ['x@example.com']) => {
    const created = await g('/v1.0/me/messages', {
      body: { subject: 'limit', toRecipients: to.map((address) => ({ emailAddress: { address } })) },
    })
    return g(`/v1.0/me/messages/${encodeURIComponent(created.json.id)}/send`, { method: 'POST' })
  }
}

describe('provider limits', () => {
  it('knows the published figures per provider and plan', () => {
    expect(providerLimits('google', 'a@gmail.com')).toMatchObject({ messagesPerDay: 500, recipientsPerMessage: 100 })
    expect(providerLimits('google', 'a@acme.example')).toMatchObject({ messagesPerDay: 2000 })
    expect(providerLimits('microsoft', 'a@contoso.com')).toMatchObject({
      messagesPerMinute: 30,
      recipientsPerDay: 10_000,
      recipientsPerMessage: 500,
    })
  })

  it('Gmail: refuses more than 100 recipients via the API', async () => {
    const send = gmailSender('many@gmail.com')
    const r = await send(Array.from({ length: 101 }, (_, i) => `r${i}@example.com`))
    expect(r.status).toBe(400)
    expect((await send(Array.from({ length: 100 }, (_, i) => `r${i}@example.com`))).status).toBe(200)
  })

  it('Gmail: the daily limit answers 429 "(Mail sending)" until the rolling window frees, or 403 dailyLimitExceeded', async () => {
    const send = gmailSender('daily@gmail.com')
    emu.setLimits('daily@gmail.com', { messagesPerDay: 3 })
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(200)
    const over = await send()
    expect(over.status).toBe(429)
    expect(over.json.error.message).toContain('(Mail sending)')
    const retryAt = Date.parse(/Retry after (\S+)/.exec(over.json.error.message)![1]!)
    expect(retryAt).toBe(emu.sends('daily@gmail.com')[0]!.at + 24 * 3600_000)
    emu.setLimits('daily@gmail.com', { messagesPerDay: 3, gmailOverDaily: '403' })
    const forbidden = await send()
    expect(forbidden.status).toBe(403)
    expect(forbidden.json.error.errors[0].reason).toBe('dailyLimitExceeded')
    emu.advanceTime(24 * 3600_000 + 1000)
    expect((await send()).status).toBe(200)
    expect(emu.sends('daily@gmail.com')).toHaveLength(4)
  })

  it('Exchange: over 30 messages a minute is rejected with Retry-After (reject mode) or held back (delay mode)', async () => {
    const send = graphSender('minute@contoso.com')
    emu.setLimits('minute@contoso.com', { messagesPerMinute: 2, exchangeOverMinute: 'reject' })
    expect((await send()).status).toBe(202)
    expect((await send()).status).toBe(202)
    const over = await send()
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
    emu.advanceTime(61_000)
    expect((await send()).status).toBe(202)
    const sendDelayed = graphSender('held@contoso.com')
    for (let i = 0; i < 31; i++) expect((await sendDelayed()).status).toBe(202)
    // 30 went out; the 31st waits for the minute to roll.
    expect(emu.sends('held@contoso.com')).toHaveLength(30)
    expect(emu.pending()).toBeGreaterThan(0)
  })

  it('Exchange: over the daily recipient limit the mailbox is blocked with ErrorQuotaExceeded, or gets a 5.2.0 NDR', async () => {
    const send = graphSender('quota@contoso.com')
    emu.setLimits('quota@contoso.com', { recipientsPerDay: 5 })
    expect((await send(['a@example.com', 'b@example.com', 'c@example.com'])).status).toBe(202)
    const over = await send(['d@example.com', 'e@example.com', 'f@example.com'])
    expect(over.status).toBe(403)
    expect(over.json.error.code).toBe('ErrorQuotaExceeded')
    emu.setLimits('quota@contoso.com', { recipientsPerDay: 5, exchangeOverDaily: 'ndr' })
    expect((await send(['d@example.com', 'e@example.com', 'f@example.com'])).status).toBe(202)
    const ndr = await emu.waitFor(() =>
      emu.mailbox('quota@contoso.com').inbox.find((m) => m.subject.startsWith('Undeliverable:')),
    )
    expect(ndr.raw).toContain('SubmissionQuotaExceededException')
    expect(ndr.raw).toContain('Status: 5.2.0')
  })

  it('blockSending stops sends on both providers until lifted', async () => {
    const g = gmailSender('blocked@gmail.com')
    const m = graphSender('blocked@contoso.com')
    emu.blockSending('blocked@gmail.com')
    emu.blockSending('blocked@contoso.com')
    expect((await g()).status).toBe(429)
    expect((await m()).json.error.code).toBe('ErrorQuotaExceeded')
    emu.blockSending('blocked@gmail.com', false)
    expect((await g()).status).toBe(200)
  })

  it('counts sends per mailbox with timestamps and recipients', async () => {
    const send = gmailSender('count@gmail.com')
    await send(['a@example.com', 'B@Example.com'])
    const [record] = emu.sends('count@gmail.com')
    expect(record!.recipients).toEqual(['a@example.com', 'b@example.com'])
    expect(record!.at).toBeLessThanOrEqual(emu.now())
    expect(record!.messageId).toMatch(/^<.+>$/)
  })
})

describe('mailbox seeding', () => {
  it('creates a 10,000-message inbox quickly', async () => {
    const fast = await startEmulator()
    try {
      fast.addAccount({ provider: 'google', address: 'big@gmail.com' })
      fast.addAccount({ provider: 'microsoft', address: 'big@contoso.com' })
      const started = performance.now()
      fast.seedInbox('big@gmail.com', 10_000)
      fast.seedInbox('big@contoso.com', 10_000)
      const ms = performance.now() - started
      expect(ms).toBeLessThan(1500)
      const box = fast.mailbox('big@gmail.com')
      expect(box.inbox).toHaveLength(10_000)
      expect(box.inbox[42]!.raw).toContain('Subject: ')
      expect(fast.mailbox('big@contoso.com').inbox).toHaveLength(10_000)
    } finally {
      await fast.close()
    }
  })
})

describe('control surface', () => {
  it('exposes the knobs and inspection as JSON under /__emulator/', async () => {
    const c = api(emu)
    const added = await c('/__emulator/accounts', { body: { provider: 'google', address: 'ctl@gmail.com' } })
    expect(added.json.address).toBe('ctl@gmail.com')
    await c('/__emulator/mailboxes/ctl@gmail.com/deliver', {
      body: { raw: mime({ From: 'a@example.com', To: 'ctl@gmail.com', Subject: 'Via control' }) },
    })
    const box = await c('/__emulator/mailboxes/ctl@gmail.com')
    expect(box.json.inbox[0].subject).toBe('Via control')
    const { accessToken } = (await c('/__emulator/tokens', { body: { address: 'ctl@gmail.com' } })).json
    await c('/__emulator/fail-next', { body: { kind: '503' } })
    expect((await api(emu, accessToken)('/gmail/v1/users/me/profile')).status).toBe(503)
    await c('/__emulator/revoke', { body: { address: 'ctl@gmail.com' } })
    expect((await api(emu, accessToken)('/gmail/v1/users/me/profile')).status).toBe(401)
    const log = await c('/__emulator/log')
    expect(log.json.some((e: { path: string }) => e.path.startsWith('/__emulator'))).toBe(false)
    expect((await c('/__emulator/nope')).status).toBe(404)
  })
})
