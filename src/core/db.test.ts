import 'fake-indexeddb/auto'
import { Dexie } from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { bareAddress, DispatchDb, SCHEMA_V1, statKey } from './db.ts'
import type { BounceRecord, OutboxRow } from './types.ts'

let n = 0
const names: string[] = []
function freshName(): string {
  const name = `db-test-${Date.now()}-${n++}`
  names.push(name)
  return name
}

afterEach(async () => {
  for (const name of names.splice(0)) await Dexie.delete(name)
})

function outboxRow(over: Partial<OutboxRow>): OutboxRow {
  return {
    id: crypto.randomUUID(),
    mailboxId: 'gmail:rep@example.com',
    channel: 'gmail',
    origin: 'compose',
    state: 'sent',
    message: { to: ['Ana Silva <Ana@Example.org>'], cc: ['b@example.org'], bcc: [], subject: 'Hi', html: '', text: '' },
    recipientCount: 2,
    createdAt: Date.UTC(2026, 10, 2, 9),
    notBefore: Date.UTC(2026, 10, 2, 9),
    nextAttemptAt: Date.UTC(2026, 10, 2, 9),
    attempts: 1,
    log: [],
    ...over,
  }
}

describe('DispatchDb', () => {
  it('creates every table of the product at the current version', async () => {
    const db = new DispatchDb(freshName())
    await db.open()
    expect(db.verno).toBe(2)
    expect(db.tables.map((t) => t.name).sort()).toEqual(
      [
        'accounts',
        'bounces',
        'campaigns',
        'cursors',
        'enrolments',
        'feed',
        'ledger',
        'outbox',
        'scanned',
        'secrets',
        'settings',
        'stats',
        'suppression',
        'templates',
        'throttle',
      ].sort(),
    )
    db.close()
  })

  it('upgrades a version-1 database: keeps rows, indexes recipients, backfills analytics totals', async () => {
    const name = freshName()
    const v1 = new Dexie(name)
    v1.version(1).stores(SCHEMA_V1)
    const sentDay = Date.UTC(2026, 10, 2, 9)
    await v1
      .table('outbox')
      .bulkAdd([
        outboxRow({ id: 'o1', templateId: 't1', campaignId: 'c1', sentAt: sentDay }),
        outboxRow({ id: 'o2', templateId: 't1', sentAt: sentDay + 3600_000 }),
        outboxRow({ id: 'o3', templateId: 't1', state: 'queued' }),
      ])
    const bounce: BounceRecord = {
      id: 'b1',
      mailboxId: 'gmail:rep@example.com',
      ndrProviderId: 'm1',
      recipient: 'ana@example.org',
      kind: 'hard',
      reason: 'userunknown',
      status: '5.1.1',
      detectedAt: sentDay + 600_000,
      outboxId: 'o1',
      correlation: 'dispatch-id',
      templateId: 't1',
      campaignId: 'c1',
    }
    await v1.table('bounces').add(bounce)
    await v1.table('templates').add({ id: 't1', name: 'Intro', subject: 's', body: 'b', createdAt: 1, updatedAt: 1 })
    v1.close()

    const db = new DispatchDb(name)
    await db.open()
    expect(db.verno).toBe(2)
    expect(await db.outbox.count()).toBe(3)
    expect(await db.templates.get('t1')).toMatchObject({ name: 'Intro' })
    const o1 = await db.outbox.get('o1')
    expect(o1?.recipientKeys).toEqual(['ana@example.org', 'b@example.org'])
    expect((await db.outbox.where('recipientKeys').equals('b@example.org').primaryKeys()).sort()).toEqual([
      'o1',
      'o2',
      'o3',
    ])
    const tDay = await db.stats.get(statKey('template', 't1', '2026-11-02'))
    expect(tDay).toMatchObject({ sent: 2, hard: 1, soft: 0 })
    const cDay = await db.stats.get(statKey('campaign', 'c1', '2026-11-02'))
    expect(cDay).toMatchObject({ sent: 1, hard: 1 })
    db.close()
  })

  it('enforces one enrolment per person and campaign', async () => {
    const db = new DispatchDb(freshName())
    const base = {
      campaignId: 'c1',
      address: 'ana@example.org',
      variables: {},
      state: 'active' as const,
      nextStep: 0,
      nextDueAt: 0,
      enrolledAt: 0,
      softBounceStreak: 0,
    }
    await db.enrolments.add({ id: 'e1', ...base })
    await expect(db.enrolments.add({ id: 'e2', ...base })).rejects.toThrow(/Constraint/)
    db.close()
  })
})

describe('bareAddress', () => {
  it.each([
    ['Ana Silva <Ana@Example.org>', 'ana@example.org'],
    ['  bob@x.io ', 'bob@x.io'],
    ['"Doe, Jane" <jane@x.io>', 'jane@x.io'],
  ])('%s → %s', (input, want) => {
    expect(bareAddress(input)).toBe(want)
  })
})
