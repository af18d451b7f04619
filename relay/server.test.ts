import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { type AddressInfo, createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { dkimVerify } from 'mailauth'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RelayConfigInput, RelayLogEntry } from './config.ts'
import type { RelaySendRequest } from './protocol.ts'
import { createRelay, type Relay } from './server.ts'
import {
  type DkimTestKey,
  makeDkimKey,
  makeTestCertificate,
  startSmtpServer,
  stubResolver,
  type TestCertificate,
  type TestSmtpServer,
} from './test-support.ts'

const TOKEN = 'test-token-0123456789abcdef'
const OTHER_TOKEN = 'other-token-0123456789abcdef'
const EXTENSION_ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop'

let certificate: TestCertificate
let dkimKey: DkimTestKey
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(() => {
  certificate = makeTestCertificate()
  dkimKey = makeDkimKey()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'relay-test-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function smtp(options: Parameters<typeof startSmtpServer>[0]): Promise<TestSmtpServer> {
  const server = await startSmtpServer(options)
  cleanups.push(() => server.close())
  return server
}

interface Started {
  relay: Relay
  logs: RelayLogEntry[]
  dataDir: string
}

async function relayFor(
  server: TestSmtpServer,
  overrides: Omit<Partial<RelayConfigInput>, 'smtp'> & { smtp?: Partial<RelayConfigInput['smtp']> } = {},
  dataDir = tempDir(),
): Promise<Started> {
  const logs: RelayLogEntry[] = []
  const { smtp: smtpOverrides, ...rest } = overrides
  const relay = await createRelay(
    {
      listen: { host: '127.0.0.1', port: 0 },
      tokens: [{ name: 'alice', token: TOKEN }, OTHER_TOKEN],
      smtp: {
        host: '127.0.0.1',
        port: server.port,
        secure: false,
        username: 'team@dispatch.test',
        password: 'correct horse',
        tls: { ca: certificate.cert },
        timeoutMs: 5000,
        ...smtpOverrides,
      },
      domain: 'dispatch.test',
      dataDir,
      ...rest,
    },
    { log: (entry) => logs.push(entry) },
  )
  cleanups.push(() => relay.close())
  return { relay, logs, dataDir }
}

interface Reply {
  status: number
  headers: Headers
  body: Record<string, unknown> & { ok: boolean; error?: { code: string; message: string; retryable: boolean } }
}

async function call(relay: Relay, route: string, body?: unknown, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(`${relay.url}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
    ...init,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.headers as Record<string, string> | undefined),
    },
  })
  return { status: response.status, headers: response.headers, body: (await response.json()) as Reply['body'] }
}

function message(id: string, extra: Partial<RelaySendRequest> = {}): RelaySendRequest {
  return {
    id,
    from: { name: 'Rep One', address: 'rep@dispatch.test' },
    to: ['Prospect <prospect@example.com>'],
    cc: ['cc@example.com'],
    bcc: ['hidden@example.com'],
    subject: 'Quick question',
    html: '<p>Hello there</p>',
    text: 'Hello there',
    headers: { 'X-Dispatch-Campaign': 'c-42' },
    ...extra,
  }
}

const headerOf = (raw: Buffer, name: string): string | undefined => {
  const head = raw
    .toString('utf8')
    .split('\r\n\r\n')[0]!
    .replace(/\r\n[ \t]+/g, ' ')
  return head
    .split('\r\n')
    .find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    ?.slice(name.length + 1)
    .trim()
}

describe('delivery to a real SMTP server', () => {
  it('upgrades with STARTTLS on a 587-style port, logs in, and delivers with our headers', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server)

    const verified = await call(relay, '/v1/verify', {})
    expect(verified.status).toBe(200)
    expect(verified.body).toMatchObject({ ok: true, account: { username: 'team@dispatch.test', source: 'relay' } })

    const sent = await call(relay, '/v1/send', message('outbox-1'))
    expect(sent.status).toBe(200)
    expect(sent.body).toMatchObject({ ok: true })
    expect(sent.body.accepted).toEqual(['prospect@example.com', 'cc@example.com', 'hidden@example.com'])
    expect(sent.body.rejected).toEqual([])

    expect(server.received).toHaveLength(1)
    const got = server.received[0]!
    expect(got.secure).toBe(true)
    expect(got.user).toBe('team@dispatch.test')
    expect(got.from).toBe('rep@dispatch.test')
    expect(got.to).toEqual(['prospect@example.com', 'cc@example.com', 'hidden@example.com'])
    expect(headerOf(got.raw, 'X-Dispatch-Id')).toBe('outbox-1')
    expect(headerOf(got.raw, 'X-Dispatch-Campaign')).toBe('c-42')
    expect(headerOf(got.raw, 'Message-ID')).toBe(sent.body.messageId)
    expect(headerOf(got.raw, 'Bcc')).toBeUndefined()
    expect(got.raw.toString()).toContain('Hello there')
  })

  it('speaks TLS from the first byte on a 465-style port (secure derived from the port)', async () => {
    const server = await smtp({ tls: 'implicit', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    // On port 465 `secure` defaults to true (config.test.ts); the test server listens on a free port.
    const { relay } = await relayFor(server, { smtp: { secure: true } })
    expect((await call(relay, '/v1/verify', {})).body.ok).toBe(true)
    const sent = await call(relay, '/v1/send', message('outbox-tls'))
    expect(sent.body.ok).toBe(true)
    expect(server.received[0]?.secure).toBe(true)
    expect(server.received[0]?.user).toBe('team@dispatch.test')
  })

  it('threads replies with In-Reply-To and References', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server)
    const sent = await call(
      relay,
      '/v1/send',
      message('outbox-reply', { inReplyTo: '<a1@example.com>', references: ['<a0@example.com>', '<a1@example.com>'] }),
    )
    expect(sent.body.ok).toBe(true)
    const raw = server.received[0]!.raw
    expect(headerOf(raw, 'In-Reply-To')).toBe('<a1@example.com>')
    expect(headerOf(raw, 'References')).toBe('<a0@example.com> <a1@example.com>')
  })

  it('answers a wrong password with "Authentication unsuccessful" on verify and on send', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server, { smtp: { password: 'wrong' } })

    const verified = await call(relay, '/v1/verify', {})
    expect(verified.status).toBe(502)
    expect(verified.body.error).toMatchObject({
      code: 'auth_failed',
      message: 'Authentication unsuccessful',
      retryable: false,
      smtpCode: 535,
    })
    const sent = await call(relay, '/v1/send', message('outbox-badpw'))
    expect(sent.body.error).toMatchObject({ code: 'auth_failed', message: 'Authentication unsuccessful' })
    expect(server.received).toHaveLength(0)
  })

  it('refuses a certificate it was not told to trust (no insecure default)', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server, { smtp: { tls: {} } })
    const verified = await call(relay, '/v1/verify', {})
    expect(verified.body.error).toMatchObject({ code: 'tls_failed', retryable: false })
  })

  it('refuses to log in over a server that offers no STARTTLS', async () => {
    const server = await smtp({ tls: 'plain', users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server)
    const verified = await call(relay, '/v1/verify', {})
    expect(verified.body.error).toMatchObject({ code: 'tls_failed' })
  })

  it('reports an unreachable server as a retryable connection failure', async () => {
    const server = await smtp({ tls: 'starttls', certificate })
    const port = server.port
    await server.close()
    const { relay } = await relayFor({ ...server, port })
    const sent = await call(relay, '/v1/send', message('outbox-down'))
    expect(sent.body.error).toMatchObject({ code: 'connection_failed', retryable: true })
  })

  it('reports a server that never answers as a retryable timeout', async () => {
    const silent = createNetServer(() => {
      // accepts the connection and never sends a greeting
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => {
      silent.close()
    })
    const port = (silent.address() as AddressInfo).port
    const { relay } = await relayFor({ port } as TestSmtpServer, { smtp: { timeoutMs: 300 } })
    const verified = await call(relay, '/v1/verify', {})
    expect(verified.status).toBe(504)
    expect(verified.body.error).toMatchObject({ code: 'timeout', retryable: true })
  })

  it('maps SMTP 4xx to retryable and 5xx to permanent, and reports partly rejected recipients', async () => {
    const server = await smtp({
      tls: 'starttls',
      certificate,
      users: { 'team@dispatch.test': 'correct horse' },
      rcptReply: (address) => (address.startsWith('full') ? 452 : address.startsWith('nobody') ? 550 : undefined),
    })
    const { relay } = await relayFor(server)

    const soft = await call(relay, '/v1/send', message('m-4xx', { to: ['full@example.com'], cc: [], bcc: [] }))
    expect(soft.body.error).toMatchObject({ code: 'smtp_temporary', retryable: true, smtpCode: 452 })
    const hard = await call(relay, '/v1/send', message('m-5xx', { to: ['nobody@example.com'], cc: [], bcc: [] }))
    expect(hard.body.error).toMatchObject({ code: 'smtp_rejected', retryable: false, smtpCode: 550 })

    const partial = await call(
      relay,
      '/v1/send',
      message('m-partial', { to: ['ok@example.com', 'nobody@example.com'], cc: [], bcc: [] }),
    )
    expect(partial.body).toMatchObject({ ok: true, accepted: ['ok@example.com'], rejected: ['nobody@example.com'] })
    expect(server.received.map((m) => m.to)).toEqual([['ok@example.com']])
  })
})

describe('DKIM', () => {
  it('signs with the configured key, and a DKIM verifier passes the signature', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const keyDir = tempDir()
    const keyPath = path.join(keyDir, 'dkim.pem')
    writeFileSync(keyPath, dkimKey.privateKey)
    const { relay } = await relayFor(server, { dkim: { selector: 'dispatch1', privateKeyPath: keyPath } })

    const verified = await call(relay, '/v1/verify', {})
    expect(verified.body.dkim).toEqual({ domain: 'dispatch.test', selector: 'dispatch1' })
    const sent = await call(relay, '/v1/send', message('outbox-dkim'))
    expect(sent.body.ok).toBe(true)

    const raw = server.received[0]!.raw
    const resolver = stubResolver({ 'dispatch1._domainkey.dispatch.test': dkimKey.dnsRecord })
    const result = await dkimVerify(raw, { resolver })
    expect(result.results).toHaveLength(1)
    expect(result.results[0]).toMatchObject({ signingDomain: 'dispatch.test', selector: 'dispatch1' })
    expect(result.results[0]!.status.result).toBe('pass')
    // The signature covers our headers: the verifier must fail it once one is altered.
    const tampered = Buffer.from(raw.toString('utf8').replace(/^(x-dispatch-id:\s*)outbox-dkim/im, '$1outbox-forged'))
    expect(headerOf(raw, 'DKIM-Signature')).toMatch(/h=[^;]*x-dispatch-id/i)
    expect(tampered.equals(raw)).toBe(false)
    const forged = await dkimVerify(tampered, { resolver })
    expect(forged.results[0]!.status.result).toBe('fail')
  })

  it('sends unsigned when no key is configured', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server)
    await call(relay, '/v1/send', message('outbox-nodkim'))
    expect(headerOf(server.received[0]!.raw, 'DKIM-Signature')).toBeUndefined()
  })
})

describe('idempotency on the outbox id', () => {
  it('answers a repeated id with the first result and delivers once', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server)
    const first = await call(relay, '/v1/send', message('outbox-same'))
    const second = await call(relay, '/v1/send', message('outbox-same'))
    expect(second.body).toEqual(first.body)
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    expect(server.received).toHaveLength(1)
  })

  it('delivers once when the same id arrives concurrently', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server)
    const replies = await Promise.all(Array.from({ length: 6 }, () => call(relay, '/v1/send', message('outbox-race'))))
    expect(new Set(replies.map((r) => JSON.stringify(r.body))).size).toBe(1)
    expect(replies[0]!.body.ok).toBe(true)
    expect(server.received).toHaveLength(1)
  })

  it('remembers ids across a restart of the relay', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const dataDir = tempDir()
    const before = await relayFor(server, {}, dataDir)
    const first = await call(before.relay, '/v1/send', message('outbox-restart'))
    await before.relay.close()

    const after = await relayFor(server, {}, dataDir)
    const again = await call(after.relay, '/v1/send', message('outbox-restart'))
    expect(again.body).toEqual(first.body)
    expect(server.received).toHaveLength(1)
    expect(after.logs.find((l) => l.event === 'listening')?.remembered_ids).toBe(1)
  })

  it('sends again after a retryable failure, since nothing was accepted the first time', async () => {
    let busy = true
    const server = await smtp({
      tls: 'starttls',
      certificate,
      users: { 'team@dispatch.test': 'correct horse' },
      rcptReply: () => (busy ? 451 : undefined),
    })
    const { relay } = await relayFor(server)
    const first = await call(relay, '/v1/send', message('outbox-retry'))
    expect(first.body.error).toMatchObject({ retryable: true })
    busy = false
    const second = await call(relay, '/v1/send', message('outbox-retry'))
    expect(second.body.ok).toBe(true)
    const third = await call(relay, '/v1/send', message('outbox-retry'))
    expect(third.body).toEqual(second.body)
    expect(server.received).toHaveLength(1)
  })

  it('keeps each caller’s ids apart', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server)
    await call(relay, '/v1/send', message('outbox-shared'))
    const other = await call(relay, '/v1/send', message('outbox-shared'), {
      headers: { authorization: `Bearer ${OTHER_TOKEN}` },
    })
    expect(other.headers.get('idempotent-replayed')).toBeNull()
    expect(server.received).toHaveLength(2)
  })
})

describe('rate cap', () => {
  it('queues messages to the provider cap instead of failing them', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server, { rateCap: '8/s' })
    const health = await call(relay, '/v1/health')
    expect(health.body.rateCap).toEqual({ messages: 8, perSeconds: 1 })

    const n = 6
    const started = performance.now()
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => call(relay, '/v1/send', message(`outbox-cap-${i}`))),
    )
    const elapsed = performance.now() - started
    expect(replies.every((r) => r.body.ok)).toBe(true)
    expect(server.received).toHaveLength(n)
    expect(elapsed).toBeGreaterThanOrEqual(((n - 1) / 8) * 1000 - 5)
    // Arrivals at the server are spaced too, not sent in a burst after a wait: the k-th message to
    // arrive cannot have started before k intervals had passed.
    const arrivals = server.received.map((m) => m.receivedAt - started).sort((a, b) => a - b)
    arrivals.forEach((arrival, k) => {
      expect(arrival).toBeGreaterThanOrEqual((k * 1000) / 8)
    })
  })
})

describe('closing', () => {
  it('answers messages still waiting for a rate-cap slot with a retryable shutting_down, and sends them never', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    const { relay } = await relayFor(server, { rateCap: '1/min' })
    expect((await call(relay, '/v1/send', message('outbox-first'))).body.ok).toBe(true)
    const queued = call(relay, '/v1/send', message('outbox-queued'))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await call(relay, '/v1/health')).body.queued).toBe(1)

    const started = performance.now()
    await relay.close()
    expect(performance.now() - started).toBeLessThan(2000)
    const reply = await queued
    expect(reply.status).toBe(503)
    expect(reply.body.error).toMatchObject({ code: 'shutting_down', retryable: true })
    expect(server.received).toHaveLength(1)
  })
})

describe('the HTTP surface', () => {
  let server: TestSmtpServer
  let started: Started
  beforeAll(async () => {
    server = await startSmtpServer({ tls: 'starttls', certificate, users: { 'team@dispatch.test': 'correct horse' } })
    started = await relayFor(server, { maxRequestBytes: 4096 })
    // These outlive one test: take them off the per-test cleanup list.
    cleanups.splice(0)
  })
  afterAll(async () => {
    await started.relay.close()
    await server.close()
    rmSync(started.dataDir, { recursive: true, force: true })
  })

  it('serves health without a token', async () => {
    const health = await fetch(`${started.relay.url}/v1/health`)
    expect(health.status).toBe(200)
    const body = (await health.json()) as Record<string, unknown>
    const version = (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    ).version
    expect(body).toEqual({ ok: true, version, rateCap: null, queued: 0 })
  })

  it('answers 401 to a missing or wrong token, for every route but health', async () => {
    for (const auth of [undefined, 'Bearer not-the-token-at-all', `Basic ${TOKEN}`]) {
      for (const route of ['/v1/verify', '/v1/send']) {
        const response = await fetch(`${started.relay.url}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
          body: JSON.stringify(message('outbox-401')),
        })
        expect(response.status).toBe(401)
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
        expect(((await response.json()) as Reply['body']).error?.code).toBe('unauthorized')
      }
    }
    expect(server.received.filter((m) => headerOf(m.raw, 'X-Dispatch-Id') === 'outbox-401')).toHaveLength(0)
  })

  it('answers CORS preflights from extension origins and refuses web origins', async () => {
    const preflight = await fetch(`${started.relay.url}/v1/send`, {
      method: 'OPTIONS',
      headers: {
        origin: EXTENSION_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(EXTENSION_ORIGIN)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization')

    const actual = await call(started.relay, '/v1/verify', {}, { headers: { origin: EXTENSION_ORIGIN } })
    expect(actual.headers.get('access-control-allow-origin')).toBe(EXTENSION_ORIGIN)

    for (const origin of ['https://evil.example', 'chrome-extension://x/../y', 'moz-extension://abc']) {
      const refused = await fetch(`${started.relay.url}/v1/send`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      })
      expect(refused.status).toBe(403)
      expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    }
    const forged = await call(started.relay, '/v1/send', message('outbox-cors'), {
      headers: { origin: 'https://evil.example' },
    })
    expect(forged.status).toBe(403)
    expect(forged.body.error?.code).toBe('origin_not_allowed')
  })

  it('answers 413 to a body over the limit, declared or streamed', async () => {
    const big = message('outbox-big', { html: 'x'.repeat(8000) })
    const declared = await call(started.relay, '/v1/send', big)
    expect(declared.status).toBe(413)
    expect(declared.body.error?.code).toBe('request_too_large')

    // Chunked, so the relay only learns the size while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${started.relay.url}/v1/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.write(JSON.stringify(big).slice(0, 3000))
      setTimeout(() => req.end(JSON.stringify(big).slice(3000)), 20)
    })
    expect(status).toBe(413)
    expect(server.received.filter((m) => headerOf(m.raw, 'X-Dispatch-Id') === 'outbox-big')).toHaveLength(0)
  })

  it('refuses CR/LF in any header field, so nothing can be injected', async () => {
    const attempts: Partial<RelaySendRequest>[] = [
      { subject: 'Hi\r\nBcc: victim@example.com' },
      { subject: 'Hi\nBcc: victim@example.com' },
      { from: { name: 'Rep\r\nBcc: victim@example.com', address: 'rep@dispatch.test' } },
      { to: ['prospect@example.com\r\nBcc: victim@example.com'] },
      { headers: { 'X-Note': 'a\r\nBcc: victim@example.com' } },
      { headers: { 'X-Note\r\nBcc': 'victim@example.com' } },
      { inReplyTo: '<a@b>\r\nBcc: victim@example.com' },
      { references: ['<a@b>', '<c@d>\nBcc: victim@example.com'] },
    ]
    for (const [i, extra] of attempts.entries()) {
      const reply = await call(started.relay, '/v1/send', message(`outbox-crlf-${i}`, extra))
      expect(reply.status, JSON.stringify(extra)).toBe(400)
      expect(reply.body.error, JSON.stringify(extra)).toMatchObject({ code: 'header_injection', retryable: false })
    }
    expect(server.received.some((m) => m.to.includes('victim@example.com'))).toBe(false)
  })

  it('validates the request: header names, recipients, from domain, JSON', async () => {
    const cases: [unknown, number, string][] = [
      [message('v1', { headers: { Subject: 'x' } }), 400, 'header_not_allowed'],
      [message('v2', { headers: { 'X-Dispatch-Id': 'spoof' } }), 400, 'header_not_allowed'],
      [message('v3', { to: [], cc: [], bcc: [] }), 400, 'invalid_request'],
      [message('v4', { to: ['not an address'] }), 400, 'invalid_request'],
      [message('v5', { to: ['a@example.com, b@example.com'] }), 400, 'invalid_request'],
      [message('v6', { from: 'rep@elsewhere.example' }), 403, 'from_not_allowed'],
      [{ ...message('v7'), attachments: [] }, 400, 'invalid_request'],
      [message('bad id with spaces'), 400, 'invalid_request'],
    ]
    for (const [body, status, code] of cases) {
      const reply = await call(started.relay, '/v1/send', body)
      expect([reply.status, reply.body.error?.code], JSON.stringify(body)).toEqual([status, code])
    }
    const mismatch = await call(started.relay, '/v1/send', message('v9'), { headers: { 'x-dispatch-id': 'v10' } })
    expect(mismatch.body.error?.code).toBe('invalid_request')
    const notJson = await call(started.relay, '/v1/send', undefined, { method: 'POST', body: '{"id":' })
    expect(notJson.status).toBe(415)
    const broken = await call(started.relay, '/v1/send', undefined, {
      method: 'POST',
      body: '{"id":',
      headers: { 'content-type': 'application/json' },
    })
    expect(broken.body.error?.code).toBe('invalid_json')
    expect((await call(started.relay, '/v1/nothing')).status).toBe(404)
    expect((await call(started.relay, '/v1/send')).status).toBe(405)
  })

  it('logs one JSON line per request, without tokens, passwords, addresses or content', async () => {
    const before = started.logs.length
    await call(started.relay, '/v1/send', message('outbox-log', { subject: 'Secret plans' }))
    await call(started.relay, '/v1/send', message('outbox-log'))
    await fetch(`${started.relay.url}/v1/health`)
    const lines = started.logs.slice(before)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatchObject({
      route: '/v1/send',
      method: 'POST',
      id: 'outbox-log',
      status: 200,
      caller: 'alice',
    })
    expect(lines[1]).toMatchObject({ id: 'outbox-log', replay: true })
    expect(lines[2]).toMatchObject({ route: '/v1/health', status: 200 })
    for (const line of lines) {
      expect(typeof line.duration_ms).toBe('number')
      expect(typeof line.time).toBe('string')
    }
    const text = JSON.stringify(started.logs)
    for (const secret of [TOKEN, 'correct horse', 'Secret plans', 'Hello there', 'prospect@example.com']) {
      expect(text).not.toContain(secret)
    }
  })
})

describe('rep credentials (posted to /v1/verify)', () => {
  const users = { 'team@dispatch.test': 'correct horse', 'rep@dispatch.test': 'rep secret' }

  it('stores a login only once it works, encrypted, and sends with it', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users })
    const { relay, dataDir } = await relayFor(server, { allowRepCredentials: true })

    const wrong = await call(relay, '/v1/verify', { smtp: { username: 'rep@dispatch.test', password: 'typo' } })
    expect(wrong.body.error).toMatchObject({ code: 'auth_failed', message: 'Authentication unsuccessful' })
    // Nothing stored: sends still use the relay's login.
    await call(relay, '/v1/send', message('outbox-before'))
    expect(server.received.at(-1)?.user).toBe('team@dispatch.test')

    const right = await call(relay, '/v1/verify', { smtp: { username: 'rep@dispatch.test', password: 'rep secret' } })
    expect(right.body).toMatchObject({ ok: true, account: { username: 'rep@dispatch.test', source: 'rep' } })
    await call(relay, '/v1/send', message('outbox-after'))
    expect(server.received.at(-1)?.user).toBe('rep@dispatch.test')

    // A later wrong password does not replace the working login.
    await call(relay, '/v1/verify', { smtp: { username: 'rep@dispatch.test', password: 'typo again' } })
    await call(relay, '/v1/send', message('outbox-still'))
    expect(server.received.at(-1)?.user).toBe('rep@dispatch.test')

    // Another caller is not affected.
    await call(relay, '/v1/send', message('outbox-other'), { headers: { authorization: `Bearer ${OTHER_TOKEN}` } })
    expect(server.received.at(-1)?.user).toBe('team@dispatch.test')

    const stored = readFileSync(path.join(dataDir, 'rep-credentials.json'), 'utf8')
    expect(stored).not.toContain('rep secret')
    expect(stored).not.toContain('rep@dispatch.test')

    const removed = await fetch(`${relay.url}/v1/credentials`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(await removed.json()).toEqual({ ok: true, removed: true })
    await call(relay, '/v1/send', message('outbox-removed'))
    expect(server.received.at(-1)?.user).toBe('team@dispatch.test')
  })

  it('says so, instead of sending as the relay, when a stored login no longer opens', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users })
    const dataDir = tempDir()
    const firstKey = Buffer.alloc(32, 1).toString('base64')
    const before = await relayFor(server, { allowRepCredentials: true, credentialKey: firstKey }, dataDir)
    await call(before.relay, '/v1/verify', { smtp: { username: 'rep@dispatch.test', password: 'rep secret' } })
    await before.relay.close()

    const otherKey = Buffer.alloc(32, 2).toString('base64')
    const after = await relayFor(server, { allowRepCredentials: true, credentialKey: otherKey }, dataDir)
    const sent = await call(after.relay, '/v1/send', message('outbox-rekeyed'))
    expect(sent.body.error).toMatchObject({ code: 'auth_failed', retryable: false })
    expect(sent.body.error?.message).toMatch(/Authenticate and Save again/)
    expect(server.received).toHaveLength(0)
    // Authenticate and Save again replaces it.
    await call(after.relay, '/v1/verify', { smtp: { username: 'rep@dispatch.test', password: 'rep secret' } })
    expect((await call(after.relay, '/v1/send', message('outbox-rekeyed-2'))).body.ok).toBe(true)
    expect(server.received.at(-1)?.user).toBe('rep@dispatch.test')
  })

  it('refuses posted credentials unless the relay allows them', async () => {
    const server = await smtp({ tls: 'starttls', certificate, users })
    const { relay } = await relayFor(server)
    const reply = await call(relay, '/v1/verify', { smtp: { username: 'rep@dispatch.test', password: 'rep secret' } })
    expect(reply.status).toBe(403)
    expect(reply.body.error?.code).toBe('rep_credentials_disabled')
  })
})
