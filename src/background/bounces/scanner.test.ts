import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../../../e2e/emulator/index.ts'
import { db } from '../../core/db.ts'
import type { BounceRecord } from '../../core/types.ts'
import { on, type ReplyDetected } from '../events.ts'
import {
  apiRequests,
  connectMailbox,
  emulatorDeps,
  freshDb,
  lastSeq,
  ordinaryMail,
  sendAndRecord,
} from './emulator-kit.ts'
import { scanMailbox } from './scanner.ts'

const GMAIL_REP = 'ana.silva@acme-sales.example'
const EXCHANGE_REP = 'ana.silva@contoso.example'
const BAD = 'nobody@northwind.example'

// Events reach every subscriber registered at module level; the tests read what arrived.
const recorded: BounceRecord[] = []
const replies: ReplyDetected[] = []
on('bounce.recorded', (b) => {
  recorded.push(b)
})
on('reply.detected', (r) => {
  replies.push(r)
})

let emu: Emulator

beforeEach(async () => {
  recorded.length = 0
  replies.length = 0
  await freshDb()
  emu = await startEmulator({ port: 0, ndrDelayMs: 60_000 })
})

afterEach(async () => {
  await emu.close()
})

for (const provider of ['gmail', 'exchange'] as const) {
  const rep = provider === 'gmail' ? GMAIL_REP : EXCHANGE_REP
  describe(`${provider} scanner`, () => {
    it('records a hard bounce once against the right outbox row, suppresses, counts and tells everyone', async () => {
      const account = await connectMailbox(emu, provider, rep, { lang: provider === 'exchange' ? 'de' : 'en' })
      emu.seedInbox(rep, 200)
      const deps = emulatorDeps(emu)
      const first = await scanMailbox(account, deps)
      expect(first.mode).toBe('baseline')
      expect(first.bounces).toBe(0)
      expect(await db().cursors.get(account.id)).toMatchObject(
        provider === 'gmail' ? { gmailHistoryId: expect.any(String) } : { graphDeltaLink: expect.any(String) },
      )

      emu.rejectRecipient(BAD, { kind: 'hard' })
      const other = await sendAndRecord(emu, account, { to: ['maya@northwind.example'], subject: 'Other' })
      const row = await sendAndRecord(emu, account, {
        to: [BAD],
        subject: 'Pricing for Northwind',
        templateId: 'tpl-1',
        campaignId: 'cmp-1',
        stepIndex: 0,
      })
      expect(emu.flush()).toBe(1)
      emu.deliver(rep, ordinaryMail(rep, 1))

      const second = await scanMailbox(account, deps)
      expect(second).toMatchObject({ mode: 'incremental', bounces: 1, replies: 0 })
      const bounces = await db().bounces.toArray()
      expect(bounces).toHaveLength(1)
      expect(bounces[0]).toMatchObject({
        recipient: BAD,
        kind: 'hard',
        reason: 'userunknown',
        status: '5.1.1',
        outboxId: row.id,
        correlation: 'dispatch-id',
        templateId: 'tpl-1',
        campaignId: 'cmp-1',
        stepIndex: 0,
      })
      expect(bounces[0]!.outboxId).not.toBe(other.id)
      expect(await db().suppression.get(BAD)).toMatchObject({ source: 'bounce', bounceId: bounces[0]!.id })
      const feed = await db().feed.where('bounceId').equals(bounces[0]!.id).toArray()
      expect(feed).toHaveLength(1)
      expect(feed[0]).toMatchObject({ kind: 'bounced', recipient: BAD, subject: 'Pricing for Northwind' })
      const stats = await db().stats.toArray()
      expect(
        stats
          .filter((s) => s.hard === 1)
          .map((s) => s.scope)
          .sort(),
      ).toEqual(['campaign', 'step', 'template'])
      expect(recorded.map((b) => b.id)).toEqual([bounces[0]!.id])

      // Seen again (a second scan, and the cursor moved back as after a crash): still one.
      const third = await scanMailbox(account, deps)
      expect(third.bounces).toBe(0)
      await db().cursors.put({ mailboxId: account.id })
      const again = await scanMailbox(account, deps)
      expect(again.bounces).toBe(0)
      expect(await db().bounces.count()).toBe(1)
      expect(recorded).toHaveLength(1)
      expect((await db().stats.toArray()).reduce((n, s) => n + s.hard, 0)).toBe(3)
    })
  })
}

/** Replaces one message's base64 `raw` in Gmail batch answers with something that is not base64. */
function corruptRawOf(messageId: string) {
  return (real: typeof fetch): typeof fetch =>
    async (input, init) => {
      const res = await real(input, init)
      const body = typeof init?.body === 'string' ? init.body : ''
      const part = new RegExp(`Content-ID: <(p\\d+)>\\r\\n\\r\\nGET [^\\r]*/messages/${messageId}\\?format=raw`).exec(
        body,
      )
      if (!part) return res
      const text = await res.text()
      const at = text.indexOf(`<response-${part[1]}>`)
      const fixed = text.slice(0, at) + text.slice(at).replace(/"raw": "[^"]*"/, '"raw": "@@ not base64 @@"')
      return new Response(fixed, { status: res.status, headers: res.headers })
    }
}

async function connectedWithCursor(provider: 'gmail' | 'exchange', opts: { seed?: number; lang?: 'en' | 'de' } = {}) {
  const rep = provider === 'gmail' ? GMAIL_REP : EXCHANGE_REP
  const account = await connectMailbox(emu, provider, rep, { lang: opts.lang })
  if (opts.seed) emu.seedInbox(rep, opts.seed)
  await scanMailbox(account, emulatorDeps(emu))
  return { rep, account }
}

describe('recovery', () => {
  it('gmail: an expired historyId (404) falls back to a bounded search and starts a new cursor', async () => {
    const { rep, account } = await connectedWithCursor('gmail', { seed: 50 })
    const before = (await db().cursors.get(account.id))!.gmailHistoryId
    emu.rejectRecipient(BAD, { kind: 'hard' })
    const row = await sendAndRecord(emu, account, { to: [BAD], subject: 'Quote' })
    emu.flush()
    emu.expireHistory(rep)
    const r = await scanMailbox(account, emulatorDeps(emu))
    expect(r).toMatchObject({ mode: 'fallback', bounces: 1 })
    expect((await db().bounces.toArray())[0]).toMatchObject({ outboxId: row.id, correlation: 'dispatch-id' })
    const after = (await db().cursors.get(account.id))!.gmailHistoryId
    expect(Number(after)).toBeGreaterThan(Number(before))
    // The new cursor works incrementally again.
    emu.deliver(rep, ordinaryMail(rep, 7))
    expect(await scanMailbox(account, emulatorDeps(emu))).toMatchObject({ mode: 'incremental', scanned: 1 })
  })

  it('exchange: an expired delta (410 SyncStateNotFound) starts the delta again without losing the NDR', async () => {
    const { rep, account } = await connectedWithCursor('exchange', { seed: 50 })
    emu.rejectRecipient(BAD, { kind: 'hard' })
    const row = await sendAndRecord(emu, account, { to: [BAD], subject: 'Quote' })
    emu.flush()
    emu.resetSyncState(rep)
    const since = lastSeq(emu)
    const r = await scanMailbox(account, emulatorDeps(emu))
    expect(r).toMatchObject({ mode: 'fallback', bounces: 1 })
    expect(emu.log().filter((e) => e.seq > since && e.status === 410)).toHaveLength(1)
    expect((await db().bounces.toArray())[0]).toMatchObject({ outboxId: row.id })
    emu.deliver(rep, ordinaryMail(rep, 8))
    expect(await scanMailbox(account, emulatorDeps(emu))).toMatchObject({ mode: 'incremental', scanned: 1 })
  })

  it('a message that cannot be read is stored as an error and skipped; the rest is recorded and the cursor moves', async () => {
    const { rep, account } = await connectedWithCursor('gmail')
    emu.rejectRecipient(BAD, { kind: 'hard' })
    await sendAndRecord(emu, account, { to: [BAD], subject: 'Quote' })
    emu.flush()
    // Two daemon messages the provider will not hand over: one always 500, one with a broken body.
    const failing = emu.deliver(
      rep,
      ordinaryMail(rep, 1, ['Auto-Submitted: auto-replied']).replace(
        /^From: .*$/m,
        'From: MAILER-DAEMON@relay.example',
      ),
    )
    const garbled = emu.deliver(rep, ordinaryMail(rep, 2, ['X-Failed-Recipients: x@y.example']))
    emu.failNext('500', 100, { paths: new RegExp(`messages/${failing.id}\\?format=raw`) })
    const deps = emulatorDeps(emu, { wrapFetch: corruptRawOf(garbled.id) })
    const before = (await db().cursors.get(account.id))!.gmailHistoryId
    const r = await scanMailbox(account, deps)
    expect(r.bounces).toBe(1)
    expect(r.errors).toBe(2)
    const errors = await db()
      .scanned.where('[mailboxId+providerId]')
      .anyOf([
        [account.id, failing.id],
        [account.id, garbled.id],
      ])
      .toArray()
    expect(errors.map((e) => e.outcome)).toEqual(['error', 'error'])
    expect(errors.every((e) => (e.error ?? '').length > 0)).toBe(true)
    expect((await db().cursors.get(account.id))!.gmailHistoryId).not.toBe(before)
  })
})

describe('a scan that stops half-way', () => {
  it('leaves the cursor where it was when the raw read fails, and the next scan records the bounce once', async () => {
    const { account } = await connectedWithCursor('gmail')
    emu.rejectRecipient(BAD, { kind: 'hard' })
    await sendAndRecord(emu, account, { to: [BAD], subject: 'Quote' })
    emu.flush()
    const before = await db().cursors.get(account.id)
    // The connection dies on every raw batch: as good as a worker killed while reading.
    const dead = emulatorDeps(emu, {
      wrapFetch: (real) => async (input, init) => {
        if (typeof init?.body === 'string' && init.body.includes('format=raw')) throw new TypeError('fetch failed')
        return real(input, init)
      },
    })
    await expect(scanMailbox(account, dead)).rejects.toThrow(/network/)
    expect((await db().cursors.get(account.id))!.gmailHistoryId).toBe(before!.gmailHistoryId)
    expect(await db().bounces.count()).toBe(0)
    expect((await db().cursors.get(account.id))!.lastError).toBeDefined()

    const r = await scanMailbox(account, emulatorDeps(emu))
    expect(r.bounces).toBe(1)
    expect(await scanMailbox(account, emulatorDeps(emu))).toMatchObject({ bounces: 0, scanned: 0 })
    expect(await db().bounces.count()).toBe(1)
    expect((await db().cursors.get(account.id))!.lastError).toBeUndefined()
  })

  it('exchange: a scan killed after its first delta page resumes at that page, and counts the bounce once', async () => {
    const { rep, account } = await connectedWithCursor('exchange')
    emu.rejectRecipient(BAD, { kind: 'hard' })
    await sendAndRecord(emu, account, { to: [BAD], subject: 'Quote' })
    emu.flush()
    for (let i = 0; i < 250; i++) emu.deliver(rep, ordinaryMail(rep, i))
    let pages = 0
    const dies = emulatorDeps(emu, {
      wrapFetch: (real) => async (input, init) => {
        if (String(input).includes('/messages/delta') && ++pages >= 2) throw new TypeError('worker killed')
        return real(input, init)
      },
    })
    await expect(scanMailbox(account, dies)).rejects.toThrow()
    const checkpoint = (await db().cursors.get(account.id))!.graphDeltaLink!
    expect(checkpoint).toContain('$skiptoken=')
    const firstPage = await db().scanned.count()
    expect(firstPage).toBeGreaterThanOrEqual(200)

    const since = lastSeq(emu)
    const r = await scanMailbox(account, emulatorDeps(emu))
    expect(r.scanned + firstPage).toBe(await db().scanned.count())
    expect(r.scanned).toBeLessThanOrEqual(51)
    expect(emu.log().find((e) => e.seq > since)!.path).toContain('skiptoken')
    expect(await db().bounces.count()).toBe(1)
    expect(recorded).toHaveLength(1)
  })

  it('delivers events that a killed worker stored but never announced, once', async () => {
    const { account } = await connectedWithCursor('gmail')
    emu.rejectRecipient(BAD, { kind: 'hard' })
    await sendAndRecord(emu, account, { to: [BAD], subject: 'Quote' })
    emu.flush()
    // Stop every event once the bounce is stored, as a worker killed right after the transaction.
    const { storeBounces } = await import('./record.ts')
    const stored = await storeBounces(
      account.id,
      'ndr-1',
      [
        {
          record: {
            id: `${account.id}|ndr-1|${BAD}`,
            mailboxId: account.id,
            ndrProviderId: 'ndr-1',
            recipient: BAD,
            kind: 'hard',
            reason: 'userunknown',
            status: '5.1.1',
            detectedAt: Date.now(),
            correlation: 'none',
          },
          detail: 'hard · userunknown',
        },
      ],
      Date.now(),
    )
    expect(stored).toHaveLength(1)
    expect(recorded).toHaveLength(0)
    await scanMailbox(account, emulatorDeps(emu))
    expect(recorded.map((b) => b.ndrProviderId).sort()).toEqual([expect.any(String), 'ndr-1'].sort())
    await scanMailbox(account, emulatorDeps(emu))
    expect(recorded).toHaveLength(2)
  })

  it('retries a rate-limited batch part within the scan; a rate limit on the listing ends the scan with the cursor kept', async () => {
    const { account } = await connectedWithCursor('gmail')
    emu.rejectRecipient(BAD, { kind: 'hard' })
    await sendAndRecord(emu, account, { to: [BAD], subject: 'Quote' })
    emu.flush()
    const before = (await db().cursors.get(account.id))!.gmailHistoryId
    emu.failNext('429', 3, { paths: /\/history\?/ })
    await expect(scanMailbox(account, emulatorDeps(emu))).rejects.toMatchObject({ kind: 'rate' })
    expect((await db().cursors.get(account.id))!).toMatchObject({
      gmailHistoryId: before,
      lastError: { code: 'rate_limited' },
    })
    emu.clearFaults()
    emu.failNext('403-userRateLimitExceeded', 1, { paths: /format=raw/ })
    expect(await scanMailbox(account, emulatorDeps(emu))).toMatchObject({ bounces: 1, errors: 0 })
  })
})

describe('replies', () => {
  it('gmail: a reply naming our Message-ID is recorded once with its row; an out-of-office and a stranger are not', async () => {
    const { rep, account } = await connectedWithCursor('gmail')
    const row = await sendAndRecord(emu, account, {
      to: ['Maya Chen <maya@northwind.example>'],
      subject: 'Pricing',
      templateId: 'tpl-2',
      campaignId: 'cmp-2',
      stepIndex: 1,
    })
    const reply = (from: string, extra: string[] = []) =>
      [
        `From: ${from}`,
        `To: ${rep}`,
        'Subject: Re: Pricing',
        `Message-ID: <${crypto.randomUUID()}@northwind.example>`,
        `In-Reply-To: ${row.messageId}`,
        `References: ${row.messageId}`,
        ...extra,
        'Content-Type: text/plain; charset=UTF-8',
        '',
        'Sounds good, let us talk Tuesday.',
        '',
      ].join('\r\n')
    const real = emu.deliver(rep, reply('Maya Chen <Maya@northwind.example>'))
    emu.deliver(
      rep,
      reply('Maya Chen <maya@northwind.example>', ['Auto-Submitted: auto-replied']).replace(
        'Re: Pricing',
        'Out of office: Re: Pricing',
      ),
    )
    emu.deliver(rep, reply('Someone Else <else@northwind.example>'))
    const r = await scanMailbox(account, emulatorDeps(emu))
    expect(r.replies).toBe(1)
    expect(replies).toEqual([
      expect.objectContaining({ providerId: real.id, from: 'maya@northwind.example', outboxId: row.id }),
    ])
    const feed = (await db().feed.toArray()).filter((f) => f.kind === 'replied')
    expect(feed).toEqual([
      expect.objectContaining({ outboxId: row.id, recipient: 'maya@northwind.example', subject: 'Pricing' }),
    ])
    const stats = await db().stats.toArray()
    expect(
      stats
        .filter((s) => s.replies === 1)
        .map((s) => s.scope)
        .sort(),
    ).toEqual(['campaign', 'step', 'template'])
    expect((await db().scanned.get([account.id, real.id]))!.outcome).toBe('reply')
    expect(await scanMailbox(account, emulatorDeps(emu))).toMatchObject({ replies: 0 })
    expect(replies).toHaveLength(1)
  })

  it('exchange: a reply in the conversation of a sent row counts; the NDR filed in that conversation does not', async () => {
    const { rep, account } = await connectedWithCursor('exchange')
    emu.rejectRecipient(BAD, { kind: 'hard' })
    const row = await sendAndRecord(emu, account, { to: ['maya@northwind.example', BAD], subject: 'Angebot' })
    emu.flush()
    // Only the conversation can match: the row's Message-ID is not what the reply names.
    await db().outbox.update(row.id, { messageId: '<rewritten@contoso.example>' })
    const sentId = emu.mailbox(rep).sent.find((m) => !m.isDraft)!.messageId
    const answer = emu.deliver(
      rep,
      [
        'From: maya@northwind.example',
        `To: ${rep}`,
        'Subject: AW: Angebot',
        `In-Reply-To: ${sentId}`,
        `References: ${sentId}`,
        'Content-Type: text/plain; charset=UTF-8',
        '',
        'Danke!',
        '',
      ].join('\r\n'),
    )
    const r = await scanMailbox(account, emulatorDeps(emu))
    expect(r).toMatchObject({ replies: 1, bounces: 1 })
    expect(replies).toEqual([expect.objectContaining({ providerId: answer.id, outboxId: row.id })])
    expect((await db().bounces.toArray())[0]).toMatchObject({ recipient: BAD, outboxId: row.id })
  })
})

describe('cost', () => {
  it('an incremental scan costs the same few requests whatever the size of the inbox', async () => {
    const counts: number[] = []
    for (const size of [100, 3000]) {
      await emu.close()
      emu = await startEmulator({ port: 0, ndrDelayMs: 60_000 })
      await freshDb()
      const { rep, account } = await connectedWithCursor('gmail', { seed: size })
      emu.rejectRecipient(BAD, { kind: 'hard' })
      await sendAndRecord(emu, account, { to: [BAD], subject: 'Quote' })
      emu.flush()
      for (let i = 0; i < 40; i++) emu.deliver(rep, ordinaryMail(rep, i))
      const since = lastSeq(emu)
      await scanMailbox(account, emulatorDeps(emu))
      counts.push(apiRequests(emu, rep, since))
    }
    expect(counts[0]).toBe(counts[1])
    expect(counts[1]).toBeLessThanOrEqual(3)
  })
})
