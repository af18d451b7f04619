import { channelForSend } from '../../core/channel-rule.ts'
import { validateOutgoing } from '../../core/compose-rules.ts'
import { db, recipientKeys } from '../../core/db.ts'
import { DispatchError } from '../../core/errors.ts'
import type { ChannelKind, HostKind, OutboxRow, OutgoingMessage, Provider, SendOrigin } from '../../core/types.ts'
import { emit } from '../feed/feed.ts'
import { type AccountHint, limitsForMailbox, mailboxForChannel, mailboxForHost } from '../mailboxes.ts'
import { pushStatus } from '../push.ts'
import { getSettings } from '../settings.ts'
import { kick } from './scheduler.ts'

/** Sends due later than this are "queued" in the live feed. */
const QUEUED_FEED_AFTER_MS = 60_000

/** The provider of the rep's connected mailboxes when they are all of one kind. */
async function onlyConnectedProvider(): Promise<Provider | undefined> {
  const providers = new Set(
    (await db().accounts.toArray()).filter((a) => a.status !== 'disconnected').map((a) => a.provider),
  )
  return providers.size === 1 ? [...providers][0] : undefined
}

export interface EnqueueInput {
  /** Idempotency key from the caller; becomes the outbox id (and X-Dispatch-Id). */
  requestId?: string
  origin: SendOrigin
  /** Derived by the worker from the sender tab's origin, never from a payload. */
  host?: HostKind
  tabId?: number
  composeId?: string
  accountHint?: AccountHint
  message: OutgoingMessage
  scheduledAt?: number
  timeZone?: string
  templateId?: string
  campaignId?: string
  enrolmentId?: string
  stepIndex?: number
  /** Dispatch's own pages may pick a channel for a one-off send (e.g. "send test email"). */
  pageChannel?: ChannelKind
  mailboxPreference?: string
  now?: number
}

/**
 * Turns a send request into an outbox row — the durable promise that it will go out exactly once.
 * Everything that can be decided now is decided here: the channel (the plugin rule), the mailbox,
 * and whether the message is sendable at all (header injection, recipients, size).
 */
export async function enqueue(input: EnqueueInput): Promise<OutboxRow> {
  const now = input.now ?? Date.now()
  if (input.requestId) {
    // A retried request (the worker was stopped before it could answer) gets the first answer.
    const existing = await db().outbox.get(input.requestId)
    if (existing) {
      if (existing.tabId !== input.tabId || existing.origin !== input.origin) {
        throw new DispatchError('forbidden', 'That request id belongs to another send')
      }
      return existing
    }
  }
  const settings = await getSettings()
  const channel =
    input.origin === 'page' && input.pageChannel
      ? channelForSend({
          origin: 'page',
          repChannel: input.pageChannel,
          legacyAccount: settings.legacyAccount === true,
        })
      : channelForSend({
          origin: input.origin,
          host: input.host,
          teamChannel: settings.teamChannel,
          repChannel: settings.repChannel,
          legacyAccount: settings.legacyAccount === true,
          connectedProvider: await onlyConnectedProvider(),
        })
  let mailboxId: string
  let account
  if (input.origin === 'compose') {
    const found = await mailboxForHost(input.host!, input.accountHint)
    if (!found.account)
      throw new DispatchError('not_connected', 'Connect your mailbox to send with Dispatch', [channel])
    if (found.mismatch) {
      throw new DispatchError(
        'account_mismatch',
        'This tab is signed in to another account than the connected mailbox',
        [found.mismatch.tabAddress ?? '', found.mismatch.connected],
      )
    }
    account = found.account
    mailboxId = account.id
  } else {
    const found = await mailboxForChannel(channel, input.mailboxPreference)
    mailboxId = found.mailboxId
    account = found.account
  }
  const limits = limitsForMailbox(mailboxId, account, settings)
  const recipients = validateOutgoing(input.message, limits.perMessageRecipients)
  const notBefore = Math.max(now, input.scheduledAt ?? now)
  const row: OutboxRow = {
    id: input.requestId ?? crypto.randomUUID(),
    mailboxId,
    channel,
    origin: input.origin,
    host: input.host,
    state: 'queued',
    message: input.message,
    recipientCount: recipients.length,
    createdAt: now,
    notBefore,
    nextAttemptAt: notBefore,
    attempts: 0,
    log: [],
    timeZone: input.timeZone,
    templateId: input.templateId,
    campaignId: input.campaignId,
    enrolmentId: input.enrolmentId,
    stepIndex: input.stepIndex,
    tabId: input.tabId,
    composeId: input.composeId,
  }
  await db().outbox.add({ ...row, recipientKeys: recipientKeys(row) })
  // The live feed lists a send that waits for its time (a scheduled send); one going out now
  // shows up once, as sent (or throttled).
  if (notBefore > now + QUEUED_FEED_AFTER_MS) {
    await emit({
      at: now,
      kind: 'queued',
      mailboxId,
      outboxId: row.id,
      campaignId: row.campaignId,
      templateId: row.templateId,
      subject: row.message.subject,
      recipient: row.message.to[0] ?? row.message.cc[0] ?? row.message.bcc[0],
      detail: new Date(notBefore).toISOString(),
    })
  }
  pushStatus(row)
  kick()
  return row
}
