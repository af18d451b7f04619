import { addressKey } from '../core/address.ts'
import { HOST_CHANNEL } from '../core/channel-rule.ts'
import { db } from '../core/db.ts'
import type { BudgetView, Responses } from '../core/messages.ts'
import type { HostKind, MailboxId } from '../core/types.ts'
import { summary } from './accounts.ts'
import { type AccountHint, limitsForMailbox, mailboxForHost } from './mailboxes.ts'
import { readBudget } from './outbox/budget.ts'
import { getSettings } from './settings.ts'

/** What the sidebar shows about the budget: remaining sends and when a message composed now would leave. */
export async function budgetFor(mailboxId: MailboxId, recipients: number, now = Date.now()): Promise<BudgetView> {
  const account = (await db().accounts.get(mailboxId)) ?? null
  const limits = limitsForMailbox(mailboxId, account, await getSettings())
  // The new message waits behind what is already queued for this mailbox.
  const queued = await db().outbox.where('[mailboxId+state]').equals([mailboxId, 'queued']).toArray()
  const queue = queued.map((r) => ({ recipients: r.recipientCount, notBefore: Math.max(r.notBefore, r.nextAttemptAt) }))
  const view = await readBudget(db(), mailboxId, limits, now, { recipients: Math.max(1, recipients), queue })
  return {
    minuteRemaining: view.minuteRemaining,
    dayRemaining: view.dayRemaining,
    perMessageRecipients: view.perMessageRecipients,
    // Infinity does not survive sendMessage (it becomes null): "never" is sent as -1.
    eta: Number.isFinite(view.eta) ? view.eta : -1,
    waitReason: view.waitReason,
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
  const settings = await getSettings()
  return {
    host,
    channel: HOST_CHANNEL[host],
    mailbox: account ? summary(account) : null,
    mismatch,
    budget: account ? await budgetFor(account.id, keys.length) : null,
    suppressed,
    // Bounce tracking reads the inbox through the Gmail API or Graph; both hosts here are online services.
    bounceTracking: true,
    interceptNativeSend: settings.interceptNativeSend === true,
  }
}
