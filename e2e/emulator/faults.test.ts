import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from './index.ts'
import { api, b64url, mime } from './test-util.ts'

let emu: Emulator
let gmail: ReturnType<typeof api>
let graph: ReturnType<typeof api>

beforeAll(async () => {
  emu = await startEmulator({ seed: 7, retryAfterSec: 3 })
  emu.addAccount({ provider: 'google', address: 'f@gmail.com' })
  emu.addAccount({ provider: 'microsoft', address: 'f@contoso.com' })
  gmail = api(emu, emu.issueToken('f@gmail.com').accessToken)
  graph = api(emu, emu.issueToken('f@contoso.com').accessToken)
})
afterAll(() => emu.close())
beforeEach(() => emu.clearFaults())

const sendGmail = (subject: string) =>
  gmail('/gmail/v1/users/me/messages/send', {
    body: { raw: b64url(mime({ To: 'x@example.com', Subject: subject, 'X-Dispatch-Id': subject })) },
  })

describe('Gmail faults', () => {
  it('answers 429 "User-rate limit exceeded" with a retry time, and the three 403 reasons', async () => {
    emu.failNext('429')
    const r429 = await sendGmail('rate')
    expect(r429.status).toBe(429)
    expect(r429.json.error.status).toBe('RESOURCE_EXHAUSTED')
    expect(r429.json.error.message).toMatch(
      /^User-rate limit exceeded\. {2}Retry after \d{4}-\d\d-\d\dT[\d:.]+Z \(Mail sending\)$/,
    )
    expect(r429.json.error.errors[0]).toMatchObject({ domain: 'usageLimits', reason: 'rateLimitExceeded' })
    expect(r429.headers.get('retry-after')).toBeNull()
    for (const reason of ['userRateLimitExceeded', 'rateLimitExceeded', 'dailyLimitExceeded'] as const) {
      emu.failNext(`403-${reason}`)
      const r = await gmail('/gmail/v1/users/me/profile')
      expect(r.status).toBe(403)
      expect(r.json.error.errors[0]).toMatchObject({ reason, domain: 'usageLimits' })
    }
    emu.failNext('500')
    expect((await gmail('/gmail/v1/users/me/profile')).json.error.errors[0].reason).toBe('backendError')
    emu.failNext('503')
    expect((await gmail('/gmail/v1/users/me/profile')).status).toBe(503)
    expect(emu.mailbox('f@gmail.com').sent.some((m) => m.subject === 'rate')).toBe(false)
  })

  it("'drop' sends the message but destroys the socket before the answer", async () => {
    emu.failNext('drop')
    await expect(sendGmail('dropped')).rejects.toThrow()
    const sent = emu.mailbox('f@gmail.com').sent.filter((m) => m.subject === 'dropped')
    expect(sent).toHaveLength(1)
    expect(sent[0]!.headers['x-dispatch-id']).toBe('dropped')
    const entry = emu.log().at(-1)!
    expect(entry).toMatchObject({ fault: 'drop', status: null })
    // A reconciling client finds it in Sent by its own header.
    const found = await gmail(`/gmail/v1/users/me/messages?q=${encodeURIComponent('in:sent subject:dropped')}`)
    expect(found.json.messages).toHaveLength(1)
  })

  it("'reset' destroys the socket before anything happens", async () => {
    emu.failNext('reset')
    await expect(sendGmail('reset')).rejects.toThrow()
    expect(emu.mailbox('f@gmail.com').sent.some((m) => m.subject === 'reset')).toBe(false)
  })

  it("'slow' delays the answer", async () => {
    emu.setFaults({ rate: 1, kinds: ['slow'], slowMs: 150, paths: /\/profile$/ })
    const started = performance.now()
    const r = await gmail('/gmail/v1/users/me/profile')
    expect(r.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('applies a rate to the chosen paths only, reproducibly with a seed', async () => {
    emu.setFaults({ rate: 0.5, kinds: ['500', '503'], paths: /\/messages\/send$/ })
    const statuses: number[] = []
    for (let i = 0; i < 40; i++) statuses.push((await sendGmail(`rated ${i}`)).status)
    const failed = statuses.filter((s) => s >= 500).length
    expect(failed).toBeGreaterThan(8)
    expect(failed).toBeLessThan(32)
    expect((await gmail('/gmail/v1/users/me/profile')).status).toBe(200)
    expect(emu.mailbox('f@gmail.com').sent.filter((m) => m.subject.startsWith('rated')).length).toBe(40 - failed)
  })

  it('faults batch parts individually with status kinds', async () => {
    emu.failNext('429', 1, { paths: /\/profile$/ })
    const boundary = 'b'
    const part = [`--${boundary}`, 'Content-Type: application/http', '', 'GET /gmail/v1/users/me/profile', ''].join(
      '\r\n',
    )
    const r = await gmail('/batch/gmail/v1', {
      raw: `${part}\r\n${part}\r\n--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
    })
    expect(r.status).toBe(200)
    expect(r.text).toContain('HTTP/1.1 429 Too Many Requests')
    expect(r.text).toContain('HTTP/1.1 200 OK')
    expect(
      emu
        .log()
        .at(-1)!
        .parts!.map((p) => p.fault),
    ).toEqual(['429', null])
  })

  it('can fault the token endpoint when a path pattern names it', async () => {
    emu.failNext('503', 1, { paths: /^\/token$/ })
    const r = await fetch(`${emu.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token' }),
    })
    expect(r.status).toBe(503)
  })
})

describe('Graph faults', () => {
  it('answers rate faults with 429 and Retry-After, 503 with Retry-After, and the daily block as ErrorQuotaExceeded', async () => {
    emu.failNext('429')
    const r = await graph('/v1.0/me')
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBe('3')
    expect(r.json.error.innerError.date).toBeTruthy()
    emu.failNext('403-userRateLimitExceeded')
    expect((await graph('/v1.0/me')).status).toBe(429)
    emu.failNext('503')
    const unavailable = await graph('/v1.0/me')
    expect(unavailable.status).toBe(503)
    expect(unavailable.headers.get('retry-after')).toBe('3')
    emu.failNext('403-dailyLimitExceeded')
    expect((await graph('/v1.0/me')).json.error.code).toBe('ErrorQuotaExceeded')
  })

  it("'drop' on send: the message reaches Sent Items though the client saw no answer", async () => {
    const draft = await graph('/v1.0/me/messages', {
      body: { subject: 'Dropped send', toRecipients: [{ emailAddress: { address: 'b@example.com' } }] },
    })
    emu.failNext('drop', 1, { paths: /\/send$/ })
    await expect(
      graph(`/v1.0/me/messages/${encodeURIComponent(draft.json.id)}/send`, { method: 'POST' }),
    ).rejects.toThrow()
    const filter = encodeURIComponent(`internetMessageId eq '${draft.json.internetMessageId}'`)
    const found = await graph(`/v1.0/me/mailFolders/sentitems/messages?$filter=${filter}`)
    expect(found.json.value).toHaveLength(1)
  })

  it('refuses unknown fault kinds and rates outside 0..1', () => {
    expect(() => emu.setFaults({ rate: 2, kinds: ['500'] })).toThrow()
    expect(() => emu.failNext('418' as never)).toThrow()
  })
})
