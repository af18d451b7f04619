import { isValidAddress, parseAddressList } from '../../core/address.ts'
import {
  AWAITING_SEND,
  bounceOutcome,
  dueAtForStep,
  type EndReason,
  replyOutcome,
  replySubject,
  softBounceStreak,
} from '../../core/campaign-schedule.ts'
import { channelForSend } from '../../core/channel-rule.ts'
import { db, recipientKeys } from '../../core/db.ts'
import { DispatchError } from '../../core/errors.ts'
import { htmlToText } from '../../core/mime.ts'
import { renderTemplate, variablesFor } from '../../core/templating.ts'
import type {
  BounceRecord,
  Campaign,
  ChannelKind,
  Enrolment,
  MailboxId,
  OutboxRow,
  OutgoingMessage,
} from '../../core/types.ts'
import { on, type ReplyDetected } from '../events.ts'
import { emit } from '../feed/feed.ts'
import { mailboxForChannel } from '../mailboxes.ts'
import { enqueue } from '../outbox/queue.ts'
import { getSettings } from '../settings.ts'

/**
 * The campaign engine. An enrolment's state in IndexedDB is the whole truth: `nextStep` is the step
 * to send next and `nextDueAt` when. A due step becomes an outbox row (origin `campaign`) through
 * `enqueue`, and the outbox scheduler sends it under the throttle on the rep's delivery channel.
 * Each step's outbox id is derived from (enrolment, step), so a step is queued once however often a
 * restarted worker retries it. The enrolment waits (`nextDueAt = AWAITING_SEND`) until the scheduler
 * settles that row; a sent step schedules the next one, a failed step waits for the rep's Resend.
 *
 * A bounce (Remove on Bounce), a reply (end on reply), a suppressed address or the rep's removal
 * ends the person's campaign: every step not yet sent becomes an `ended` outbox row carrying the
 * reason, which the campaign page lists under "campaign has ended".
 */

export const CAMPAIGN_ALARM = 'campaigns'
export { AWAITING_SEND }
/** A step that cannot be queued now (no mailbox connected) is tried again after this. */
export const REQUEUE_DELAY_MS = 15 * 60_000
const BATCH = 50
const TIMER_LIMIT_MS = 25_000

export type EnrolSkipReason = 'suppressed' | 'already_enrolled' | 'active_elsewhere' | 'invalid_address' | 'duplicate'

let clock = () => Date.now()
let zone: string | undefined

/** Tests (and the test build's clock hook) move time; production uses the wall clock. */
export function setCampaignClockForTesting(now: () => number, timeZone?: string): void {
  clock = now
  zone = timeZone
}

export function campaignNow(): number {
  return clock()
}

/** The rep's zone: the browser's own, which is where the rep works. */
function repZone(): string {
  return zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC'
}

function scheduleOptions(campaign: Campaign) {
  return { zone: repZone(), skipWeekends: campaign.skipWeekends }
}

/**
 * The outbox id (and X-Dispatch-Id) of step `stepIndex` for an enrolment: a UUID-shaped SHA-256 of
 * the pair, so queuing a step twice finds the first row instead of making a second.
 */
export async function stepOutboxId(enrolmentId: string, stepIndex: number): Promise<string> {
  const bytes = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`dispatch-step|${enrolmentId}|${stepIndex}`)),
  ).slice(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x80 // version 8: custom
  bytes[8] = (bytes[8]! & 0x3f) | 0x80 // RFC 4122 variant
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

// ─── Enrolment ──────────────────────────────────────────────────────────────────────────────────

export interface PersonInput {
  address: string
  name?: string
  variables?: Record<string, string>
}

export interface EnrolResult {
  enrolled: number
  skipped: { address: string; reason: EnrolSkipReason }[]
}

/**
 * Adds people to a campaign. Suppressed addresses, people already in this campaign (in any state)
 * and people active in another campaign are skipped with their reason; the others start at step 0,
 * due at once (or on Monday when the campaign skips weekends).
 */
export async function enrol(campaignId: string, people: PersonInput[]): Promise<EnrolResult> {
  const campaign = await db().campaigns.get(campaignId)
  if (!campaign || campaign.archived) throw new DispatchError('not_found', 'No such campaign')
  const now = clock()
  const skipped: EnrolResult['skipped'] = []
  const seen = new Set<string>()
  const fresh: Enrolment[] = []
  for (const p of people) {
    const parsed = parseAddressList(p.address)[0]
    const bare = (parsed?.address || p.address).trim()
    const address = bare.toLowerCase()
    const name = p.name?.trim() || parsed?.name || undefined
    if (!isValidAddress(bare)) {
      skipped.push({ address: p.address.slice(0, 320), reason: 'invalid_address' })
      continue
    }
    if (seen.has(address)) {
      skipped.push({ address, reason: 'duplicate' })
      continue
    }
    seen.add(address)
    fresh.push({
      id: crypto.randomUUID(),
      campaignId,
      address,
      name,
      variables: variablesFor({ address: bare, name, variables: p.variables }),
      state: 'active',
      nextStep: 0,
      nextDueAt: dueAtForStep(campaign.steps, 0, now, scheduleOptions(campaign)),
      enrolledAt: now,
      softBounceStreak: 0,
    })
  }
  const added = await db().transaction('rw', [db().enrolments, db().suppression], async () => {
    const out: Enrolment[] = []
    for (const e of fresh) {
      if (await db().suppression.get(e.address)) {
        skipped.push({ address: e.address, reason: 'suppressed' })
        continue
      }
      const mine = await db().enrolments.where('[campaignId+address]').equals([campaignId, e.address]).first()
      if (mine) {
        skipped.push({ address: e.address, reason: 'already_enrolled' })
        continue
      }
      // One active campaign per person: two sequences to the same inbox read as spam.
      const elsewhere = await db()
        .enrolments.where('address')
        .equals(e.address)
        .filter((x) => x.state === 'active')
        .first()
      if (elsewhere) {
        skipped.push({ address: e.address, reason: 'active_elsewhere' })
        continue
      }
      out.push(e)
    }
    await db().enrolments.bulkAdd(out)
    return out
  })
  if (added.length > 0) void runCampaigns()
  return { enrolled: added.length, skipped }
}

// ─── Queuing due steps ──────────────────────────────────────────────────────────────────────────

function recipientFor(e: Enrolment): string {
  // A display name goes in only when it needs no quoting; the address alone is always valid.
  return e.name && /^[\p{L}\p{N} .'-]{1,100}$/u.test(e.name) ? `${e.name} <${e.address}>` : e.address
}

/** The thread a reply step answers: the first message's subject and the chain of Message-IDs. */
async function threadOf(e: Enrolment): Promise<{ subject: string; refs: string[]; providerThreadId?: string } | null> {
  const refs = e.threadRefs?.length ? e.threadRefs : e.threadMessageId ? [e.threadMessageId] : []
  if (refs.length === 0) return null
  const first = await db().outbox.where('messageId').equals(refs[0]!).first()
  return { subject: first?.message.subject ?? '', refs, providerThreadId: e.threadProviderId }
}

async function messageFor(campaign: Campaign, e: Enrolment, stepIndex: number): Promise<OutgoingMessage | null> {
  const step = campaign.steps[stepIndex]!
  const template = await db().templates.get(step.templateId)
  if (!template) return null
  const rendered = renderTemplate(template, e.variables)
  const message: OutgoingMessage = {
    to: [recipientFor(e)],
    cc: [],
    bcc: [],
    subject: rendered.subject,
    html: rendered.html,
    text: htmlToText(rendered.html),
  }
  if (step.mode === 'reply') {
    const thread = await threadOf(e)
    if (thread) {
      message.subject = replySubject(thread.subject || rendered.subject)
      message.inReplyTo = thread.refs.at(-1)
      message.references = thread.refs.slice(-20)
      if (thread.providerThreadId) message.providerThreadId = thread.providerThreadId
    }
  }
  return message
}

/** Moves an enrolment on only if nobody else did in the meantime (a settled send, an end). */
async function updateIf(id: string, expect: { nextStep: number }, patch: Partial<Enrolment>): Promise<boolean> {
  return db().transaction('rw', db().enrolments, async () => {
    const cur = await db().enrolments.get(id)
    if (!cur || cur.state !== 'active' || cur.nextStep !== expect.nextStep) return false
    await db().enrolments.update(id, patch)
    return true
  })
}

async function queueStep(e: Enrolment): Promise<void> {
  const campaign = await db().campaigns.get(e.campaignId)
  if (!campaign || campaign.archived) {
    await endEnrolment(e.id, 'removed')
    return
  }
  if (e.nextStep >= campaign.steps.length) {
    await updateIf(e.id, e, { state: 'completed' })
    return
  }
  // Suppression always wins: a hard-bounced (or manually suppressed) address is never sent a step.
  if (await db().suppression.get(e.address)) {
    await endEnrolment(e.id, 'bounce')
    return
  }
  const message = await messageFor(campaign, e, e.nextStep)
  if (!message) {
    // The step's template was deleted: nothing can be sent to this person any more.
    await endEnrolment(e.id, 'removed')
    return
  }
  const step = campaign.steps[e.nextStep]!
  const id = await stepOutboxId(e.id, e.nextStep)
  try {
    await enqueue({
      requestId: id,
      origin: 'campaign',
      campaignId: campaign.id,
      enrolmentId: e.id,
      stepIndex: e.nextStep,
      templateId: step.templateId,
      message,
      mailboxPreference: campaign.mailboxId,
      timeZone: repZone(),
      now: clock(),
    })
  } catch (err) {
    const code = err instanceof DispatchError ? err.code : 'internal'
    if (code === 'not_connected' || code === 'channel_unavailable' || code === 'internal') {
      // Nothing to send through yet (or a passing failure): the step waits and is tried again.
      await updateIf(e.id, e, { nextDueAt: clock() + REQUEUE_DELAY_MS })
      return
    }
    // The message itself cannot be sent (an address the provider would refuse, a body too large).
    console.warn('[dispatch] campaign step cannot be queued', code, err)
    await endEnrolment(e.id, 'removed')
    return
  }
  // If the scheduler already sent and settled it, `nextStep` has moved on and this does nothing.
  await updateIf(e.id, e, { nextDueAt: AWAITING_SEND })
}

let running: Promise<void> | null = null
let again = false
let timer: ReturnType<typeof setTimeout> | undefined

async function runOnce(): Promise<void> {
  const done = new Set<string>()
  for (;;) {
    const due = await db()
      .enrolments.where('[state+nextDueAt]')
      .between(['active', -Infinity], ['active', clock()], true, true)
      .limit(BATCH)
      .toArray()
    const todo = due.filter((e) => !done.has(`${e.id}#${e.nextStep}`))
    if (todo.length === 0) return
    for (const e of todo) {
      done.add(`${e.id}#${e.nextStep}`)
      try {
        await queueStep(e)
      } catch (err) {
        console.error('[dispatch] campaign step failed', err)
      }
    }
  }
}

/** Queues every due step; coalesces with a run in progress. Safe to call at any time. */
export function runCampaigns(): Promise<void> {
  if (running) {
    again = true
    return running
  }
  running = (async () => {
    try {
      do {
        again = false
        await runOnce()
      } while (again)
    } catch (err) {
      console.error('[dispatch] campaign run failed', err)
    } finally {
      running = null
    }
    await scheduleNext().catch(() => undefined)
  })()
  return running
}

/** Wakes the worker for the next due step: a timer while alive, an alarm in case it is not. */
async function scheduleNext(): Promise<void> {
  const next = await db()
    .enrolments.where('[state+nextDueAt]')
    .between(['active', -Infinity], ['active', AWAITING_SEND], true, false)
    .first()
  clearTimeout(timer)
  if (!next) {
    await chrome.alarms.clear(CAMPAIGN_ALARM)
    return
  }
  const delay = Math.max(0, next.nextDueAt - clock())
  if (delay <= TIMER_LIMIT_MS) timer = setTimeout(() => void runCampaigns(), delay + 5)
  // Alarms run on the wall clock; the delay is what counts when a test moves the engine's clock.
  await chrome.alarms.create(CAMPAIGN_ALARM, { when: Date.now() + Math.max(delay, 1000) })
}

// ─── Ending ─────────────────────────────────────────────────────────────────────────────────────

/** Mailbox and channel for `ended` rows of steps that never reached the outbox. */
async function routeFor(campaign: Campaign, e: Enrolment): Promise<{ mailboxId: MailboxId; channel: ChannelKind }> {
  const earlier = await db().outbox.where('enrolmentId').equals(e.id).last()
  if (earlier) return { mailboxId: earlier.mailboxId, channel: earlier.channel }
  try {
    const settings = await getSettings()
    const channel = channelForSend({
      origin: 'campaign',
      teamChannel: settings.teamChannel,
      repChannel: settings.repChannel,
      legacyAccount: settings.legacyAccount === true,
    })
    const { mailboxId } = await mailboxForChannel(channel, campaign.mailboxId)
    return { mailboxId, channel }
  } catch {
    return { mailboxId: campaign.mailboxId ?? '', channel: 'gmail' }
  }
}

/**
 * Ends a person's campaign. Every step from `nextStep` on that has not gone out gets the state
 * `ended` with the reason (a queued row is changed; a step never queued gets a row of its own).
 * Returns false when the enrolment was not active.
 */
export async function endEnrolment(enrolmentId: string, reason: EndReason): Promise<boolean> {
  // A step may be settled while this runs (nextStep moves on): look again from the new position.
  for (let attempt = 0; attempt < 5; attempt++) {
    const outcome = await tryEndEnrolment(enrolmentId, reason)
    if (outcome !== 'moved') return outcome === 'ended'
  }
  return false
}

async function tryEndEnrolment(enrolmentId: string, reason: EndReason): Promise<'ended' | 'inactive' | 'moved'> {
  const e = await db().enrolments.get(enrolmentId)
  if (!e || e.state !== 'active') return 'inactive'
  const campaign = await db().campaigns.get(e.campaignId)
  const steps = campaign?.steps ?? []
  const now = clock()
  // Everything async that is not IndexedDB happens before the transaction (it would end it early).
  const pending: { index: number; id: string; message: OutgoingMessage | null; dueAt: number }[] = []
  for (let index = e.nextStep; index < steps.length; index++) {
    pending.push({
      index,
      id: await stepOutboxId(e.id, index),
      message: campaign ? await messageFor(campaign, e, index).catch(() => null) : null,
      dueAt: dueAtForStep(steps, index, e.enrolledAt, scheduleOptions(campaign!)),
    })
  }
  const route = campaign ? await routeFor(campaign, e) : { mailboxId: '', channel: 'gmail' as const }
  const error = { code: 'campaign_ended', message: `Campaign ended: ${reason}`, params: [reason] }
  const outcome = await db().transaction('rw', [db().enrolments, db().outbox], async () => {
    const cur = await db().enrolments.get(enrolmentId)
    if (!cur || cur.state !== 'active') return 'inactive' as const
    if (cur.nextStep !== e.nextStep) return 'moved' as const
    await db().enrolments.update(enrolmentId, { state: 'ended', endedReason: reason })
    for (const p of pending) {
      const row = await db().outbox.get(p.id)
      if (row) {
        // Sent and sending rows are history; a queued or failed one will now never go out.
        if (row.state === 'queued' || row.state === 'failed')
          await db().outbox.update(p.id, { state: 'ended', error, nextAttemptAt: now })
        continue
      }
      const step = steps[p.index]!
      const message: OutgoingMessage = {
        to: [recipientFor(e)],
        cc: [],
        bcc: [],
        subject: p.message?.subject ?? '',
        html: '',
        text: '',
      }
      const endedRow: OutboxRow = {
        id: p.id,
        mailboxId: route.mailboxId,
        channel: route.channel,
        origin: 'campaign',
        state: 'ended',
        message,
        recipientCount: 1,
        createdAt: now,
        notBefore: p.dueAt,
        nextAttemptAt: now,
        attempts: 0,
        log: [],
        error,
        templateId: step.templateId,
        campaignId: e.campaignId,
        enrolmentId: e.id,
        stepIndex: p.index,
      }
      await db().outbox.add({ ...endedRow, recipientKeys: recipientKeys(endedRow) })
    }
    return 'ended' as const
  })
  if (outcome !== 'ended') return outcome
  await emit({
    at: now,
    kind: 'ended',
    campaignId: e.campaignId,
    recipient: e.address,
    subject: campaign?.name,
    detail: reason,
  })
  void runCampaigns()
  return 'ended'
}

/** The rep takes someone out of a campaign (campaign page). */
export async function removeFromCampaign(enrolmentId: string): Promise<void> {
  const e = await db().enrolments.get(enrolmentId)
  if (!e) throw new DispatchError('not_found', 'No such enrolment')
  if (e.state !== 'active') throw new DispatchError('not_allowed', `This person's campaign is ${e.state}`, [e.state])
  await endEnrolment(enrolmentId, 'removed')
}

/**
 * Deletes a campaign for the rep (it is archived: its analytics stay). Everyone still in it is
 * removed now, so a step waiting in the queue does not go out after the campaign is gone.
 */
export async function archiveCampaign(campaignId: string): Promise<number> {
  await db().campaigns.update(campaignId, { archived: true })
  const active = await db()
    .enrolments.where('campaignId')
    .equals(campaignId)
    .filter((e) => e.state === 'active')
    .primaryKeys()
  let ended = 0
  for (const id of active) if (await endEnrolment(id, 'removed')) ended++
  return ended
}

// ─── Reactions to the outbox and the inbox scan ─────────────────────────────────────────────────

/** A step was sent (the next one is scheduled) or failed (the person waits for a Resend). */
export async function onStepSettled(row: OutboxRow): Promise<void> {
  if (row.origin !== 'campaign' || !row.enrolmentId || row.stepIndex === undefined) return
  if (row.state !== 'sent') return
  const e = await db().enrolments.get(row.enrolmentId)
  if (!e || e.state !== 'active' || e.nextStep !== row.stepIndex) return
  const campaign = await db().campaigns.get(e.campaignId)
  const steps = campaign?.steps ?? []
  const step = steps[row.stepIndex]
  const thread: Partial<Enrolment> = {}
  if (row.messageId) {
    if (step?.mode === 'reply' && e.threadRefs?.length) {
      thread.threadRefs = [...e.threadRefs, row.messageId].slice(-20)
      thread.threadProviderId = row.providerThreadId ?? e.threadProviderId
    } else {
      thread.threadMessageId = row.messageId
      thread.threadProviderId = row.providerThreadId
      thread.threadRefs = [row.messageId]
    }
  }
  const next = row.stepIndex + 1
  const patch: Partial<Enrolment> =
    !campaign || next >= steps.length
      ? { ...thread, nextStep: next, state: 'completed' }
      : {
          ...thread,
          nextStep: next,
          nextDueAt: dueAtForStep(steps, next, e.enrolledAt, scheduleOptions(campaign), row.sentAt ?? clock()),
        }
  if (await updateIf(e.id, e, patch)) void runCampaigns()
}

/** Remove on Bounce: a hard bounce at once, soft bounces after three steps in a row. */
export async function onBounce(b: BounceRecord): Promise<void> {
  const row = b.outboxId ? await db().outbox.get(b.outboxId) : undefined
  let e: Enrolment | undefined
  if (row?.enrolmentId) e = await db().enrolments.get(row.enrolmentId)
  else if (b.campaignId)
    e = await db().enrolments.where('[campaignId+address]').equals([b.campaignId, b.recipient.toLowerCase()]).first()
  if (!e || e.state !== 'active') return
  const campaign = await db().campaigns.get(e.campaignId)
  if (!campaign) return
  let streak = e.softBounceStreak
  if (b.kind === 'soft') {
    const rows = await db().outbox.where('enrolmentId').equals(e.id).toArray()
    const stepOf = new Map(rows.map((r) => [r.id, r.stepIndex ?? -1]))
    const soft = await db()
      .bounces.where('outboxId')
      .anyOf([...stepOf.keys()])
      .filter((x) => x.kind === 'soft')
      .toArray()
    const steps = new Set(soft.map((x) => stepOf.get(x.outboxId!)!))
    const bounced = row?.stepIndex ?? b.stepIndex ?? Math.max(-1, ...steps)
    streak = softBounceStreak(steps, bounced)
    await db().enrolments.update(e.id, { softBounceStreak: streak })
  }
  const reason = bounceOutcome(campaign, b.kind, streak)
  if (reason) await endEnrolment(e.id, reason)
}

/**
 * End on reply. A reply matched to one of our sends ends that person's campaign; an unmatched one
 * ends the campaigns of whoever wrote it, if a step already went to them from this mailbox.
 */
export async function onReply(r: ReplyDetected): Promise<void> {
  const row = r.outboxId ? await db().outbox.get(r.outboxId) : undefined
  let candidates: Enrolment[] = []
  if (row?.enrolmentId) {
    const e = await db().enrolments.get(row.enrolmentId)
    if (e) candidates = [e]
  } else {
    const mine = await db()
      .enrolments.where('address')
      .equals(r.from.toLowerCase())
      .filter((e) => e.state === 'active')
      .toArray()
    for (const e of mine) {
      const wrote = await db()
        .outbox.where('enrolmentId')
        .equals(e.id)
        .filter((x) => x.state === 'sent' && x.mailboxId === r.mailboxId)
        .first()
      if (wrote) candidates.push(e)
    }
  }
  for (const e of candidates) {
    if (e.state !== 'active') continue
    const campaign = await db().campaigns.get(e.campaignId)
    const reason = campaign ? replyOutcome(campaign) : null
    if (reason) await endEnrolment(e.id, reason)
  }
}

// Registered when the worker loads this module, so a restarted worker reacts again at once.
on('outbox.settled', onStepSettled)
on('bounce.recorded', onBounce)
on('reply.detected', onReply)
