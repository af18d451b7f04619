import { HOST_PROVIDER, providerOfChannel } from '../core/channel-rule.ts'
import { db } from '../core/db.ts'
import { DispatchError } from '../core/errors.ts'
import { limitsFor, type SendLimits } from '../core/limits.ts'
import type { Settings } from '../core/settings.ts'
import type { Account, ChannelKind, HostKind, MailboxId } from '../core/types.ts'

/** Budget identities of the channels that are not a rep's own mailbox. */
export const RELAY_MAILBOX: MailboxId = 'smtp:relay'
export const LEGACY_MAILBOX: MailboxId = 'legacy:servers'

export interface AccountHint {
  address: string | null
  accountIndex: number | null
}

/**
 * The connected mailbox a compose in this host sends from. A Gmail tab signed in to another account
 * than the connected one is a mismatch: Dispatch says so and refuses to send through a different
 * mailbox than the one the rep is looking at.
 */
export async function mailboxForHost(
  host: HostKind,
  hint: AccountHint | undefined,
): Promise<{ account: Account | null; mismatch: { tabAddress: string | null; connected: string } | null }> {
  const provider = HOST_PROVIDER[host]
  const accounts = (await db().accounts.where('provider').equals(provider).toArray()).filter(
    (a) => a.status !== 'disconnected',
  )
  if (accounts.length === 0) return { account: null, mismatch: null }
  const tabAddress = hint?.address?.trim().toLowerCase() || null
  if (tabAddress) {
    const match = accounts.find((a) => a.address.toLowerCase() === tabAddress)
    if (match) return { account: match, mismatch: null }
    return { account: accounts[0]!, mismatch: { tabAddress, connected: accounts[0]!.address } }
  }
  return { account: accounts[0]!, mismatch: null }
}

/** The mailbox whose identity and budget a non-compose send on `channel` uses. */
export async function mailboxForChannel(
  channel: ChannelKind,
  preferred?: MailboxId,
): Promise<{ mailboxId: MailboxId; account: Account | null }> {
  const provider = providerOfChannel(channel)
  if (!provider) return { mailboxId: channel === 'smtp' ? RELAY_MAILBOX : LEGACY_MAILBOX, account: null }
  const accounts = (await db().accounts.where('provider').equals(provider).toArray()).filter(
    (a) => a.status !== 'disconnected',
  )
  const account = accounts.find((a) => a.id === preferred) ?? accounts[0]
  if (!account) throw new DispatchError('not_connected', `No ${provider} mailbox is connected`, [provider])
  return { mailboxId: account.id, account }
}

/** Relay and legacy servers: conservative defaults until the relay reports its own cap. */
const RELAY_PLAN_LIMITS: SendLimits = limitsFor('workspace', null)

export function limitsForMailbox(mailboxId: MailboxId, account: Account | null, settings: Settings): SendLimits {
  const admin = settings.throttle?.enabled ? settings.throttle : null
  if (account) return limitsFor(account.plan, admin)
  void mailboxId
  return admin ? limitsFor('workspace', admin) : RELAY_PLAN_LIMITS
}
