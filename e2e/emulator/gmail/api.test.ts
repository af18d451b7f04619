import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../index.ts'
import { api, b64url, mime } from '../test-util.ts'

let emu: Emulator
let gmail: ReturnType<typeof api>
const ME = 'rita@gmail.com'

beforeAll(async () => {
  emu = await startEmulator({ ndrDelayMs: 10 })
  emu.addAccount({ provider: 'google', address: ME, displayName: 'Rita Rep' })
  emu.addAccount({ provider: 'google', address: 'other@gmail.com' })
  gmail = api(emu, emu.issueToken(ME).accessToken)
})
afterAll(() => emu.close())

const send = (raw: string, extra: Record<string, unknown> = {}) =>
  gmail('/gmail/v1/users/me/messages/send', { body: { raw: b64url(raw), ...extra } })

describe('users.getProfile', () => {
  it('answers with the address, totals and a history id', async () => {
    const r = await gmail('/gmail/v1/users/me/profile')
    expect(r.status).toBe(200)
    expect(r.json.emailAddress).toBe(ME)
    expect(r.json.historyId).toMatch(/^\d+$/)
    // Google pretty-prints by default.
    expect(r.text).toContain('\n  "emailAddress"')
  })

  it('refuses another user as Gmail does (delegation denied)', async () => {
    const r = await gmail('/gmail/v1/users/other@gmail.com/profile')
    expect(r.status).toBe(403)
    expect(r.json.error.message).toBe('Delegation denied for other@gmail.com')
  })

  it('answers 401 in Google’s shape without a valid token', async () => {
    const r = await api(emu, 'ya29.nonsense')('/gmail/v1/users/me/profile')
    expect(r.status).toBe(401)
    expect(r.json.error.status).toBe('UNAUTHENTICATED')
    expect(r.json.error.errors[0]).toMatchObject({ reason: 'authError', location: 'Authorization' })
    expect(r.headers.get('www-authenticate')).toContain('invalid_token')
  })

  it('accepts the access_token query parameter', async () => {
    const r = await api(emu)(`/gmail/v1/users/me/profile?access_token=${emu.issueToken(ME).accessToken}`)
    expect(r.status).toBe(200)
  })

  it('refuses a token without a Gmail scope', async () => {
    const r = await api(
      emu,
      emu.issueToken(ME, { scopes: ['openid', 'email'] }).accessToken,
    )('/gmail/v1/users/me/profile')
    expect(r.status).toBe(403)
    expect(r.json.error.errors[0].reason).toBe('insufficientPermissions')
  })

  it('answers unknown paths with an HTML 404', async () => {
    const r = await gmail('/gmail/v1/users/me/nothing')
    expect(r.status).toBe(404)
    expect(r.text).toContain('Error 404')
  })
})

describe('users.messages.send', () => {
  it('stores the message in SENT, keeps X- headers and replaces the Message-ID', async () => {
    const r = await send(
      mime({
        From: 'Rita <rita@gmail.com>',
        To: 'buyer@example.com',
        Subject: 'Quote',
        'Message-ID': '<own-id@dispatch.local>',
        'X-Dispatch-Id': 'disp-1',
      }),
    )
    expect(r.status).toBe(200)
    expect(r.json.labelIds).toEqual(['SENT'])
    expect(r.json.id).toMatch(/^[0-9a-f]{16}$/)
    const got = await gmail(
      `/gmail/v1/users/me/messages/${r.json.id}?format=metadata&metadataHeaders=Message-ID&metadataHeaders=X-Dispatch-Id`,
    )
    const headers = Object.fromEntries(
      got.json.payload.headers.map((h: { name: string; value: string }) => [h.name, h.value]),
    )
    expect(headers['X-Dispatch-Id']).toBe('disp-1')
    expect(headers['Message-ID']).toMatch(/^<CA.+@mail\.gmail\.com>$/)
    expect(headers['Message-ID']).not.toBe('<own-id@dispatch.local>')
    const sent = emu.mailbox(ME).sent.find((m) => m.id === r.json.id)!
    expect(sent.headers['x-dispatch-id']).toBe('disp-1')
    expect(emu.sends(ME).at(-1)!.recipients).toEqual(['buyer@example.com'])
  })

  it('rewrites a foreign From to the account and adds a missing Date', async () => {
    const r = await send(mime({ From: 'Mallory <boss@evil.example>', To: 'buyer@example.com', Subject: 'x' }))
    const sent = emu.mailbox(ME).sent.find((m) => m.id === r.json.id)!
    expect(sent.from).toBe(ME)
    expect(sent.headers.date).toBeTruthy()
  })

  it('delivers to another emulated mailbox without the Bcc header', async () => {
    await send(mime({ From: ME, To: 'other@gmail.com', Bcc: 'hidden@example.com', Subject: 'Copy' }))
    const copy = emu.mailbox('other@gmail.com').inbox.find((m) => m.subject === 'Copy')!
    expect(copy.labelIds).toContain('INBOX')
    expect(copy.headers.bcc).toBeUndefined()
    expect(emu.mailbox(ME).sent.find((m) => m.subject === 'Copy')!.headers.bcc).toBe('hidden@example.com')
  })

  it('threads a reply by threadId, References and subject, and not when the subject differs', async () => {
    const first = emu.deliver(
      ME,
      mime({ From: 'buyer@example.com', To: ME, Subject: 'Pricing', 'Message-ID': '<p1@example.com>' }),
    )
    const reply = await send(
      mime({
        From: ME,
        To: 'buyer@example.com',
        Subject: 'Re: Pricing',
        'In-Reply-To': '<p1@example.com>',
        References: '<p1@example.com>',
      }),
      { threadId: first.threadId },
    )
    expect(reply.json.threadId).toBe(first.threadId)
    const other = await send(
      mime({ From: ME, To: 'buyer@example.com', Subject: 'Something else', References: '<p1@example.com>' }),
      {
        threadId: first.threadId,
      },
    )
    expect(other.json.threadId).not.toBe(first.threadId)
    const missing = await send(mime({ From: ME, To: 'a@example.com', Subject: 'x' }), { threadId: 'ffffffffffffffff' })
    expect(missing.status).toBe(404)
  })

  it('accepts the media upload form (message/rfc822) and multipart upload', async () => {
    const media = await gmail('/upload/gmail/v1/users/me/messages/send?uploadType=media', {
      raw: mime({ From: ME, To: 'up@example.com', Subject: 'Uploaded' }),
      headers: { 'content-type': 'message/rfc822' },
    })
    expect(media.status).toBe(200)
    expect(emu.mailbox(ME).sent.find((m) => m.id === media.json.id)!.subject).toBe('Uploaded')
    const wrongType = await gmail('/upload/gmail/v1/users/me/messages/send?uploadType=media', {
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
    })
    expect(wrongType.status).toBe(400)
    expect(wrongType.json.error.message).toContain('Valid media types: [message/*]')
    const boundary = 'b0undary'
    const multipart = [
      `--${boundary}`,
      'Content-Type: application/json; charset=UTF-8',
      '',
      '{}',
      `--${boundary}`,
      'Content-Type: message/rfc822',
      '',
      mime({ From: ME, To: 'multi@example.com', Subject: 'Multipart upload' }),
      `--${boundary}--`,
      '',
    ].join('\r\n')
    const mp = await gmail('/upload/gmail/v1/users/me/messages/send?uploadType=multipart', {
      raw: multipart,
      headers: { 'content-type': `multipart/related; boundary=${boundary}` },
    })
    expect(mp.status).toBe(200)
    expect(emu.mailbox(ME).sent.find((m) => m.id === mp.json.id)!.recipients).toEqual(['multi@example.com'])
  })

  it.each([
    ['no raw', { raw: undefined }, "'raw' RFC822 payload message string"],
    [
      'standard base64',
      { raw: Buffer.from(`${mime({ To: 'a@example.com', Subject: '???>>>' })}~~~>>>`).toString('base64') },
      'Invalid value for ByteString',
    ],
    ['no recipient', { raw: b64url(mime({ From: ME, Subject: 'x' })) }, 'Recipient address required'],
    ['bad To', { raw: b64url(mime({ From: ME, To: 'not an address', Subject: 'x' })) }, 'Invalid To header'],
    [
      'injected header line',
      { raw: b64url(`From: ${ME}\r\nTo: a@example.com\r\nSubject: hi\r\nthis is not a header\r\n\r\nbody`) },
      'Invalid RFC822 message',
    ],
    [
      'duplicate Subject',
      { raw: b64url(`To: a@example.com\r\nSubject: one\r\nSubject: two\r\n\r\nbody`) },
      'Invalid Subject header',
    ],
    [
      'bare CR in a header',
      { raw: b64url(`To: a@example.com\r\nSubject: one\rBcc: x@example.com\r\n\r\nbody`) },
      'Invalid RFC822 message',
    ],
    ['unknown field', { raw: b64url(mime({ To: 'a@example.com' })), bogus: 1 }, 'Unknown name "bogus"'],
    [
      'wrong type',
      { raw: b64url(mime({ To: 'a@example.com' })), threadId: 12 },
      "Invalid value at 'message.thread_id'",
    ],
  ])('refuses %s with Gmail’s 400', async (_name, body, message) => {
    const r = await gmail('/gmail/v1/users/me/messages/send', { body })
    expect(r.status).toBe(400)
    expect(r.json.error.code).toBe(400)
    expect(r.json.error.status).toBe('INVALID_ARGUMENT')
    expect(r.json.error.message).toContain(message)
    expect(r.json.error.errors[0].domain).toBe('global')
  })
})

describe('users.messages.list and get', () => {
  it('filters with the q subset and pages with pageToken', async () => {
    const box = 'list@gmail.com'
    emu.addAccount({ provider: 'google', address: box })
    const l = api(emu, emu.issueToken(box).accessToken)
    for (let i = 0; i < 5; i++)
      emu.deliver(
        box,
        mime({
          From: `Seller ${i} <s${i}@shop.example>`,
          To: box,
          Subject: `Offer ${i}`,
          'Message-ID': `<offer${i}@shop.example>`,
        }),
      )
    emu.deliver(
      box,
      mime({ From: 'mailer-daemon@googlemail.com', To: box, Subject: 'Delivery Status Notification (Failure)' }),
    )
    const bySender = await l('/gmail/v1/users/me/messages?q=from:s3@shop.example')
    expect(bySender.json.messages).toHaveLength(1)
    const byId = await l(`/gmail/v1/users/me/messages?q=${encodeURIComponent('rfc822msgid:<offer2@shop.example>')}`)
    const got = await l(
      `/gmail/v1/users/me/messages/${byId.json.messages[0].id}?format=metadata&metadataHeaders=Subject`,
    )
    expect(got.json.payload.headers).toEqual([{ name: 'Subject', value: 'Offer 2' }])
    const phrase = await l(
      `/gmail/v1/users/me/messages?q=${encodeURIComponent('subject:"Delivery Status" newer_than:1d')}`,
    )
    expect(phrase.json.messages).toHaveLength(1)
    const none = await l('/gmail/v1/users/me/messages?q=in:sent')
    expect(none.json).toEqual({ resultSizeEstimate: 0 })
    const not = await l(`/gmail/v1/users/me/messages?q=${encodeURIComponent('-from:mailer-daemon subject:Offer')}`)
    expect(not.json.messages).toHaveLength(5)
    const page1 = await l('/gmail/v1/users/me/messages?maxResults=4&labelIds=INBOX')
    expect(page1.json.messages).toHaveLength(4)
    const page2 = await l(
      `/gmail/v1/users/me/messages?maxResults=4&labelIds=INBOX&pageToken=${page1.json.nextPageToken}`,
    )
    expect(page2.json.messages).toHaveLength(2)
    expect(page2.json.nextPageToken).toBeUndefined()
    const ids = [...page1.json.messages, ...page2.json.messages].map((m: { id: string }) => m.id)
    expect(new Set(ids).size).toBe(6)
    // Newest first.
    expect(ids[0]).toBe(emu.mailbox(box).inbox.at(-1)!.id)
  })

  it('returns raw, full and minimal formats', async () => {
    const sent = await send(
      mime({ From: ME, To: 'fmt@example.com', Subject: 'Formats', 'X-Dispatch-Id': 'fmt-1' }, 'Body text here'),
    )
    const raw = await gmail(`/gmail/v1/users/me/messages/${sent.json.id}?format=raw`)
    const text = Buffer.from(raw.json.raw, 'base64url').toString('utf8')
    expect(raw.json.raw).not.toMatch(/[+/]/)
    expect(text).toContain('X-Dispatch-Id: fmt-1')
    expect(raw.json.payload).toBeUndefined()
    const full = await gmail(`/gmail/v1/users/me/messages/${sent.json.id}?format=FULL`)
    expect(full.json.payload.mimeType).toBe('text/plain')
    expect(Buffer.from(full.json.payload.body.data, 'base64url').toString()).toContain('Body text here')
    expect(full.json.snippet).toBe('Body text here')
    const minimal = await gmail(`/gmail/v1/users/me/messages/${sent.json.id}?format=minimal`)
    expect(minimal.json.payload).toBeUndefined()
    expect(minimal.json.labelIds).toEqual(['SENT'])
    const fields = await gmail(`/gmail/v1/users/me/messages/${sent.json.id}?format=metadata&fields=id,payload/headers`)
    expect(Object.keys(fields.json).sort()).toEqual(['id', 'payload'])
    expect(Object.keys(fields.json.payload)).toEqual(['headers'])
  })

  it.each([
    [
      '/gmail/v1/users/me/messages/0123abcd?format=html',
      "Invalid value at 'format' (type.googleapis.com/google.apps.gmail.v1.GetMessageRequest.Format)",
    ],
    ['/gmail/v1/users/me/messages?maxResults=many', "Invalid value at 'max_results' (TYPE_UINT32)"],
    ['/gmail/v1/users/me/messages?includeSpamTrash=yes', "Invalid value at 'include_spam_trash' (TYPE_BOOL)"],
    ['/gmail/v1/users/me/messages?since=2024', 'Unknown name "since": Cannot bind query parameter'],
    ['/gmail/v1/users/me/history?startHistoryId=abc', "Invalid value at 'start_history_id' (TYPE_UINT64)"],
  ])('refuses %s', async (path, message) => {
    const r = await gmail(path)
    expect(r.status).toBe(400)
    expect(r.json.error.message).toContain(message)
  })

  it('answers 404 for an unknown message id', async () => {
    const r = await gmail('/gmail/v1/users/me/messages/0123456789abcdef')
    expect(r.status).toBe(404)
    expect(r.json.error.errors[0].reason).toBe('notFound')
  })
})

describe('users.history.list', () => {
  it('returns only what changed since startHistoryId, filtered by label, at a cost that grows with new mail', async () => {
    const box = 'hist@gmail.com'
    emu.addAccount({ provider: 'google', address: box })
    const h = api(emu, emu.issueToken(box).accessToken)
    emu.seedInbox(box, 10_000)
    const { historyId } = (await h('/gmail/v1/users/me/profile')).json
    for (let i = 0; i < 100; i++) emu.deliver(box, mime({ From: 'n@example.com', To: box, Subject: `New ${i}` }))
    await h('/gmail/v1/users/me/messages/send', {
      body: { raw: b64url(mime({ To: 'x@example.com', Subject: 'Mine' })) },
    })
    const started = performance.now()
    const r = await h(
      `/gmail/v1/users/me/history?startHistoryId=${historyId}&historyTypes=messageAdded&labelId=INBOX&maxResults=500`,
    )
    const ms = performance.now() - started
    expect(r.status).toBe(200)
    expect(r.json.history).toHaveLength(100)
    expect(r.json.history[0].messagesAdded[0].message.labelIds).toContain('INBOX')
    expect(Number(r.json.historyId)).toBeGreaterThan(Number(historyId))
    expect(ms).toBeLessThan(200)
    const paged = await h(`/gmail/v1/users/me/history?startHistoryId=${historyId}&maxResults=60`)
    expect(paged.json.history).toHaveLength(60)
    const rest = await h(
      `/gmail/v1/users/me/history?startHistoryId=${historyId}&maxResults=60&pageToken=${paged.json.nextPageToken}`,
    )
    expect(rest.json.history).toHaveLength(41)
    const latest = await h(`/gmail/v1/users/me/history?startHistoryId=${r.json.historyId}`)
    expect(latest.json.history).toBeUndefined()
  })

  it('answers 404 in Gmail’s shape once the start is older than the retained history', async () => {
    const small = await startEmulator({ historyRetention: 10 })
    try {
      small.addAccount({ provider: 'google', address: 'tiny@gmail.com' })
      const h = api(small, small.issueToken('tiny@gmail.com').accessToken)
      const { historyId } = (await h('/gmail/v1/users/me/profile')).json
      for (let i = 0; i < 30; i++)
        small.deliver('tiny@gmail.com', mime({ From: 'a@example.com', To: 'tiny@gmail.com', Subject: `m${i}` }))
      const r = await h(`/gmail/v1/users/me/history?startHistoryId=${historyId}`)
      expect(r.status).toBe(404)
      expect(r.json.error).toMatchObject({ code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' })
      const now = (await h('/gmail/v1/users/me/profile')).json.historyId
      expect((await h(`/gmail/v1/users/me/history?startHistoryId=${now}`)).status).toBe(200)
      small.expireHistory('tiny@gmail.com')
      small.deliver('tiny@gmail.com', mime({ From: 'a@example.com', To: 'tiny@gmail.com', Subject: 'late' }))
      expect((await h(`/gmail/v1/users/me/history?startHistoryId=${now}`)).status).toBe(404)
    } finally {
      await small.close()
    }
  })
})

describe('batch', () => {
  it('runs each part as its own request and counts the batch once', async () => {
    const ids = emu
      .mailbox(ME)
      .sent.slice(0, 3)
      .map((m) => m.id)
    const boundary = 'batch_foo'
    const parts = ids.map((id, i) =>
      [
        `--${boundary}`,
        'Content-Type: application/http',
        `Content-ID: <item${i}>`,
        '',
        `GET /gmail/v1/users/me/messages/${id}?format=metadata&metadataHeaders=Subject`,
        '',
      ].join('\r\n'),
    )
    parts.push(
      [
        `--${boundary}`,
        'Content-Type: application/http',
        'Content-ID: <bad>',
        '',
        'GET /gmail/v1/users/me/messages/0123456789abcdef',
        '',
      ].join('\r\n'),
    )
    emu.clearLog()
    const r = await gmail('/batch/gmail/v1', {
      raw: `${parts.join('\r\n')}\r\n--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
    })
    expect(r.status).toBe(200)
    const responseBoundary = /boundary=(\S+)/.exec(r.headers.get('content-type')!)![1]!
    const chunks = r.text.split(`--${responseBoundary}`).filter((c) => c.includes('HTTP/1.1'))
    expect(chunks).toHaveLength(4)
    expect(chunks[0]).toContain('Content-ID: <response-item0>')
    expect(chunks[0]).toContain('HTTP/1.1 200 OK')
    expect(chunks[3]).toContain('HTTP/1.1 404 Not Found')
    const log = emu.log({ area: 'gmail' })
    expect(log).toHaveLength(1)
    expect(log[0]!.parts).toHaveLength(4)
    expect(log[0]!.parts!.every((p) => p.inBatch)).toBe(true)
    expect(log[0]!.parts!.map((p) => p.status)).toEqual([200, 200, 200, 404])
  })

  it('refuses more than 100 calls', async () => {
    const boundary = 'many'
    const part = [`--${boundary}`, 'Content-Type: application/http', '', 'GET /gmail/v1/users/me/profile', ''].join(
      '\r\n',
    )
    const r = await gmail('/batch/gmail/v1', {
      raw: `${Array(101).fill(part).join('\r\n')}\r\n--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
    })
    expect(r.status).toBe(400)
  })
})

describe('drafts', () => {
  it('creates, lists and sends a draft', async () => {
    const created = await gmail('/gmail/v1/users/me/drafts', {
      body: { message: { raw: b64url(mime({ To: 'draft@example.com', Subject: 'Draft one' })) } },
    })
    expect(created.status).toBe(200)
    expect(created.json.message.labelIds).toEqual(['DRAFT'])
    const list = await gmail('/gmail/v1/users/me/drafts')
    expect(list.json.drafts.map((d: { id: string }) => d.id)).toContain(created.json.id)
    const sent = await gmail('/gmail/v1/users/me/drafts/send', { body: { id: created.json.id } })
    expect(sent.status).toBe(200)
    expect(sent.json.labelIds).toEqual(['SENT'])
    expect((await gmail(`/gmail/v1/users/me/drafts/${created.json.id}`)).status).toBe(404)
  })
})

describe('Message-ID knob', () => {
  it('keeps a well-formed Message-ID when set to keep', async () => {
    const keep = await startEmulator({ gmailMessageId: 'keep' })
    try {
      keep.addAccount({ provider: 'google', address: 'k@gmail.com' })
      const k = api(keep, keep.issueToken('k@gmail.com').accessToken)
      const r = await k('/gmail/v1/users/me/messages/send', {
        body: { raw: b64url(mime({ To: 'a@example.com', Subject: 'k', 'Message-ID': '<kept@dispatch.local>' })) },
      })
      expect(keep.mailbox('k@gmail.com').sent.find((m) => m.id === r.json.id)!.messageId).toBe('<kept@dispatch.local>')
    } finally {
      await keep.close()
    }
  })
})
