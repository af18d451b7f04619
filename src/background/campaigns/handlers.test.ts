import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RawSender } from '../../core/sender.ts'
import type { Enrolment, OutboxRow } from '../../core/types.ts'
import { handlers } from '../handlers.ts'
import { kick } from '../outbox/scheduler.ts'
import { createRouter } from '../router.ts'
import { onCampaignAlarm } from './index.ts'
import { type Env, setUp, tearDown } from './test-env.ts'

/**
 * The campaign requests as the sidebar and the options page send them: through the router, with
 * its sender checks and payload validation, to the real handlers and the engine.
 */

const EXT = 'test'
const options: RawSender = { id: EXT, url: `chrome-extension://${EXT}/src/options/index.html` }
const gmailTab: RawSender = {
  id: EXT,
  url: 'https://mail.google.com/mail/u/0/#inbox',
  origin: 'https://mail.google.com',
  frameId: 0,
  tab: { id: 7, url: 'https://mail.google.com/mail/u/0/#inbox' },
}
const route = createRouter(handlers, EXT)
const ask = (sender: RawSender, message: Record<string, unknown>) =>
  route(message, sender) as Promise<{ ok: boolean; data?: unknown; error?: { code: string; params?: string[] } }>

const MONDAY = Date.UTC(2026, 10, 16, 8, 0)
let env: Env

beforeEach(async () => {
  env = await setUp(MONDAY)
  await env.db.templates.bulkPut([
    { id: 't1', name: 'Intro', subject: 'Hi', body: '<p>Hi</p>', createdAt: 0, updatedAt: 0 },
    { id: 't2', name: 'Nudge', subject: 'Nudge', body: '<p>?</p>', createdAt: 0, updatedAt: 0 },
  ])
})
afterEach(async () => {
  await tearDown(env)
})

async function saveCampaign(steps: unknown[]) {
  return ask(options, {
    type: 'campaigns.save',
    campaign: { name: 'Q4', steps, skipWeekends: false, removeOnBounce: true, endOnReply: true },
  })
}

describe('campaign requests', () => {
  it('refuses a sequence that cannot run, and steps naming a missing template', async () => {
    expect(await saveCampaign([{ dayOffset: 0, templateId: 't1', mode: 'reply' }])).toMatchObject({
      ok: false,
      error: { code: 'invalid_message' },
    })
    expect(
      await saveCampaign([
        { dayOffset: 3, templateId: 't1', mode: 'new' },
        { dayOffset: 1, templateId: 't2', mode: 'reply' },
      ]),
    ).toMatchObject({ ok: false, error: { code: 'invalid_message' } })
    expect(await saveCampaign([{ dayOffset: 0, templateId: 'gone', mode: 'new' }])).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    })
    expect(await env.db.campaigns.count()).toBe(0)
  })

  it('a Gmail compose enrols its recipients and hears why some were skipped; a host page cannot remove anyone', async () => {
    const saved = await saveCampaign([
      { dayOffset: 0, templateId: 't1', mode: 'new' },
      { dayOffset: 2, templateId: 't2', mode: 'reply' },
    ])
    const campaignId = (saved.data as { id: string }).id
    await env.db.suppression.put({
      address: 'gone@contoso.example',
      reason: 'userunknown',
      addedAt: 0,
      source: 'bounce',
    })
    const r = await ask(gmailTab, {
      type: 'campaign.enrol',
      campaignId,
      people: [{ address: 'ana@contoso.example', name: 'Ana Silva' }, { address: 'gone@contoso.example' }],
    })
    expect(r).toEqual({
      ok: true,
      data: { enrolled: 1, skipped: [{ address: 'gone@contoso.example', reason: 'suppressed' }] },
    })
    const [ana] = await env.db.enrolments.toArray()
    expect(await ask(gmailTab, { type: 'campaign.remove', enrolmentId: ana!.id })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
    expect(await ask(options, { type: 'campaign.remove', enrolmentId: ana!.id })).toEqual({ ok: true, data: null })
    expect(await env.db.enrolments.get(ana!.id)).toMatchObject<Partial<Enrolment>>({
      state: 'ended',
      endedReason: 'removed',
    })
  })

  it('a template in use cannot be deleted; deleting the campaign frees it and ends its people', async () => {
    const saved = await saveCampaign([
      { dayOffset: 0, templateId: 't1', mode: 'new' },
      { dayOffset: 1, templateId: 't2', mode: 'new' },
    ])
    const campaignId = (saved.data as { id: string }).id
    await ask(options, { type: 'campaign.enrol', campaignId, people: [{ address: 'bo@fabrikam.example' }] })
    expect(await ask(options, { type: 'templates.delete', id: 't2' })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed', params: ['Q4'] },
    })
    expect(await ask(options, { type: 'campaigns.delete', id: campaignId })).toEqual({ ok: true, data: null })
    const [bo] = await env.db.enrolments.toArray()
    expect(bo).toMatchObject({ state: 'ended', endedReason: 'removed' })
    const rows = (await env.db.outbox.where('enrolmentId').equals(bo!.id).toArray()) as OutboxRow[]
    expect(rows.some((r) => r.state === 'ended' && r.stepIndex === 1)).toBe(true)
    expect(await ask(options, { type: 'templates.delete', id: 't2' })).toEqual({ ok: true, data: null })
  })

  it('the test clock exists in test builds and moves the engine forward', async () => {
    const r = await ask(options, { type: 'test.clock', advanceMs: 1000 })
    expect(r).toMatchObject({ ok: true, data: { offsetMs: 1000 } })
    expect(await ask(gmailTab, { type: 'test.clock', advanceMs: 1000 })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
  })
})

describe('feed upkeep', () => {
  it('a send scheduled for later shows as queued in the feed; one going out now does not', async () => {
    const message = { to: ['ana@contoso.example'], cc: [], bcc: [], subject: 'Later', html: '<p>x</p>', text: 'x' }
    const later = Date.now() + 3 * 3600_000
    for (const scheduledAt of [later, undefined]) {
      const r = await ask(options, {
        type: 'outbox.sendFromPage',
        requestId: crypto.randomUUID(),
        message,
        scheduledAt,
      })
      expect(r.ok).toBe(true)
    }
    // The send without a date is due at once (this test's clock is the wall clock here).
    env.set(Date.now() + 1000)
    await kick()
    const feed = await env.db.feed.toArray()
    expect(feed.map((f) => f.kind).sort()).toEqual(['queued', 'sent'])
    expect(feed.find((f) => f.kind === 'queued')).toMatchObject({
      subject: 'Later',
      detail: new Date(later).toISOString(),
    })
    expect(env.badge.text).toBe('2')
  })

  it('the feed-prune alarm removes events past retention', async () => {
    await env.db.feed.bulkAdd([
      { at: Date.now() - 200 * 86_400_000, kind: 'sent', read: 1 },
      { at: Date.now(), kind: 'bounced', read: 0 },
    ])
    expect(onCampaignAlarm('feed-prune')).toBe(true)
    expect(onCampaignAlarm('someone-else')).toBe(false)
    await expect.poll(() => env.db.feed.count()).toBe(1)
  })
})
