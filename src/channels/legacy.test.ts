import { afterEach, describe, expect, it } from 'vitest'
import { type LegacyStub, startLegacyStub } from '../../e2e/legacy-stub.ts'
import type { OutboxRow } from '../core/types.ts'
import { type ChannelContext, ProviderError } from './channel.ts'
import { createLegacyChannel, legacySendRequest } from './legacy.ts'

/** The legacy servers channel against a stub of the endpoint contract (e2e/legacy-stub.ts). */

const stubs: LegacyStub[] = []
afterEach(async () => {
  for (const s of stubs.splice(0)) await s.close()
})

async function stub(token?: string) {
  const s = await startLegacyStub({ token })
  stubs.push(s)
  return s
}

function row(id: string): OutboxRow {
  return {
    id,
    mailboxId: 'legacy:servers',
    channel: 'legacy',
    origin: 'campaign',
    campaignId: 'c-1',
    state: 'sending',
    message: { to: ['p@example.org'], cc: [], bcc: [], subject: 'Hello', html: '<p>Hi</p>', text: 'Hi' },
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
  from: { name: 'Ana', address: 'ana@acme.example' },
  token: () => Promise.resolve('relay token, not ours'),
  invalidate: () => Promise.resolve(),
}

async function caught(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ProviderError)
  return err as ProviderError
}

describe('legacy servers channel', () => {
  it('posts the contract’s JSON with its own bearer token and our X-Dispatch-Id, and reads the answer', async () => {
    const s = await stub('legacy-secret')
    const channel = createLegacyChannel(async () => ({ url: s.url, token: 'legacy-secret' }))
    const sent = await channel.send(row('L-1'), ctx, async () => undefined)
    expect(sent).toEqual({ providerMessageId: '<L-1@legacy.test>', messageId: '<L-1@legacy.test>' })
    expect(s.sent).toEqual([legacySendRequest(row('L-1'), ctx.from)])
    expect(s.sent[0]!.headers).toEqual({ 'X-Dispatch-Id': 'L-1', 'X-Dispatch-Campaign': 'c-1' })
    expect(s.requests[0]).toMatchObject({ authorization: 'Bearer legacy-secret', dispatchIdHeader: 'L-1' })
  })

  it('splits a From written as "Name <address>"', () => {
    expect(legacySendRequest(row('L-0'), { name: '', address: 'Ana Silva <ana@acme.example>' }).from).toEqual({
      name: 'Ana Silva',
      address: 'ana@acme.example',
    })
  })

  it('finds a sent row by re-posting its id, which the endpoint answers without sending again', async () => {
    const s = await stub()
    const channel = createLegacyChannel(async () => ({ url: s.url }))
    const first = await channel.send(row('L-2'), ctx, async () => undefined)
    expect(await channel.findSent(row('L-2'), ctx)).toEqual(first)
    expect(s.sent).toHaveLength(1)
    expect(s.requests).toHaveLength(2)
  })

  it('keeps sends waiting on a rejected token, and while no endpoint is configured', async () => {
    const s = await stub('legacy-secret')
    const wrong = await caught(
      createLegacyChannel(async () => ({ url: s.url, token: 'nope' })).send(row('L-3'), ctx, async () => undefined),
    )
    expect([wrong.code, wrong.feedback.kind]).toEqual(['legacy_token_rejected', 'auth'])
    const unset = await caught(createLegacyChannel(async () => null).send(row('L-4'), ctx, async () => undefined))
    expect([unset.code, unset.feedback.kind, unset.params]).toEqual(['channel_not_configured', 'auth', ['legacy']])
    expect(s.sent).toHaveLength(0)
  })

  it('backs off on 429 and 503 (nothing sent), retries an unexplained 500 as maybe sent, fails a refusal', async () => {
    const s = await stub()
    const channel = createLegacyChannel(async () => ({ url: s.url }))
    s.failNext(
      1,
      429,
      { ok: false, error: { code: 'rate', message: 'slow down', retryable: true } },
      { 'Retry-After': '30' },
    )
    expect((await caught(channel.send(row('L-5'), ctx, async () => undefined))).feedback).toEqual({
      kind: 'rate',
      retryAfterMs: 30_000,
    })
    s.failNext(1, 503, { ok: false, error: { code: 'busy', message: 'busy', retryable: true } })
    const busy = await caught(channel.send(row('L-5'), ctx, async () => undefined))
    expect(busy.feedback).toMatchObject({ kind: 'transient', maybeSent: false })
    s.failNext(1, 503, { ok: false, error: { code: 'busy', message: 'busy', retryable: true } })
    expect(await channel.findSent(row('L-5'), ctx)).toBeNull()

    s.failNext(1, 500, 'Internal Server Error')
    expect((await caught(channel.send(row('L-6'), ctx, async () => undefined))).feedback).toMatchObject({
      kind: 'transient',
      maybeSent: true,
    })
    s.failNext(1, 400, { ok: false, error: { code: 'rejected', message: 'recipient blocked', retryable: false } })
    const refused = await caught(channel.send(row('L-7'), ctx, async () => undefined))
    expect([refused.code, refused.feedback.kind, refused.params]).toEqual([
      'provider_rejected',
      'permanent',
      ['recipient blocked'],
    ])
    expect(s.sent).toHaveLength(0)
  })
})
