import { HOST_CHANNEL } from '../core/channel-rule.ts'
import { db } from '../core/db.ts'
import { addressKey } from '../core/address.ts'
import type { BudgetView, Responses } from '../core/messages.ts'
import { budgetView, projectQueue } from '../core/throttle.ts'
import type { HostKind, MailboxId } from '../core/types.ts'
import { summary } from './accounts.ts'
import { type AccountHint, limitsForMailbox, mailboxForHost } from './mailboxes.ts'
import { getSettings } from './settings.ts'

const DAY_MS = 24 * 3600_000

/** What the sidebar shows about the budget: remaining sends and when a message composed now would leave. */
export async function budgetFor(mailboxId: MailboxId, recipients: number, now = Date.now()): Promise<BudgetView> {
  const account = (await db().accounts.get(mailboxId)) ?? null
  const limits = limitsForMailbox(mailboxId, account, await getSettings())
  const [ledger, state, queued] = await Promise.all([
    db().ledger.where('[mailboxId+at]').between([mailboxId, now - DAY_MS], [mailboxId, Infinity]).toArray(),
    db().throttle.get(mailboxId),
    db().outbox.where('[mailboxId+state]').equals([mailboxId, 'queued']).toArray(),
  ])
  const view = budgetView(ledger, limits, state, now)
  // The new message waits behind what is already queued for this mailbox.
  const queue = queued
    .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt)
    .map((r) => ({ recipients: r.recipientCount, notBefore: r.notBefore }))
  const etas = projectQueue(ledger, limits, state, now, [...queue, { recipients: Math.max(1, recipients), notBefore: now }])
  const eta = etas.at(-1) ?? now
  let waitReason: BudgetView['waitReason']
  if (eta > now + 1000) {
    if (state && state.pausedUntil > now) waitReason = 'paused'
    else if (state && state.cooldownUntil > now) waitReason = 'cooldown'
    else if (queue.length > 0) waitReason = 'queue'
    else if (view.dayRemaining <= 0) waitReason = 'day'
    else waitReason = 'minute'
  }
  return {
    minuteRemaining: view.minuteRemaining,
    dayRemaining: view.dayRemaining,
    perMessageRecipients: limits.perMessageRecipients,
    eta,
    waitReason,
  }
}

export async function composeContext(
  host: HostKind,
  hint: AccountHint,
  recipients: string[],
): Promise<Responses['compose.context']> {
  const { account, mismatch } = await mailboxForHost(host, hint)
  const keys = [...new Set(recipients.map(addressKey))]
  const suppressed = keys.length ? (await db().suppression.where('address').anyOf(keys).primaryKeys()).map(String) : []
  return {
    host,
    channel: HOST_CHANNEL[host],
    mailbox: account ? summary(account) : null,
    mismatch,
    budget: account ? await budgetFor(account.id, keys.length) : null,
    suppressed,
    // Bounce tracking reads the inbox through the Gmail API or Graph; both hosts here are online services.
    bounceTracking: true,
  }
}
