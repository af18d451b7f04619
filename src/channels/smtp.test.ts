import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { dkimVerify } from 'mailauth'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RelayConfigInput } from '../../relay/config.ts'
import { createRelay } from '../../relay/server.ts'
import {
  type DkimTestKey,
  makeDkimKey,
  makeTestCertificate,
  startSmtpServer,
  stubResolver,
  type TestCertificate,
  type TestSmtpServer,
} from '../../relay/test-support.ts'
import type { OutboxRow } from '../core/types.ts'
import { type ChannelContext, ProviderError } from './channel.ts'
import { createSmtpChannel, relaySendRequest, verifyRelay } from './smtp.ts'

/**
 * The Custom SMTP channel against the real relay (relay/server.ts) and a real SMTP server on
 * loopback: what the outbox scheduler sees for every way a send can go.
 */

const TOKEN = 'channel-test-token-0123456789'
const USER = 'team@dispatch.test'
const PASSWORD = 'correct horse'

let certificate: TestCertificate
let dkim: DkimTestKey
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(() => {
  certificate = makeTestCertificate()
  dkim = makeDkimKey()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function smtpServer(
  users: Record<string, string> = { [USER]: PASSWORD },
  rcptReply?: (a: string) => number | undefined,
) {
  const server = await startSmtpServer({ tls: 'starttls', certificate, users, rcptReply })
  cleanups.push(() => server.close())
  return server
}

async function relayFor(server: TestSmtpServer, overrides: Partial<RelayConfigInput> = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'smtp-channel-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const relay = await createRelay(
    {
      listen: { host: '127.0.0.1', port: 0 },
      tokens: [TOKEN],
      smtp: {
        host: '127.0.0.1',
        port: server.port,
        secure: false,
        username: USER,
        password: PASSWORD,
        tls: { ca: certificate.cert },
        timeoutMs: 3000,
      },
      domain: 'dispatch.test',
      dkim: { selector: 'dispatch1', privateKey: dkim.privateKey },
      dataDir,
      ...overrides,
    },
    { log: () => undefined },
  )
  cleanups.push(() => relay.close())
  return relay
}

function row(id: string, patch: Partial<OutboxRow['message']> = {}): OutboxRow {
  return {
    id,
    mailboxId: 'smtp:relay',
    channel: 'smtp',
    origin: 'page',
    state: 'sending',
    message: {
      to: ['Prospect <prospect@example.com>'],
      cc: [],
      bcc: [],
      subject: 'Quick question',
      html: '<p>Hello from the relay</p>',
      text: 'Hello from the relay',
      ...patch,
    },
    recipientCount: 1,
    createdAt: 0,
    notBefore: 0,
    nextAttemptAt: 0,
    attempts: 1,
    log: [],
  }
}

const ctx: ChannelContext = {
  account: null,
  from: { name: 'Rep One', address: 'rep@dispatch.test' },
  token: () => Promise.resolve(TOKEN),
  invalidate: () => Promise.resolve(),
}

function header(raw: Buffer, name: string): string | undefined {
  const head = raw
    .toString('utf8')
    .split('\r\n\r\n')[0]!
    .replace(/\r\n[ \t]+/g, ' ')
  return head
    .split('\r\n')
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    ?.slice(name.length + 1)
    .trim()
}

async function caught(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ProviderError)
  return err as ProviderError
}

async function closedPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
  const port = (probe.address() as { port: number }).port
  await new Promise<void>((r) => probe.close(() => r()))
  return port
}

describe('Custom SMTP channel through the relay', () => {
  it('delivers a DKIM-signed message carrying our X-Dispatch-Id, and reports its Message-ID', async () => {
    const server = await smtpServer()
    const relay = await relayFor(server)
    const channel = createSmtpChannel(async () => ({ url: `${relay.url}/`, token: TOKEN }))

    const sent = await channel.send(row('0b6f6d2e-0000-4000-8000-000000000001'), ctx, async () => undefined)
    expect(server.received).toHaveLength(1)
    const raw = server.received[0]!.raw
    expect(header(raw, 'X-Dispatch-Id')).toBe('0b6f6d2e-0000-4000-8000-000000000001')
    expect(header(raw, 'From')).toBe('Rep One <rep@dispatch.test>')
    expect(sent.messageId).toBe(header(raw, 'Message-ID'))
    expect(sent.providerMessageId).toBe(sent.messageId)
    const verdict = await dkimVerify(raw, {
      resolver: stubResolver({ 'dispatch1._domainkey.dispatch.test': dkim.dnsRecord }),
    })
    expect(verdict.results[0]).toMatchObject({ signingDomain: 'dispatch.test', status: { result: 'pass' } })
  })

  it('finds a sent message by re-posting its id: the relay replays the first answer and sends nothing', async () => {
    const server = await smtpServer()
    const relay = await relayFor(server)
    const channel = createSmtpChannel(async () => ({ url: relay.url, token: TOKEN }))
    const r = row('0b6f6d2e-0000-4000-8000-000000000002')
    const first = await channel.send(r, ctx, async () => undefined)
    expect(await channel.findSent(r, ctx)).toEqual(first)
    expect(await channel.send(r, ctx, async () => undefined)).toEqual(first)
    expect(server.received).toHaveLength(1)
  })

  it('reconciling a row the relay never saw sends it exactly once', async () => {
    const server = await smtpServer()
    const relay = await relayFor(server)
    const channel = createSmtpChannel(async () => ({ url: relay.url, token: TOKEN }))
    const r = row('0b6f6d2e-0000-4000-8000-000000000003')
    const found = await channel.findSent(r, ctx)
    expect(found?.messageId).toMatch(/^<.+@dispatch\.test>$/)
    await channel.send(r, ctx, async () => undefined)
    expect(server.received).toHaveLength(1)
  })

  it('keeps messages waiting (auth) on a wrong SMTP password or a wrong relay token', async () => {
    const server = await smtpServer()
    const relay = await relayFor(server, {
      smtp: {
        host: '127.0.0.1',
        port: server.port,
        secure: false,
        username: USER,
        password: 'wrong',
        tls: { ca: certificate.cert },
        timeoutMs: 3000,
      },
    })
    const badLogin = await caught(
      createSmtpChannel(async () => ({ url: relay.url, token: TOKEN })).send(
        row('id-badpw'),
        ctx,
        async () => undefined,
      ),
    )
    expect(badLogin.code).toBe('relay_auth_failed')
    expect(badLogin.feedback).toEqual({ kind: 'auth' })

    const badToken = await caught(
      createSmtpChannel(async () => ({ url: relay.url, token: 'not-the-token-0123456789' })).send(
        row('id-badtoken'),
        ctx,
        async () => undefined,
      ),
    )
    expect(badToken.code).toBe('relay_token_rejected')
    expect(badToken.feedback.kind).toBe('auth')
    expect(server.received).toHaveLength(0)
  })

  it('fails a message the SMTP server refuses, with the server’s words', async () => {
    const server = await smtpServer(undefined, (a) => (a.startsWith('nobody@') ? 550 : undefined))
    const relay = await relayFor(server)
    const channel = createSmtpChannel(async () => ({ url: relay.url, token: TOKEN }))
    const err = await caught(channel.send(row('id-550', { to: ['nobody@example.com'] }), ctx, async () => undefined))
    expect(err.code).toBe('provider_rejected')
    expect(err.feedback.kind).toBe('permanent')
    expect(err.params?.[0]).toMatch(/550/)
  })

  it('retries when the SMTP server is down; the relay kept no trace, so reconciling finds nothing', async () => {
    const server = await smtpServer()
    const relay = await relayFor(server)
    await server.close()
    const channel = createSmtpChannel(async () => ({ url: relay.url, token: TOKEN }))
    const err = await caught(channel.send(row('id-down'), ctx, async () => undefined))
    expect(err.feedback).toMatchObject({ kind: 'transient', maybeSent: false })
    expect(await channel.findSent(row('id-down'), ctx)).toBeNull()
  })

  it('treats a relay it cannot reach as "maybe sent": reconciliation must ask again, not assume', async () => {
    const port = await closedPort()
    const channel = createSmtpChannel(async () => ({ url: `http://127.0.0.1:${port}`, token: TOKEN }))
    const err = await caught(channel.send(row('id-unreachable'), ctx, async () => undefined))
    expect(err.code).toBe('network')
    expect(err.feedback).toMatchObject({ kind: 'transient', maybeSent: true })
    await expect(channel.findSent(row('id-unreachable'), ctx)).rejects.toBeInstanceOf(ProviderError)
  })

  it('waits, without sending, while Custom SMTP is not set up', async () => {
    const channel = createSmtpChannel(async () => null)
    const err = await caught(channel.send(row('id-unset'), ctx, async () => undefined))
    expect(err.code).toBe('channel_not_configured')
    expect(err.feedback.kind).toBe('auth')
    const noFrom = createSmtpChannel(async () => ({ url: 'http://127.0.0.1:1', token: TOKEN }))
    expect(
      (await caught(noFrom.send(row('id-nofrom'), { ...ctx, from: { name: '', address: '' } }, async () => undefined)))
        .code,
    ).toBe('channel_not_configured')
  })

  it('counts delivery_unknown as sent: the relay will never send that id again', async () => {
    const posted: string[] = []
    const stub: typeof fetch = async (input) => {
      posted.push(String(input))
      return new Response(
        JSON.stringify({ ok: false, error: { code: 'delivery_unknown', message: 'relay stopped', retryable: false } }),
        { status: 502, headers: { 'Content-Type': 'application/json' } },
      )
    }
    const channel = createSmtpChannel(async () => ({ url: 'https://relay.example', token: TOKEN }), stub)
    expect(await channel.send(row('id-unknown'), ctx, async () => undefined)).toEqual({
      providerMessageId: 'relay:id-unknown',
    })
    expect(await channel.findSent(row('id-unknown'), ctx)).toEqual({ providerMessageId: 'relay:id-unknown' })
    expect(posted).toEqual(['https://relay.example/v1/send', 'https://relay.example/v1/send'])
  })

  it('reads a proxy’s non-JSON answers by status', async () => {
    const answer = (status: number, headers: Record<string, string> = {}) =>
      createSmtpChannel(
        async () => ({ url: 'https://relay.example', token: TOKEN }),
        async () => new Response('<html>busy</html>', { status, headers }),
      )
    expect(
      (await caught(answer(429, { 'Retry-After': '7' }).send(row('a'), ctx, async () => undefined))).feedback,
    ).toEqual({
      kind: 'rate',
      retryAfterMs: 7000,
    })
    expect((await caught(answer(502).send(row('b'), ctx, async () => undefined))).feedback).toMatchObject({
      kind: 'transient',
      maybeSent: true,
    })
    expect((await caught(answer(401).send(row('c'), ctx, async () => undefined))).code).toBe('relay_token_rejected')
    expect((await caught(answer(404).send(row('d'), ctx, async () => undefined))).code).toBe('relay_error')
  })
})

describe('relaySendRequest', () => {
  it('carries the outbox id, threading and campaign, and only the bodies that exist', () => {
    const r = {
      ...row('id-1', { html: '', text: 'plain', inReplyTo: '<a@x>', references: ['<z@x>', '<a@x>'] }),
      campaignId: 'c-9',
    }
    expect(relaySendRequest(r, { name: '', address: 'rep@dispatch.test' })).toEqual({
      id: 'id-1',
      from: 'rep@dispatch.test',
      to: ['Prospect <prospect@example.com>'],
      cc: [],
      bcc: [],
      subject: 'Quick question',
      text: 'plain',
      headers: { 'X-Dispatch-Campaign': 'c-9' },
      inReplyTo: '<a@x>',
      references: ['<z@x>', '<a@x>'],
    })
    expect(relaySendRequest(row('id-2'), ctx.from)).toMatchObject({
      html: '<p>Hello from the relay</p>',
      text: 'Hello from the relay',
    })
  })
})

describe('verifyRelay (Authenticate and Save)', () => {
  it('returns the relay’s account, domain, DKIM selector and rate cap', async () => {
    const server = await smtpServer()
    const relay = await relayFor(server, { rateCap: '30/min' })
    expect(await verifyRelay({ url: relay.url, token: TOKEN }, undefined)).toEqual({
      ok: true,
      account: { username: USER, source: 'relay' },
      domain: 'dispatch.test',
      dkim: { domain: 'dispatch.test', selector: 'dispatch1' },
      rateCap: { messages: 30, perSeconds: 60 },
    })
  })

  it('says "Authentication unsuccessful" for a rep’s wrong password, and keeps the working login', async () => {
    const server = await smtpServer({ [USER]: PASSWORD, 'rep@dispatch.test': 'rep-secret' })
    const relay = await relayFor(server, { allowRepCredentials: true })
    const endpoint = { url: relay.url, token: TOKEN }
    expect((await verifyRelay(endpoint, { username: 'rep@dispatch.test', password: 'rep-secret' })).account).toEqual({
      username: 'rep@dispatch.test',
      source: 'rep',
    })
    await expect(verifyRelay(endpoint, { username: 'rep@dispatch.test', password: 'typo' })).rejects.toMatchObject({
      code: 'relay_auth_failed',
    })
    // The relay still sends with the login that worked.
    await createSmtpChannel(async () => endpoint).send(row('id-after-typo'), ctx, async () => undefined)
    expect(server.received.map((m) => m.user)).toEqual(['rep@dispatch.test'])
  })

  it('names each configuration problem', async () => {
    const server = await smtpServer()
    const relay = await relayFor(server)
    await expect(verifyRelay({ url: relay.url, token: 'wrong-token-0123456789' }, undefined)).rejects.toMatchObject({
      code: 'relay_token_rejected',
    })
    await expect(verifyRelay({ url: relay.url, token: TOKEN }, { username: 'a', password: 'b' })).rejects.toMatchObject(
      {
        code: 'relay_rep_login_disabled',
      },
    )
    const port = await closedPort()
    await expect(verifyRelay({ url: `http://127.0.0.1:${port}`, token: TOKEN }, undefined)).rejects.toMatchObject({
      code: 'relay_unreachable',
      params: [`http://127.0.0.1:${port}`],
    })
    await expect(
      verifyRelay(
        { url: 'https://not-a-relay.example', token: TOKEN },
        undefined,
        async () => new Response('<html/>', { status: 404 }),
      ),
    ).rejects.toMatchObject({ code: 'relay_error' })
  })
})
