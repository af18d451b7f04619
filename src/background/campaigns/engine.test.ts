import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DAY_MS } from '../../core/campaign-schedule.ts'
import { statKey, utcDay } from '../../core/db.ts'
import type { BounceKind, BounceRecord, Campaign, CampaignStep, OutboxRow } from '../../core/types.ts'
import { ProviderError } from '../../channels/channel.ts'
import { registerChannel } from '../../channels/index.ts'
import { emitEvent } from '../events.ts'
import { resend } from '../outbox/actions.ts'
import { enqueue } from '../outbox/queue.ts'
import { kick } from '../outbox/scheduler.ts'
import {
  AWAITING_SEND,
  enrol,
  endEnrolment,
  REQUEUE_DELAY_MS,
  removeFromCampaign,
  runCampaigns,
  stepOutboxId,
} from './engine.ts'
import { type Env, recordingGmail, REP, setUp, tearDown } from './test-env.ts'

// Monday 2026-11-16, 09:00 in Berlin.
const MONDAY = Date.UTC(2026, 10, 16, 8, 0)
let env: Env

beforeEach(async () => {
  env = await setUp(MONDAY)
})
afterEach(async () => {
  await tearDown(env)
})

async function template(id: string, subject: string, body = '<p>Hi {{first_name|there}}</p>') {
  await env.db.templates.put({ id, name: id, subject, body, createdAt: 0, updatedAt: 0 })
}

async function campaign(over: Partial<Campaign> & { steps: CampaignStep[] }): Promise<Campaign> {
  const c: Campaign = {
    id: 'camp-1',
    name: 'Q4 outreach',
    skipWeekends: false,
    removeOnBounce: true,
    endOnReply: true,
    createdAt: 0,
    ...over,
  }
  await env.db.campaigns.put(c)
  return c
}

const THREE_STEPS: CampaignStep[] = [
  { dayOffset: 0, templateId: 't1', mode: 'new' },
  { dayOffset: 2, templateId: 't2', mode: 'reply' },
  { dayOffset: 5, templateId: 't3', mode: 'new' },
]

/** Lets the engine and the scheduler do everything that is due at the current simulated time. */
async function settle() {
  for (let i = 0; i < 6; i++) {
    await runCampaigns()
    await kick()
    // Past the per-second send pace, without reaching any day boundary.
    env.set(env.now() + 1100)
  }
  await runCampaigns()
}

async function advanceTo(t: number) {
  env.set(t)
  await settle()
}

async function rowsOf(enrolmentId: string): Promise<OutboxRow[]> {
  const rows = await env.db.outbox.where('enrolmentId').equals(enrolmentId).toArray()
  return rows.sort((a, b) => (a.stepIndex ?? 0) - (b.stepIndex ?? 0))
}

async function enrolmentOf(address: string) {
  return (await env.db.enrolments.where('address').equals(address).first())!
}

/** What the inbox scanner does when it stores a bounce: the record, the stats, then the event. */
async function bounce(row: OutboxRow, kind: BounceKind, ndr: string = crypto.randomUUID()) {
  const b: BounceRecord = {
    id: `${row.mailboxId}|${ndr}|${row.message.to[0]}`,
    mailboxId: row.mailboxId,
    ndrProviderId: ndr,
    recipient: row.message.to[0]!.toLowerCase(),
    kind,
    reason: kind === 'hard' ? 'userunknown' : 'mailboxfull',
    status: kind === 'hard' ? '5.1.1' : '4.2.2',
    detectedAt: env.now(),
    outboxId: row.id,
    correlation: 'dispatch-id',
    templateId: row.templateId,
    campaignId: row.campaignId,
    stepIndex: row.stepIndex,
  }
  await env.db.bounces.put(b)
  await emitEvent('bounce.recorded', b)
}

describe('enrolment', () => {
  beforeEach(async () => {
    await template('t1', 'Hello {{company}}')
    await campaign({ steps: THREE_STEPS })
  })

  it('skips suppressed, already enrolled, active elsewhere, invalid and repeated people, with reasons', async () => {
    await env.db.suppression.put({
      address: 'gone@contoso.example',
      reason: 'userunknown',
      addedAt: 0,
      source: 'bounce',
    })
    await campaign({ id: 'camp-2', name: 'Other', steps: THREE_STEPS })
    expect((await enrol('camp-2', [{ address: 'busy@contoso.example' }])).enrolled).toBe(1)
    const first = await enrol('camp-1', [{ address: 'Ana Silva <Ana@Contoso.example>' }])
    expect(first).toEqual({ enrolled: 1, skipped: [] })

    const r = await enrol('camp-1', [
      { address: 'gone@contoso.example' },
      { address: 'ana@contoso.example' },
      { address: 'busy@contoso.example' },
      { address: 'not an address' },
      { address: 'bo@fabrikam.example', name: 'Bo Berg' },
      { address: 'BO@fabrikam.example' },
    ])
    expect(r.enrolled).toBe(1)
    expect(r.skipped).toEqual(
      expect.arrayContaining([
        { address: 'gone@contoso.example', reason: 'suppressed' },
        { address: 'ana@contoso.example', reason: 'already_enrolled' },
        { address: 'busy@contoso.example', reason: 'active_elsewhere' },
        { address: 'not an address', reason: 'invalid_address' },
        { address: 'bo@fabrikam.example', reason: 'duplicate' },
      ]),
    )
    expect(r.skipped).toHaveLength(5)
    const ana = await enrolmentOf('ana@contoso.example')
    expect(ana).toMatchObject({ state: 'active', nextStep: 0, name: 'Ana Silva', softBounceStreak: 0 })
    expect(ana.variables).toMatchObject({ first_name: 'Ana', company: 'Contoso' })
  })

  it('refuses an archived campaign', async () => {
    await env.db.campaigns.update('camp-1', { archived: true })
    await expect(enrol('camp-1', [{ address: 'ana@contoso.example' }])).rejects.toMatchObject({ code: 'not_found' })
  })

  it('starts a weekend enrolment on Monday when the campaign skips weekends', async () => {
    await campaign({ skipWeekends: true, steps: THREE_STEPS })
    const saturday = MONDAY + 5 * DAY_MS
    env.set(saturday)
    await enrol('camp-1', [{ address: 'ana@contoso.example' }])
    expect((await enrolmentOf('ana@contoso.example')).nextDueAt).toBe(saturday + 2 * DAY_MS)
  })
})

describe('running a campaign', () => {
  beforeEach(async () => {
    await template('t1', 'Pricing for {{company}}', '<p>Hi {{first_name|there}}, pricing.</p>')
    await template('t2', 'Following up', '<p>Any thoughts, {{first_name}}?</p>')
    await template('t3', 'One last thing', '<p>Last note.</p>')
  })

  it('sends each step when due, as a reply in the thread where asked, and completes', async () => {
    await campaign({ steps: THREE_STEPS })
    await enrol('camp-1', [{ address: 'ana@contoso.example', name: 'Ana Silva' }])
    await settle()
    const ana = await enrolmentOf('ana@contoso.example')
    expect(env.sent).toHaveLength(1)
    const [s0] = env.sent
    expect(s0).toMatchObject({ origin: 'campaign', channel: 'gmail', mailboxId: REP.id, stepIndex: 0 })
    expect(s0!.message).toMatchObject({ to: ['Ana Silva <ana@contoso.example>'], subject: 'Pricing for Contoso' })
    expect(s0!.message.html).toContain('Hi Ana, pricing.')
    expect(s0!.message.text).toBe('Hi Ana, pricing.')
    expect(s0!.id).toBe(await stepOutboxId(ana.id, 0))
    expect(ana).toMatchObject({
      nextStep: 1,
      nextDueAt: MONDAY + 2 * DAY_MS,
      threadRefs: [`<${s0!.id}@mail.gmail.example>`],
    })

    // Not a minute early.
    await advanceTo(MONDAY + 2 * DAY_MS - 60_000)
    expect(env.sent).toHaveLength(1)
    await advanceTo(MONDAY + 2 * DAY_MS)
    expect(env.sent).toHaveLength(2)
    const s1 = env.sent[1]!
    expect(s1.message).toMatchObject({
      subject: 'Re: Pricing for Contoso',
      inReplyTo: `<${s0!.id}@mail.gmail.example>`,
      references: [`<${s0!.id}@mail.gmail.example>`],
      providerThreadId: `thread-${s0!.id.slice(0, 8)}`,
    })

    await advanceTo(MONDAY + 5 * DAY_MS)
    expect(env.sent).toHaveLength(3)
    // A 'new' step starts its own thread.
    expect(env.sent[2]!.message.inReplyTo).toBeUndefined()
    expect(env.sent[2]!.message.subject).toBe('One last thing')
    expect(await enrolmentOf('ana@contoso.example')).toMatchObject({ state: 'completed', nextStep: 3 })

    // The scheduler counted every send into the template, campaign and step totals.
    const day = utcDay(MONDAY)
    expect((await env.db.stats.get(statKey('campaign', 'camp-1', day)))?.sent).toBe(1)
    expect((await env.db.stats.get(statKey('step', 'camp-1#1', utcDay(MONDAY + 2 * DAY_MS))))?.sent).toBe(1)
    expect((await env.db.stats.get(statKey('template', 't3', utcDay(MONDAY + 5 * DAY_MS))))?.sent).toBe(1)
  })

  it('queues a step once, however often a restarted worker retries it', async () => {
    await campaign({ steps: THREE_STEPS })
    // The rep has no mailbox right now: the step is enrolled but cannot go out yet.
    await env.db.accounts.clear()
    await enrol('camp-1', [{ address: 'ana@contoso.example' }])
    await runCampaigns()
    let ana = await enrolmentOf('ana@contoso.example')
    expect(ana.nextDueAt).toBe(MONDAY + REQUEUE_DELAY_MS)
    expect(await env.db.outbox.count()).toBe(0)

    await env.db.accounts.put(REP)
    // A worker that queued the step and died before it could note so on the enrolment.
    const id = await stepOutboxId(ana.id, 0)
    await enqueue({
      requestId: id,
      origin: 'campaign',
      campaignId: 'camp-1',
      enrolmentId: ana.id,
      stepIndex: 0,
      templateId: 't1',
      message: { to: [ana.address], cc: [], bcc: [], subject: 'x', html: '', text: '' },
      now: env.now(),
      scheduledAt: MONDAY + DAY_MS,
    })
    env.set(MONDAY + REQUEUE_DELAY_MS)
    await Promise.all([runCampaigns(), runCampaigns(), runCampaigns()])
    await runCampaigns()
    expect(await env.db.outbox.count()).toBe(1)
    ana = await enrolmentOf('ana@contoso.example')
    expect(ana.nextDueAt).toBe(AWAITING_SEND)
  })

  it('a failed step waits for the rep’s Resend and then the campaign goes on', async () => {
    await campaign({ steps: THREE_STEPS })
    registerChannel({
      kind: 'gmail',
      send: async () => {
        throw new ProviderError('provider_rejected', 'Invalid To header', { kind: 'permanent' })
      },
      findSent: async () => null,
    })
    await enrol('camp-1', [{ address: 'ana@contoso.example' }])
    await settle()
    const ana = await enrolmentOf('ana@contoso.example')
    const [row] = await rowsOf(ana.id)
    expect(row).toMatchObject({ state: 'failed', stepIndex: 0 })
    await advanceTo(MONDAY + 3 * DAY_MS)
    expect(await enrolmentOf('ana@contoso.example')).toMatchObject({ nextStep: 0, nextDueAt: AWAITING_SEND })
    expect(await env.db.outbox.count()).toBe(1)

    registerChannel(recordingGmail(env.sent))
    await resend(row!.id)
    // Resend stamps the wall clock; this test runs on the simulated one.
    await env.db.outbox.update(row!.id, { nextAttemptAt: env.now(), notBefore: env.now() })
    await settle()
    // Sent late: step 1's day-2 date has passed, so it follows at once; step 2 keeps its day 5.
    expect(env.sent.map((s) => s.stepIndex)).toEqual([0, 1])
    expect(await enrolmentOf('ana@contoso.example')).toMatchObject({ nextStep: 2, nextDueAt: MONDAY + 5 * DAY_MS })
  })
})

describe('Remove on Bounce and end on reply', () => {
  beforeEach(async () => {
    await template('t1', 'Pricing')
    await template('t2', 'Following up')
    await template('t3', 'Last note')
    await template('t4', 'Break-up')
  })

  it('a hard bounce removes the person at once; later steps are ended with the reason', async () => {
    await campaign({ steps: THREE_STEPS })
    await enrol('camp-1', [{ address: 'gone@contoso.example' }, { address: 'ana@contoso.example' }])
    await settle()
    const gone = await enrolmentOf('gone@contoso.example')
    const [step0] = await rowsOf(gone.id)
    await bounce(step0!, 'hard')
    expect(await enrolmentOf('gone@contoso.example')).toMatchObject({ state: 'ended', endedReason: 'bounce' })
    const rows = await rowsOf(gone.id)
    expect(rows.map((r) => [r.stepIndex, r.state])).toEqual([
      [0, 'sent'],
      [1, 'ended'],
      [2, 'ended'],
    ])
    expect(rows[1]!.error).toMatchObject({ code: 'campaign_ended', params: ['bounce'] })
    expect(rows[1]!.message.to).toEqual(['gone@contoso.example'])
    const feed = await env.db.feed.where('at').above(0).toArray()
    expect(feed.filter((f) => f.kind === 'ended')).toEqual([
      expect.objectContaining({ campaignId: 'camp-1', recipient: 'gone@contoso.example', detail: 'bounce' }),
    ])

    // The other person goes on; the removed one is sent nothing more.
    await advanceTo(MONDAY + 6 * DAY_MS)
    expect(env.sent.filter((s) => s.message.to[0] === 'gone@contoso.example')).toHaveLength(1)
    expect(env.sent.filter((s) => s.message.to[0] === 'ana@contoso.example')).toHaveLength(3)
  })

  it('with Remove on Bounce off the person stays, but a suppressed address is never sent a step', async () => {
    await campaign({ removeOnBounce: false, steps: THREE_STEPS })
    await enrol('camp-1', [{ address: 'full@contoso.example' }, { address: 'gone@contoso.example' }])
    await settle()
    const full = await enrolmentOf('full@contoso.example')
    await bounce((await rowsOf(full.id))[0]!, 'soft')
    const gone = await enrolmentOf('gone@contoso.example')
    await bounce((await rowsOf(gone.id))[0]!, 'hard')
    expect((await enrolmentOf('gone@contoso.example')).state).toBe('active')
    // The scanner puts a hard-bounced address on the suppression list.
    await env.db.suppression.put({
      address: 'gone@contoso.example',
      reason: 'userunknown',
      addedAt: 0,
      source: 'bounce',
    })
    await advanceTo(MONDAY + 2 * DAY_MS)
    expect(await enrolmentOf('gone@contoso.example')).toMatchObject({ state: 'ended', endedReason: 'bounce' })
    expect(await enrolmentOf('full@contoso.example')).toMatchObject({ state: 'active', nextStep: 2 })
  })

  it('soft bounces remove the person after three steps in a row, not after two or a broken run', async () => {
    const four: CampaignStep[] = [0, 1, 2, 3].map((d) => ({ dayOffset: d, templateId: `t${d + 1}`, mode: 'new' }))
    await campaign({ steps: four })
    await enrol('camp-1', [{ address: 'full@contoso.example' }, { address: 'flaky@contoso.example' }])
    const stepRow = async (address: string, i: number) => (await rowsOf((await enrolmentOf(address)).id))[i]!
    await settle()
    await bounce(await stepRow('full@contoso.example', 0), 'soft')
    await bounce(await stepRow('flaky@contoso.example', 0), 'soft')
    await advanceTo(MONDAY + DAY_MS)
    await bounce(await stepRow('full@contoso.example', 1), 'soft')
    // The same NDR seen twice counts once.
    const again = await stepRow('full@contoso.example', 1)
    await bounce(again, 'soft', 'ndr-repeat')
    await bounce(again, 'soft', 'ndr-repeat')
    expect(await enrolmentOf('full@contoso.example')).toMatchObject({ state: 'active', softBounceStreak: 2 })
    await advanceTo(MONDAY + 2 * DAY_MS)
    await bounce(await stepRow('full@contoso.example', 2), 'soft')
    await bounce(await stepRow('flaky@contoso.example', 2), 'soft')
    expect(await enrolmentOf('full@contoso.example')).toMatchObject({
      state: 'ended',
      endedReason: 'soft-bounces',
      softBounceStreak: 3,
    })
    // flaky's step 1 was delivered: its run is 1, not 2.
    expect(await enrolmentOf('flaky@contoso.example')).toMatchObject({ state: 'active', softBounceStreak: 1 })
    const full = await rowsOf((await enrolmentOf('full@contoso.example')).id)
    expect(full.map((r) => r.state)).toEqual(['sent', 'sent', 'sent', 'ended'])
    expect(full[3]!.error?.params).toEqual(['soft-bounces'])
  })

  it('a reply ends the person’s campaign, and the step waiting in the queue is ended', async () => {
    await campaign({ steps: THREE_STEPS })
    await enrol('camp-1', [{ address: 'ana@contoso.example' }])
    await settle()
    const ana = await enrolmentOf('ana@contoso.example')
    const [step0] = await rowsOf(ana.id)
    // Step 1 is queued but held (the mailbox is paused until later).
    env.set(MONDAY + 2 * DAY_MS)
    await env.db.throttle.put({
      mailboxId: REP.id,
      cooldownUntil: 0,
      strikes: 0,
      rateFactor: 1,
      rateFactorUntil: 0,
      pausedUntil: MONDAY + 10 * DAY_MS,
    })
    await settle()
    expect((await rowsOf(ana.id)).map((r) => r.state)).toEqual(['sent', 'queued'])

    await emitEvent('reply.detected', {
      mailboxId: REP.id,
      providerId: 'reply-1',
      from: 'ana@contoso.example',
      at: env.now(),
      outboxId: step0!.id,
    })
    expect(await enrolmentOf('ana@contoso.example')).toMatchObject({ state: 'ended', endedReason: 'reply' })
    const rows = await rowsOf(ana.id)
    expect(rows.map((r) => [r.state, r.error?.params?.[0]])).toEqual([
      ['sent', undefined],
      ['ended', 'reply'],
      ['ended', 'reply'],
    ])
    await env.db.throttle.clear()
    await advanceTo(MONDAY + 7 * DAY_MS)
    expect(env.sent).toHaveLength(1)
  })

  it('an unmatched reply ends the campaign of the person who wrote it, only if the campaign says so', async () => {
    await campaign({ steps: THREE_STEPS })
    await campaign({ id: 'camp-2', endOnReply: false, steps: THREE_STEPS })
    await enrol('camp-1', [{ address: 'ana@contoso.example' }])
    await enrol('camp-2', [{ address: 'bo@fabrikam.example' }])
    await settle()
    for (const from of ['ana@contoso.example', 'bo@fabrikam.example', 'stranger@example.org'])
      await emitEvent('reply.detected', { mailboxId: REP.id, providerId: from, from, at: env.now() })
    expect((await enrolmentOf('ana@contoso.example')).state).toBe('ended')
    expect((await enrolmentOf('bo@fabrikam.example')).state).toBe('active')
  })

  it('the rep can remove someone; an archived campaign ends its people when their next step is due', async () => {
    await campaign({ steps: THREE_STEPS })
    await enrol('camp-1', [{ address: 'ana@contoso.example' }, { address: 'bo@fabrikam.example' }])
    await settle()
    const ana = await enrolmentOf('ana@contoso.example')
    await removeFromCampaign(ana.id)
    expect(await enrolmentOf('ana@contoso.example')).toMatchObject({ state: 'ended', endedReason: 'removed' })
    await expect(removeFromCampaign(ana.id)).rejects.toMatchObject({ code: 'not_allowed' })
    expect(await endEnrolment(ana.id, 'reply')).toBe(false)

    await env.db.campaigns.update('camp-1', { archived: true })
    await advanceTo(MONDAY + 2 * DAY_MS)
    expect(await enrolmentOf('bo@fabrikam.example')).toMatchObject({ state: 'ended', endedReason: 'removed' })
    expect(env.sent).toHaveLength(2)
  })
})

describe('stepOutboxId', () => {
  it('is a stable UUID per enrolment and step', async () => {
    const a = await stepOutboxId('e1', 0)
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(await stepOutboxId('e1', 0)).toBe(a)
    expect(await stepOutboxId('e1', 1)).not.toBe(a)
    expect(await stepOutboxId('e2', 0)).not.toBe(a)
  })
})
