import { buildKind } from '../config.ts'
import { stepProblems } from '../core/campaign-schedule.ts'
import { HOST_PROVIDER } from '../core/channel-rule.ts'
import { db } from '../core/db.ts'
import { DispatchError } from '../core/errors.ts'
import type { Campaign, Template } from '../core/types.ts'
import { connect, disconnect } from './accounts.ts'
import { scanConnected } from './bounces/index.ts'
import { adviseDomain } from './advisor/index.ts'
import { archiveCampaign, enrol, removeFromCampaign, runCampaigns } from './campaigns/engine.ts'
import { advanceClock } from './campaigns/test-hooks.ts'
import { composeContext } from './compose.ts'
import { authenticateRelay } from './delivery.ts'
import { markAllRead, markRead } from './feed/feed.ts'
import { cancel, resend } from './outbox/actions.ts'
import { enqueue } from './outbox/queue.ts'
import { kick } from './outbox/scheduler.ts'
import { statusOf } from './push.ts'
import type { Handlers } from './router.ts'
import { saveSettings } from './settings.ts'

export const workerStartedAt = Date.now()
const PINGS_KEY = '_diag.pings'

/** Every request the worker answers, by type. The router has already checked sender and payload. */
export const handlers: Handlers = {
  async 'diag.ping'({ echo }) {
    // A counter kept in IndexedDB: proves state survives the worker being killed.
    const pings = await db().transaction('rw', db().settings, async () => {
      const n = ((await db().settings.get(PINGS_KEY))?.value as number | undefined) ?? 0
      await db().settings.put({ key: PINGS_KEY, value: n + 1 })
      return n + 1
    })
    return { echo, workerStartedAt, dbVersion: db().verno, pings }
  },

  async 'compose.context'({ accountHint, recipients }, sender) {
    if (sender.kind !== 'content') throw new DispatchError('forbidden', 'Only a compose can ask for its context')
    return composeContext(sender.host, accountHint, recipients)
  },

  async 'compose.send'(p, sender) {
    if (sender.kind !== 'content')
      throw new DispatchError('forbidden', 'Only a compose in Gmail or Outlook can send from a compose')
    const row = await enqueue({
      requestId: p.requestId,
      origin: 'compose',
      host: sender.host,
      tabId: sender.tabId,
      composeId: p.composeId,
      accountHint: p.accountHint,
      message: p.message,
      scheduledAt: p.scheduledAt,
      timeZone: p.timeZone,
      templateId: p.templateId,
      campaignId: p.campaignId,
    })
    return statusOf(row)
  },

  async 'outbox.status'({ ids }, sender) {
    const rows = (await db().outbox.bulkGet(ids)).filter((r) => r !== undefined)
    // A tab sees only the sends it started.
    const visible = sender.kind === 'page' ? rows : rows.filter((r) => r.tabId === sender.tabId)
    return visible.map(statusOf)
  },

  async 'templates.list'() {
    return db().templates.orderBy('name').toArray()
  },

  async 'campaigns.list'() {
    const all = await db().campaigns.orderBy('name').toArray()
    return all.filter((c) => !c.archived).map(({ id, name, steps }) => ({ id, name, steps }))
  },

  async 'auth.connect'({ accountHint }, sender) {
    if (sender.kind !== 'content') throw new DispatchError('forbidden', 'Use auth.connectProvider from Dispatch pages')
    const result = await connect(HOST_PROVIDER[sender.host], accountHint?.address ?? undefined)
    void kick()
    return result
  },

  async 'auth.connectProvider'({ provider, loginHint }) {
    const result = await connect(provider, loginHint)
    void kick()
    return result
  },

  async 'auth.disconnect'({ accountId }) {
    await disconnect(accountId)
    return null
  },

  async 'settings.set'({ patch }) {
    await saveSettings(patch)
    return null
  },

  async 'templates.save'({ template }) {
    const now = Date.now()
    const existing = template.id ? await db().templates.get(template.id) : undefined
    const saved: Template = {
      id: existing?.id ?? crypto.randomUUID(),
      name: template.name,
      subject: template.subject,
      body: template.body,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    }
    await db().templates.put(saved)
    return saved
  },

  async 'templates.delete'({ id }) {
    // A campaign step without its template could never be sent: the rep changes the campaign first.
    const users = (await db().campaigns.toArray()).filter(
      (c) => !c.archived && c.steps.some((s) => s.templateId === id),
    )
    if (users.length > 0)
      throw new DispatchError('not_allowed', 'A campaign uses this template', [users.map((c) => c.name).join(', ')])
    await db().templates.delete(id)
    return null
  },

  async 'campaigns.save'({ campaign }) {
    const problems = stepProblems(campaign.steps)
    if (problems.length > 0) throw new DispatchError('invalid_message', `Invalid steps: ${problems.join(', ')}`)
    const templates = await db().templates.bulkGet(campaign.steps.map((s) => s.templateId))
    if (templates.some((x) => !x)) throw new DispatchError('not_found', 'A step names a template that does not exist')
    const existing = campaign.id ? await db().campaigns.get(campaign.id) : undefined
    const saved: Campaign = {
      ...existing,
      id: existing?.id ?? crypto.randomUUID(),
      name: campaign.name,
      steps: campaign.steps,
      skipWeekends: campaign.skipWeekends,
      removeOnBounce: campaign.removeOnBounce,
      endOnReply: campaign.endOnReply,
      mailboxId: campaign.mailboxId,
      createdAt: existing?.createdAt ?? Date.now(),
    }
    await db().campaigns.put(saved)
    return saved
  },

  async 'campaigns.delete'({ id }) {
    await archiveCampaign(id)
    return null
  },

  async 'campaign.enrol'({ campaignId, people }) {
    return enrol(campaignId, people)
  },

  async 'campaign.remove'({ enrolmentId }) {
    await removeFromCampaign(enrolmentId)
    return null
  },

  async 'outbox.cancel'({ id }) {
    return cancel(id)
  },

  async 'outbox.resend'({ id }) {
    return resend(id)
  },

  async 'outbox.sendFromPage'({ requestId, message, channel, scheduledAt }) {
    const row = await enqueue({ requestId, origin: 'page', message, pageChannel: channel, scheduledAt })
    return statusOf(row)
  },

  async 'feed.markRead'({ ids }) {
    await markRead(ids)
    return null
  },

  async 'feed.markAllRead'() {
    await markAllRead()
    return null
  },

  async 'suppression.remove'({ address }) {
    await db().suppression.delete(address.trim().toLowerCase())
    return null
  },

  async 'relay.verify'(p) {
    return authenticateRelay(p)
  },

  async 'advisor.check'(p) {
    return adviseDomain(p)
  },

  async 'scan.now'({ mailboxId }) {
    return scanConnected(mailboxId)
  },

  async 'worker.tick'() {
    await Promise.all([kick(), runCampaigns()])
    return null
  },

  // Test and demo builds only: the production bundle has no clock hook at all.
  ...(buildKind !== 'production'
    ? { 'test.clock': (({ advanceMs }) => advanceClock(advanceMs)) satisfies Handlers['test.clock'] }
    : {}),
}
