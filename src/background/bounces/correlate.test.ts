import { beforeEach, describe, expect, it } from 'vitest'
import type { BounceReport } from '../../core/bounce/index.ts'
import { db, type OutboxRecord, recipientKeys } from '../../core/db.ts'
import { correlateBounce, matchReply, normalSubject } from './correlate.ts'
import { freshDb } from './emulator-kit.ts'

const MAILBOX = 'gmail:ana@acme.example'
const BAD = 'gone@northwind.example'
const DAY = 24 * 3600_000
const NOW = Date.UTC(2026, 10, 20, 12)

function row(id: string, patch: Partial<OutboxRecord> & { subject?: string; to?: string[] } = {}): OutboxRecord {
  const { subject, to, ...rest } = patch
  const base: OutboxRecord = {
    id,
    mailboxId: MAILBOX,
    channel: 'gmail',
    origin: 'page',
    state: 'sent',
    message: { to: to ?? [BAD], cc: [], bcc: [], subject: subject ?? 'Pricing', html: '', text: '' },
    recipientCount: 1,
    createdAt: NOW - DAY,
    notBefore: NOW - DAY,
    nextAttemptAt: NOW - DAY,
    attempts: 1,
    log: [],
    sentAt: NOW - DAY,
    messageId: `<${id}@acme.example>`,
    ...rest,
  }
  return { ...base, recipientKeys: recipientKeys(base) }
}

function report(original: Partial<BounceReport['original']>): BounceReport {
  return {
    bounce: true,
    category: 'bounce',
    kind: 'hard',
    reason: 'userunknown',
    status: '5.1.1',
    recipients: [{ address: BAD, status: '5.1.1', reason: 'userunknown', kind: 'hard', diagnostic: null }],
    original: { dispatchId: null, messageId: null, subject: null, to: [], ...original },
    mta: null,
  }
}

const ndr = { receivedAt: NOW, subject: 'Delivery Status Notification (Failure)' }

beforeEach(async () => {
  await freshDb()
})

describe('correlateBounce', () => {
  it('takes X-Dispatch-Id first, then the Message-ID, then recipient + subject + time', async () => {
    await db().outbox.bulkPut([
      row('11111111-1111-4111-8111-111111111111', { sentAt: NOW - 3 * DAY }),
      row('22222222-2222-4222-8222-222222222222', { sentAt: NOW - 2 * DAY }),
      row('33333333-3333-4333-8333-333333333333', { sentAt: NOW - DAY }),
    ])
    const both = report({
      dispatchId: '11111111-1111-4111-8111-111111111111',
      messageId: '<22222222-2222-4222-8222-222222222222@acme.example>',
    })
    expect(await correlateBounce(MAILBOX, both, BAD, ndr)).toMatchObject({
      method: 'dispatch-id',
      row: { id: '11111111-1111-4111-8111-111111111111' },
    })
    const byMessageId = report({ messageId: '22222222-2222-4222-8222-222222222222@acme.example' })
    expect(await correlateBounce(MAILBOX, byMessageId, BAD, ndr)).toMatchObject({
      method: 'message-id',
      row: { id: '22222222-2222-4222-8222-222222222222' },
    })
    // Nothing quoted: the most recent send to that recipient inside the window.
    expect(await correlateBounce(MAILBOX, report({}), BAD, ndr)).toMatchObject({
      method: 'heuristic',
      row: { id: '33333333-3333-4333-8333-333333333333' },
    })
  })

  it('ignores a dispatch id or Message-ID of another mailbox and falls through', async () => {
    await db().outbox.bulkPut([
      row('44444444-4444-4444-8444-444444444444', { mailboxId: 'gmail:other@acme.example' }),
      row('55555555-5555-4555-8555-555555555555'),
    ])
    const r = report({
      dispatchId: '44444444-4444-4444-8444-444444444444',
      messageId: '<44444444-4444-4444-8444-444444444444@acme.example>',
    })
    expect(await correlateBounce(MAILBOX, r, BAD, ndr)).toMatchObject({
      method: 'heuristic',
      row: { id: '55555555-5555-4555-8555-555555555555' },
    })
  })

  it('uses a quoted subject to choose, and refuses rows with another subject', async () => {
    await db().outbox.bulkPut([
      row('66666666-6666-4666-8666-666666666666', { subject: 'Angebot für Q3', sentAt: NOW - 2 * DAY }),
      row('77777777-7777-4777-8777-777777777777', { subject: 'Lunch?', sentAt: NOW - DAY }),
    ])
    expect(await correlateBounce(MAILBOX, report({ subject: 'AW: Angebot  für Q3' }), BAD, ndr)).toMatchObject({
      method: 'heuristic',
      row: { id: '66666666-6666-4666-8666-666666666666' },
    })
    expect(await correlateBounce(MAILBOX, report({ subject: 'Something we never sent' }), BAD, ndr)).toEqual({
      method: 'none',
    })
    // Only the NDR's own subject names it ("Unzustellbar: …"): preferred, not required.
    expect(
      await correlateBounce(MAILBOX, report({}), BAD, { receivedAt: NOW, subject: 'Unzustellbar: Angebot für Q3' }),
    ).toMatchObject({ row: { id: '66666666-6666-4666-8666-666666666666' } })
  })

  it('only looks 7 days back and never at rows sent after the NDR', async () => {
    await db().outbox.bulkPut([
      row('88888888-8888-4888-8888-888888888888', { sentAt: NOW - 8 * DAY }),
      row('99999999-9999-4999-8999-999999999999', { sentAt: NOW + DAY }),
      row('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', { to: ['someone@else.example'] }),
    ])
    expect(await correlateBounce(MAILBOX, report({}), BAD, ndr)).toEqual({ method: 'none' })
  })
})

describe('matchReply', () => {
  it('needs a sender we wrote to, and our Message-ID or thread', async () => {
    await db().outbox.put(
      row('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', { to: ['Maya <maya@northwind.example>'], providerThreadId: 't-1' }),
    )
    const id = '<bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb@acme.example>'
    const own = 'ana@acme.example'
    expect(
      await matchReply(MAILBOX, own, { from: 'maya@northwind.example', 'in-reply-to': id }, undefined),
    ).toMatchObject({
      id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
    })
    expect(await matchReply(MAILBOX, own, { from: '"Maya" <MAYA@northwind.example>' }, 't-1')).not.toBeNull()
    expect(await matchReply(MAILBOX, own, { from: 'maya@northwind.example' }, 't-2')).toBeNull()
    expect(await matchReply(MAILBOX, own, { from: 'eve@northwind.example', references: id }, 't-1')).toBeNull()
    expect(await matchReply(MAILBOX, own, { from: own, references: id }, 't-1')).toBeNull()
  })
})

describe('normalSubject', () => {
  it('drops reply and forward prefixes in our languages and folds case and spacing', () => {
    expect(normalSubject('Re: AW: Fwd:  Pricing   Q3')).toBe('pricing q3')
    expect(normalSubject('SV: Offert')).toBe('offert')
    expect(normalSubject('回复：报价')).toBe('报价')
    expect(normalSubject('=?UTF-8?Q?Angebot_f=C3=BCr_Q3?=')).toBe('angebot für q3')
  })
})
