import 'fake-indexeddb/auto'
import { Dexie } from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { DispatchDb } from '../../core/db.ts'
import { DAY_GUARD_MS, DAY_MS, limitsFor, type SendLimits } from '../../core/limits.ts'
import { decide, PAUSE_MAX_MS } from '../../core/throttle.ts'
import type { OutboxRow } from '../../core/types.ts'
import {
  LEDGER_RETENTION_MS,
  pruneLedger,
  readBudget,
  recordFeedback,
  release,
  reserve,
  stampAnswered,
} from './budget.ts'
import { seededRandom } from '../../core/random.ts'

const T0 = Date.UTC(2026, 6, 1, 9)
const EX = 'exchange:rep@contoso.com'
const GM = 'gmail:rep@gmail.com'
const OL = 'exchange:rep@outlook.com'
const exchange = limitsFor('exchange-online')
const gmail = limitsFor('gmail-consumer')

let n = 0
const opened: DispatchDb[] = []
const names: string[] = []
function freshName(): string {
  const name = `budget-test-${Date.now()}-${n++}`
  names.push(name)
  return name
}
function open(name: string): DispatchDb {
  const db = new DispatchDb(name)
  opened.push(db)
  return db
}

afterEach(async () => {
  for (const db of opened.splice(0)) db.close()
  for (const name of names.splice(0)) await Dexie.delete(name)
})

function input(mailboxId: string, outboxId: string, limits: SendLimits, now: number, recipients = 1) {
  return { mailboxId, outboxId, recipients, limits, now }
}

/** Max messages in any half-open window [t, t + span) of these timestamps. */
function busiest(times: number[], span: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let j = 0
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[j]! <= sorted[i]! - span) j++
    best = Math.max(best, i - j + 1)
  }
  return best
}

describe('reserve', () => {
  it('grants within the limits and refuses past them with decide’s exact answer', async () => {
    const db = open(freshName())
    for (let i = 0; i < 30; i++) expect(await reserve(db, input(EX, `r${i}`, exchange, T0 + i))).toEqual({ ok: true })
    const refused = await reserve(db, input(EX, 'r30', exchange, T0 + 100))
    const ledger = await db.ledger.toArray()
    expect(ledger).toHaveLength(30)
    expect(refused).toEqual(decide(ledger, exchange, null, T0 + 100, 1))
    expect(refused).toEqual({ ok: false, at: T0 + 61_000, reason: 'minute' })
    expect(await reserve(db, input(EX, 'r30', exchange, T0 + 61_000))).toEqual({ ok: true })
  })

  it('keeps mailboxes apart', async () => {
    const db = open(freshName())
    for (let i = 0; i < 30; i++) await reserve(db, input(EX, `a${i}`, exchange, T0))
    expect(await reserve(db, input(EX, 'a30', exchange, T0))).toMatchObject({ ok: false })
    expect(await reserve(db, input('exchange:other@contoso.com', 'b0', exchange, T0))).toEqual({ ok: true })
  })

  it('never overspends under many concurrent reservations from separate connections', async () => {
    const name = freshName()
    const contexts = Array.from({ length: 8 }, () => open(name))
    await Promise.all(contexts.map((db) => db.open()))
    // 200 sends from 8 contexts in the same instant against Exchange's 30 per minute.
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => reserve(contexts[i % 8]!, input(EX, `c${i}`, exchange, T0))),
    )
    expect(answers.filter((a) => a.ok)).toHaveLength(30)
    expect(await contexts[0]!.ledger.count()).toBe(30)
    for (const a of answers) if (!a.ok) expect(a).toEqual({ ok: false, at: T0 + 61_000, reason: 'minute' })
  })

  it('never overspends recipients or pace when contexts race over time', async () => {
    const name = freshName()
    const contexts = Array.from({ length: 6 }, () => open(name))
    const random = seededRandom(3)
    const outlook = limitsFor('outlook-consumer')
    const calls = Array.from({ length: 240 }, (_, i) => ({
      db: contexts[i % 6]!,
      now: T0 + Math.floor(random() * 5 * 60_000),
      recipients: 1 + Math.floor(random() * 40),
      id: `o${i}`,
    }))
    await Promise.all(calls.map((c) => reserve(c.db, input(OL, c.id, outlook, c.now, c.recipients))))
    const ledger = await contexts[0]!.ledger.toArray()
    expect(ledger.reduce((sum, e) => sum + e.recipients, 0)).toBeLessThanOrEqual(300)
    expect(ledger.reduce((sum, e) => sum + e.recipients, 0)).toBeGreaterThan(260)
    expect(
      busiest(
        ledger.map((e) => e.at),
        60_000,
      ),
    ).toBeLessThanOrEqual(30)
  })

  it('is what makes the race safe: the same race without one transaction overspends', async () => {
    const name = freshName()
    const contexts = Array.from({ length: 8 }, () => open(name))
    await Promise.all(contexts.map((db) => db.open()))
    const naive = async (db: DispatchDb, id: string) => {
      const ledger = await db.ledger
        .where('[mailboxId+at]')
        .between([EX, T0 - DAY_MS], [EX, Dexie.maxKey])
        .toArray()
      if (!decide(ledger, exchange, null, T0, 1).ok) return false
      await db.ledger.add({ mailboxId: EX, at: T0, recipients: 1, outboxId: id })
      return true
    }
    await Promise.all(Array.from({ length: 200 }, (_, i) => naive(contexts[i % 8]!, `n${i}`)))
    expect(await contexts[0]!.ledger.count()).toBeGreaterThan(30)
  })

  it('survives a restart: a new connection sees every earlier reservation', async () => {
    const name = freshName()
    const before = open(name)
    await reserve(before, input(GM, 'g0', gmail, T0))
    await reserve(before, input(GM, 'g1', gmail, T0 + 10))
    before.close()
    const after = open(name)
    expect(await reserve(after, input(GM, 'g2', gmail, T0 + 20))).toEqual({
      ok: false,
      at: T0 + 1000,
      reason: 'second',
    })
  })

  it('prunes entries older than every window, and only this mailbox’s on reserve', async () => {
    const db = open(freshName())
    await db.ledger.bulkAdd([
      { mailboxId: GM, at: T0 - DAY_MS - DAY_GUARD_MS, recipients: 1, outboxId: 'old' },
      { mailboxId: GM, at: T0 - DAY_MS, recipients: 1, outboxId: 'recent' },
      { mailboxId: EX, at: T0 - 2 * DAY_MS, recipients: 1, outboxId: 'other' },
    ])
    await reserve(db, input(GM, 'new', gmail, T0))
    expect((await db.ledger.toArray()).map((e) => e.outboxId).sort()).toEqual(['new', 'other', 'recent'])
    expect(await pruneLedger(db, T0 + 5)).toBe(1)
    expect((await db.ledger.toArray()).map((e) => e.outboxId).sort()).toEqual(['new', 'recent'])
    expect(await pruneLedger(db, T0 + LEDGER_RETENTION_MS)).toBe(2)
  })

  it('re-stamps sends dated well after now (the clock went back) so they leave their windows on time', async () => {
    const db = open(freshName())
    await db.ledger.bulkAdd(
      Array.from({ length: 30 }, (_, i) => ({
        mailboxId: EX,
        at: T0 + 3 * 3600_000,
        recipients: 1,
        outboxId: `f${i}`,
      })),
    )
    expect(await reserve(db, input(EX, 'x', exchange, T0))).toEqual({ ok: false, at: T0 + 61_000, reason: 'minute' })
    expect((await db.ledger.toArray()).every((e) => e.at === T0)).toBe(true)
    expect(await reserve(db, input(EX, 'x', exchange, T0 + 61_000))).toEqual({ ok: true })
  })

  it('keeps the stamp of a send only moments ahead (another context’s transaction)', async () => {
    const db = open(freshName())
    await db.ledger.bulkAdd(
      Array.from({ length: 30 }, (_, i) => ({ mailboxId: EX, at: T0 + 800, recipients: 1, outboxId: `s${i}` })),
    )
    expect(await reserve(db, input(EX, 'x', exchange, T0))).toEqual({
      ok: false,
      at: T0 + 800 + 61_000,
      reason: 'minute',
    })
    expect((await db.ledger.toArray()).every((e) => e.at === T0 + 800)).toBe(true)
  })

  it('marks the outbox row in the same transaction, and a failing hook leaves no reservation', async () => {
    const db = open(freshName())
    const row = {
      id: 'row-1',
      mailboxId: EX,
      channel: 'exchange',
      origin: 'compose',
      state: 'queued',
      message: { to: ['a@b.c'], cc: [], bcc: [], subject: 's', html: '', text: '' },
      recipientCount: 1,
      createdAt: T0,
      notBefore: T0,
      nextAttemptAt: T0,
      attempts: 0,
      log: [],
    } satisfies OutboxRow
    await db.outbox.add(row)
    const ok = await reserve(db, {
      ...input(EX, row.id, exchange, T0),
      onReserved: async (tx) => {
        await tx.outbox.update(row.id, { state: 'sending', attempts: 1 })
      },
    })
    expect(ok).toEqual({ ok: true })
    expect(await db.outbox.get(row.id)).toMatchObject({ state: 'sending', attempts: 1 })
    await expect(
      reserve(db, {
        ...input(EX, 'row-2', exchange, T0),
        onReserved: async () => {
          throw new Error('row was cancelled')
        },
      }),
    ).rejects.toThrow('row was cancelled')
    expect((await db.ledger.toArray()).map((e) => e.outboxId)).toEqual([row.id])
  })
})

describe('release', () => {
  it('gives a reservation back to the budget', async () => {
    const db = open(freshName())
    await reserve(db, input(GM, 'a', gmail, T0))
    await reserve(db, input(GM, 'b', gmail, T0))
    expect(await reserve(db, input(GM, 'c', gmail, T0))).toMatchObject({ ok: false })
    expect(await release(db, 'b')).toBe(1)
    expect(await release(db, 'unknown')).toBe(0)
    expect(await reserve(db, input(GM, 'c', gmail, T0))).toEqual({ ok: true })
  })
})

describe('stampAnswered', () => {
  it('counts a slow send from when the provider answered, so the next window starts after it', async () => {
    const db = open(freshName())
    const batch = limitsFor('workspace', { enabled: true, batchSize: 1, waitSeconds: 2 })
    expect(await reserve(db, input(GM, 'a', batch, T0))).toEqual({ ok: true })
    // The request took 800 ms to reach the provider and come back.
    await stampAnswered(db, 'a', T0 + 800)
    expect(await reserve(db, input(GM, 'b', batch, T0 + 2_000))).toEqual({ ok: false, at: T0 + 2_800, reason: 'batch' })
    expect(await reserve(db, input(GM, 'b', batch, T0 + 2_800))).toEqual({ ok: true })
    // Never moves a stamp backwards.
    await stampAnswered(db, 'b', T0)
    expect((await db.ledger.where('outboxId').equals('b').first())?.at).toBe(T0 + 2_800)
  })
})

describe('recordFeedback', () => {
  it('cools the mailbox down after a 429, in the channels’ feedback shape too', async () => {
    const db = open(freshName())
    const st = await recordFeedback(db, EX, { kind: 'rate', retryAfterMs: 20_000 }, T0, () => 0.5)
    expect(st).toMatchObject({ mailboxId: EX, strikes: 1, cooldownUntil: T0 + 20_000, rateFactor: 0.5 })
    expect(await db.throttle.get(EX)).toEqual(st)
    expect(await reserve(db, input(EX, 'a', exchange, T0 + 1))).toEqual({
      ok: false,
      at: T0 + 20_000,
      reason: 'cooldown',
    })
    expect(await reserve(db, input(EX, 'a', exchange, T0 + 20_000))).toEqual({ ok: true })
    const again = await recordFeedback(db, EX, { kind: 'rate-limited' }, T0 + 30_000, () => 0)
    expect(again.strikes).toBe(2)
    expect((await recordFeedback(db, EX, { kind: 'sent' }, T0 + 40_000)).strikes).toBe(1)
  })

  it('pauses on a daily block until the rolling day frees (Gmail) or for a day (Exchange)', async () => {
    const db = open(freshName())
    await reserve(db, input(GM, 'early', gmail, T0 - 10 * 3600_000))
    await reserve(db, input(GM, 'late', gmail, T0 - 3600_000))
    const gm = await recordFeedback(db, GM, { kind: 'daily' }, T0)
    expect(gm.pausedUntil).toBe(T0 - 10 * 3600_000 + DAY_MS + DAY_GUARD_MS)
    expect(await reserve(db, input(GM, 'x', gmail, T0))).toEqual({ ok: false, at: gm.pausedUntil, reason: 'paused' })
    const ex = await recordFeedback(db, EX, { kind: 'daily-limit', provider: 'exchange' }, T0)
    expect(ex.pausedUntil).toBe(T0 + PAUSE_MAX_MS)
  })

  it('writes nothing for answers that say nothing about pace', async () => {
    const db = open(freshName())
    for (const kind of ['auth', 'permanent', 'transient'] as const) await recordFeedback(db, EX, { kind }, T0)
    await recordFeedback(db, EX, { kind: 'sent' }, T0)
    expect(await db.throttle.count()).toBe(0)
  })
})

describe('readBudget', () => {
  it('reads the sidebar view from the database', async () => {
    const db = open(freshName())
    for (let i = 0; i < 12; i++) await reserve(db, input(EX, `r${i}`, exchange, T0, 10))
    const view = await readBudget(db, EX, exchange, T0 + 10, { recipients: 5 })
    expect(view).toMatchObject({ minuteRemaining: 18, dayRemaining: 9_880, eta: T0 + 10 })
  })
})
