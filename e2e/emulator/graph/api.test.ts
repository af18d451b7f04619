import PostalMime from 'postal-mime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../index.ts'
import { api, mime } from '../test-util.ts'

let emu: Emulator
let graph: ReturnType<typeof api>
const ME = 'max@contoso.com'

beforeAll(async () => {
  emu = await startEmulator({ ndrDelayMs: 10 })
  emu.addAccount({ provider: 'microsoft', address: ME, displayName: 'Max Rep' })
  graph = api(emu, emu.issueToken(ME).accessToken)
})
afterAll(() => emu.close())

const draftBody = (extra: Record<string, unknown> = {}) => ({
  subject: 'Proposal',
  body: { contentType: 'HTML', content: '<p>Hello <b>there</b></p>' },
  toRecipients: [{ emailAddress: { address: 'buyer@example.com', name: 'Buyer' } }],
  internetMessageHeaders: [{ name: 'x-dispatch-id', value: 'disp-42' }],
  ...extra,
})

const enc = encodeURIComponent

describe('/me', () => {
  it('describes the signed-in user', async () => {
    const r = await graph('/v1.0/me')
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ mail: ME, userPrincipalName: ME, displayName: 'Max Rep', givenName: 'Max' })
    expect(r.headers.get('request-id')).toBeTruthy()
  })

  it('answers 401 InvalidAuthenticationToken in Graph’s shape', async () => {
    const missing = await api(emu)('/v1.0/me')
    expect(missing.status).toBe(401)
    expect(missing.json.error.code).toBe('InvalidAuthenticationToken')
    expect(missing.json.error.innerError['request-id']).toBeTruthy()
    const google = await api(emu, 'ya29.x')('/v1.0/me')
    expect(google.status).toBe(401)
  })

  it('refuses a token without the needed permission', async () => {
    const r = await api(emu, emu.issueToken(ME, { scopes: ['Mail.Send'] }).accessToken)('/v1.0/me/messages')
    expect(r.status).toBe(403)
    expect(r.json.error.code).toBe('ErrorAccessDenied')
  })
})

describe('create, send and find in Sent Items', () => {
  it('creates a draft with id, internetMessageId and conversationId, then sends it (202) into Sent Items', async () => {
    const created = await graph('/v1.0/me/messages', { body: draftBody() })
    expect(created.status).toBe(201)
    expect(created.json.id).toMatch(/^AAMkAG/)
    expect(created.json.internetMessageId).toMatch(/^<.+@.+\.PROD\.OUTLOOK\.COM>$/)
    expect(created.json.conversationId).toMatch(/^AAQkAG/)
    expect(created.json.isDraft).toBe(true)
    const sent = await graph(`/v1.0/me/messages/${enc(created.json.id)}/send`, { method: 'POST' })
    expect(sent.status).toBe(202)
    expect(sent.text).toBe('')
    // The draft id is gone: Exchange gives the sent item a new id.
    expect((await graph(`/v1.0/me/messages/${enc(created.json.id)}`)).status).toBe(404)
    const filter = enc(`internetMessageId eq '${created.json.internetMessageId}'`)
    const found = await graph(
      `/v1.0/me/mailFolders/sentitems/messages?$filter=${filter}&$select=id,subject,internetMessageId,conversationId`,
    )
    expect(found.status).toBe(200)
    expect(found.json.value).toHaveLength(1)
    expect(found.json.value[0]).toMatchObject({ subject: 'Proposal', conversationId: created.json.conversationId })
    expect(Object.keys(found.json.value[0])).not.toContain('body')
    const anywhere = await graph(`/v1.0/me/messages?$filter=${filter}`)
    expect(anywhere.json.value).toHaveLength(1)
    const mimeText = await graph(`/v1.0/me/messages/${enc(found.json.value[0].id)}/$value`)
    expect(mimeText.status).toBe(200)
    const parsed = await PostalMime.parse(mimeText.text)
    expect(parsed.messageId).toBe(created.json.internetMessageId)
    expect(parsed.headers.find((h) => h.key === 'x-dispatch-id')?.value).toBe('disp-42')
    expect(parsed.html).toContain('<b>there</b>')
    // Exchange keeps transport headers only on received mail.
    const headers = await graph(`/v1.0/me/messages/${enc(found.json.value[0].id)}?$select=internetMessageHeaders`)
    expect(headers.json.internetMessageHeaders).toBeUndefined()
    expect(emu.sends(ME).at(-1)).toMatchObject({
      recipients: ['buyer@example.com'],
      messageId: created.json.internetMessageId,
    })
  })

  it('keeps the id with Prefer: IdType="ImmutableId"', async () => {
    const created = await graph('/v1.0/me/messages', { body: draftBody(), headers: { prefer: 'IdType="ImmutableId"' } })
    await graph(`/v1.0/me/messages/${enc(created.json.id)}/send`, { method: 'POST' })
    const after = await graph(`/v1.0/me/messages/${enc(created.json.id)}`)
    expect(after.status).toBe(200)
    expect(after.json.isDraft).toBe(false)
  })

  it.each([
    [
      'a header without x-',
      { internetMessageHeaders: [{ name: 'Auto-Submitted', value: 'auto-generated' }] },
      'InvalidInternetMessageHeader',
      "should start with 'x-' or 'X-'",
    ],
    [
      'six headers',
      { internetMessageHeaders: Array.from({ length: 6 }, (_, i) => ({ name: `x-h${i}`, value: 'v' })) },
      'InvalidInternetMessageHeaderCollection',
      'less than or equal to 5',
    ],
    [
      'an empty header list',
      { internetMessageHeaders: [] },
      'InvalidInternetMessageHeaderCollection',
      'less than or equal to 5',
    ],
    [
      'a CR/LF in a header value',
      { internetMessageHeaders: [{ name: 'x-a', value: 'a\r\nBcc: x@example.com' }] },
      'InvalidInternetMessageHeader',
      'invalid',
    ],
    [
      'an unknown property',
      { color: 'red' },
      'RequestBodyRead',
      "The property 'color' does not exist on type 'microsoft.graph.message'",
    ],
    ['a bad body type', { body: { contentType: 'rtf', content: 'x' } }, 'RequestBodyRead', 'bodyType'],
  ])('refuses %s', async (_name, extra, code, message) => {
    const r = await graph('/v1.0/me/messages', { body: draftBody(extra) })
    expect(r.status).toBe(400)
    expect(r.json.error.code).toBe(code)
    expect(r.json.error.message).toContain(message)
  })

  it('refuses a body that is not JSON', async () => {
    const r = await graph('/v1.0/me/messages', { raw: '{not json', headers: { 'content-type': 'application/json' } })
    expect(r.status).toBe(400)
    expect(r.json.error.message).toContain('Unable to read JSON request payload')
  })

  it('refuses to send without recipients, with an invalid one, or from another mailbox', async () => {
    const none = await graph('/v1.0/me/messages', { body: draftBody({ toRecipients: [] }) })
    const r1 = await graph(`/v1.0/me/messages/${enc(none.json.id)}/send`, { method: 'POST' })
    expect(r1.status).toBe(400)
    expect(r1.json.error.code).toBe('ErrorInvalidRecipients')
    const bad = await graph('/v1.0/me/messages', {
      body: draftBody({ toRecipients: [{ emailAddress: { address: 'not-an-address' } }] }),
    })
    const r2 = await graph(`/v1.0/me/messages/${enc(bad.json.id)}/send`, { method: 'POST' })
    expect(r2.json.error.message).toContain("Recipient 'not-an-address' is not resolved")
    const spoof = await graph('/v1.0/me/messages', {
      body: draftBody({ from: { emailAddress: { address: 'ceo@contoso.com' } } }),
    })
    const r3 = await graph(`/v1.0/me/messages/${enc(spoof.json.id)}/send`, { method: 'POST' })
    expect(r3.status).toBe(403)
    expect(r3.json.error.code).toBe('ErrorSendAsDenied')
  })

  it('sends in one call with sendMail', async () => {
    const r = await graph('/v1.0/me/sendMail', {
      body: { message: draftBody({ subject: 'One shot' }), saveToSentItems: true },
    })
    expect(r.status).toBe(202)
    expect(emu.mailbox(ME).sent.some((m) => m.subject === 'One shot')).toBe(true)
  })

  it('answers malformed and unknown ids as Graph does', async () => {
    expect((await graph('/v1.0/me/messages/abc')).json.error.code).toBe('ErrorInvalidIdMalformed')
    const unknown = await graph(`/v1.0/me/messages/${enc(`AAMkAG${'A'.repeat(60)}=`)}`)
    expect(unknown.status).toBe(404)
    expect(unknown.json.error.code).toBe('ErrorItemNotFound')
  })
})

describe('replies and updates', () => {
  it('creates a reply draft in the same conversation with In-Reply-To and References', async () => {
    const incoming = emu.deliver(
      ME,
      mime({
        From: 'Buyer <buyer@example.com>',
        To: ME,
        Cc: 'boss@example.com',
        Subject: 'Question',
        'Message-ID': '<q1@example.com>',
      }),
    )
    const reply = await graph(`/v1.0/me/messages/${enc(incoming.id)}/createReply`, { body: { comment: 'Thanks!' } })
    expect(reply.status).toBe(201)
    expect(reply.json.conversationId).toBe(incoming.threadId)
    expect(reply.json.subject).toBe('RE: Question')
    expect(reply.json.toRecipients).toEqual([{ emailAddress: { name: 'Buyer', address: 'buyer@example.com' } }])
    expect(reply.json.ccRecipients).toEqual([])
    const all = await graph(`/v1.0/me/messages/${enc(incoming.id)}/createReplyAll`, { method: 'POST' })
    expect(all.json.ccRecipients.map((r: { emailAddress: { address: string } }) => r.emailAddress.address)).toEqual([
      'boss@example.com',
    ])
    const patched = await graph(`/v1.0/me/messages/${enc(reply.json.id)}`, {
      method: 'PATCH',
      body: { subject: 'RE: Question (updated)' },
    })
    expect(patched.json.subject).toBe('RE: Question (updated)')
    const raw = await graph(`/v1.0/me/messages/${enc(reply.json.id)}/$value`)
    expect(raw.text).toContain('In-Reply-To: <q1@example.com>')
    expect(raw.text).toMatch(/References: .*<q1@example\.com>/)
  })

  it('lets only drafts change their content', async () => {
    const incoming = emu.deliver(ME, mime({ From: 'a@example.com', To: ME, Subject: 'Read me' }))
    const read = await graph(`/v1.0/me/messages/${enc(incoming.id)}`, { method: 'PATCH', body: { isRead: true } })
    expect(read.json.isRead).toBe(true)
    const refused = await graph(`/v1.0/me/messages/${enc(incoming.id)}`, {
      method: 'PATCH',
      body: { subject: 'changed' },
    })
    expect(refused.status).toBe(400)
  })

  it('returns internet headers of received mail with $select', async () => {
    const incoming = emu.deliver(ME, mime({ From: 'a@example.com', To: ME, Subject: 'Headers', 'X-Custom': 'yes' }))
    const r = await graph(`/v1.0/me/messages/${enc(incoming.id)}?$select=internetMessageHeaders,subject`)
    expect(r.json.internetMessageHeaders).toContainEqual({ name: 'X-Custom', value: 'yes' })
    const bad = await graph(`/v1.0/me/messages/${enc(incoming.id)}?$select=colour`)
    expect(bad.status).toBe(400)
    expect(bad.json.error.code).toBe('RequestBroker--ParseUri')
  })

  it('refuses filters it cannot parse or properties that do not exist', async () => {
    expect((await graph(`/v1.0/me/messages?$filter=${enc('colour eq 1')}`)).json.error.message).toContain(
      "Could not find a property named 'colour'",
    )
    expect((await graph(`/v1.0/me/messages?$filter=${enc("subject eq 'x")}`)).status).toBe(400)
    expect((await graph('/v1.0/me/messages?$frobnicate=1')).status).toBe(400)
  })
})

describe('inbox delta', () => {
  it('pages the first round with nextLink, then a deltaLink returns only what changed since, at O(new) cost', async () => {
    const box = 'delta@contoso.com'
    emu.addAccount({ provider: 'microsoft', address: box })
    const d = api(emu, emu.issueToken(box).accessToken)
    emu.seedInbox(box, 10_000)
    let url = `/v1.0/me/mailFolders/inbox/messages/delta?$select=subject,from,internetMessageId`
    let pages = 0
    let total = 0
    let deltaLink: string
    for (;;) {
      const r = await d(url, { headers: { prefer: 'odata.maxpagesize=1000' } })
      expect(r.status).toBe(200)
      pages++
      total += r.json.value.length
      if (r.json['@odata.deltaLink']) {
        deltaLink = r.json['@odata.deltaLink']
        expect(r.json['@odata.nextLink']).toBeUndefined()
        break
      }
      url = r.json['@odata.nextLink']
    }
    expect(total).toBe(10_000)
    expect(pages).toBe(10)
    const first = await d(`/v1.0/me/mailFolders/inbox/messages/delta`)
    expect(first.json.value).toHaveLength(10)
    expect(Object.keys(first.json.value[0])).toContain('body')
    for (let i = 0; i < 100; i++) emu.deliver(box, mime({ From: 'n@example.com', To: box, Subject: `New ${i}` }))
    emu.clearLog()
    const started = performance.now()
    const r = await d(deltaLink, { headers: { prefer: 'odata.maxpagesize=200' } })
    const ms = performance.now() - started
    expect(r.json.value).toHaveLength(100)
    expect(r.json.value[0]).toMatchObject({ '@odata.type': '#microsoft.graph.message', subject: 'New 0' })
    expect(Object.keys(r.json.value[0])).not.toContain('body')
    expect(ms).toBeLessThan(200)
    expect(emu.log()).toHaveLength(1)
    // Changes after the round: an update shows once, as the message; nothing else repeats.
    await d(`/v1.0/me/messages/${enc(r.json.value[0].id)}`, { method: 'PATCH', body: { isRead: true } })
    const again = await d(r.json['@odata.deltaLink'])
    expect(again.json.value.map((m: { id: string }) => m.id)).toEqual([r.json.value[0].id])
    const quiet = await d(again.json['@odata.deltaLink'])
    expect(quiet.json.value).toEqual([])
  })

  it('reports deletions in later rounds and refuses tokens after a sync reset', async () => {
    const box = 'delta2@contoso.com'
    emu.addAccount({ provider: 'microsoft', address: box })
    const d = api(emu, emu.issueToken(box).accessToken)
    const kept = emu.deliver(box, mime({ From: 'a@example.com', To: box, Subject: 'Keep' }))
    const gone = emu.deliver(box, mime({ From: 'a@example.com', To: box, Subject: 'Gone' }))
    const round1 = await d('/v1.0/me/mailFolders/inbox/messages/delta')
    expect(round1.json.value.map((m: { id: string }) => m.id).sort()).toEqual([kept.id, gone.id].sort())
    expect((await d(`/v1.0/me/messages/${enc(gone.id)}`, { method: 'DELETE' })).status).toBe(204)
    const round2 = await d(round1.json['@odata.deltaLink'])
    expect(round2.json.value).toEqual([
      { '@odata.type': '#microsoft.graph.message', id: gone.id, '@removed': { reason: 'deleted' } },
    ])
    emu.resetSyncState(box)
    const stale = await d(round2.json['@odata.deltaLink'])
    expect(stale.status).toBe(410)
    expect(stale.json.error.code).toBe('SyncStateNotFound')
  })
})

describe('$batch', () => {
  it('runs up to 20 requests as one and refuses more', async () => {
    const created = await graph('/v1.0/me/messages', { body: draftBody({ subject: 'Batched' }) })
    emu.clearLog()
    const r = await graph('/v1.0/$batch', {
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/me' },
          { id: '2', method: 'GET', url: `/me/messages/${enc(created.json.id)}?$select=subject` },
          { id: '3', method: 'POST', url: `/me/messages/${enc(created.json.id)}/send`, dependsOn: ['2'] },
          { id: '4', method: 'GET', url: `/me/messages/${enc(created.json.id)}/$value` },
        ],
      },
    })
    expect(r.status).toBe(200)
    const byId = Object.fromEntries(r.json.responses.map((x: { id: string }) => [x.id, x]))
    expect(byId['1'].body.mail).toBe(ME)
    expect(byId['2'].body.subject).toBe('Batched')
    expect(byId['3'].status).toBe(202)
    expect(byId['4'].status).toBe(404)
    const log = emu.log({ area: 'graph' })
    expect(log).toHaveLength(1)
    expect(log[0]!.parts!.map((p) => p.status)).toEqual([200, 200, 202, 404])
    const tooMany = await graph('/v1.0/$batch', {
      body: { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/me' })) },
    })
    expect(tooMany.status).toBe(400)
  })
})

describe('MailboxConcurrency', () => {
  it('answers 429 with Retry-After when more than 4 requests are in flight for one mailbox', async () => {
    const slow = await startEmulator({ latencyMs: 150 })
    try {
      slow.addAccount({ provider: 'microsoft', address: 'busy@contoso.com' })
      const b = api(slow, slow.issueToken('busy@contoso.com').accessToken)
      const results = await Promise.all(Array.from({ length: 6 }, () => b('/v1.0/me')))
      const statuses = results.map((r) => r.status).sort()
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
      const throttled = results.find((r) => r.status === 429)!
      expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(throttled.json.error).toMatchObject({
        code: 'ApplicationThrottled',
        message: 'Application is over its MailboxConcurrency limit.',
      })
    } finally {
      await slow.close()
    }
  })
})
