import { HOST_PROVIDER, providerOfChannel } from '../core/channel-rule.ts'
import { db } from '../core/db.ts'
import { DispatchError } from '../core/errors.ts'
import { limitsFor, MINUTE_GUARD_MS, MINUTE_MS, SECOND_MS, type SendLimits, type SendWindow } from '../core/limits.ts'
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

/** Legacy servers publish no limits: conservative defaults (Workspace's). */
const LEGACY_LIMITS: SendLimits = limitsFor('workspace', null)

/** The relay's default recipients per message (relay/README.md, `maxRecipients`). */
export const RELAY_MAX_RECIPIENTS = 100
/** Our own pace when the relay reports no cap: as for Gmail, about two sends a second. */
const RELAY_DEFAULT_PACE = { messages: 2, perSeconds: 1 }

/**
 * The SMTP channel's budget: the provider cap the relay reported on Authenticate and Save (the
 * relay queues above it rather than fail, so pacing here keeps requests from piling up behind its
 * gate), plus the admin's batch card. `plan` has no relay value; nothing reads it for this mailbox.
 */
export function relayLimits(
  cap: { messages: number; perSeconds: number } | null | undefined,
  admin: Settings['throttle'] | null,
): SendLimits {
  const pace = cap && cap.messages >= 1 && cap.perSeconds > 0 ? cap : RELAY_DEFAULT_PACE
  const windowMs = Math.max(1, Math.round(pace.perSeconds * 1000))
  const kind: SendWindow['kind'] = windowMs <= SECOND_MS ? 'second' : windowMs <= 60 * MINUTE_MS ? 'minute' : 'day'
  const relayWindow: SendWindow = {
    kind,
    windowMs,
    guardMs: windowMs <= SECOND_MS ? 0 : MINUTE_GUARD_MS,
    max: Math.floor(pace.messages),
    counts: 'messages',
    source: 'provider',
  }
  const adminWindows = limitsFor('workspace', admin).windows.filter((w) => w.source === 'admin')
  return { plan: 'workspace', perMessageRecipients: RELAY_MAX_RECIPIENTS, windows: [relayWindow, ...adminWindows] }
}

export function limitsForMailbox(mailboxId: MailboxId, account: Account | null, settings: Settings): SendLimits {
  const admin = settings.throttle?.enabled ? settings.throttle : null
  if (account) return limitsFor(account.plan, admin)
  if (mailboxId === RELAY_MAILBOX) {
    // A cap reported by another relay than the one configured now says nothing about it.
    const verified = settings.relayVerified?.url === settings.relayUrl ? settings.relayVerified : undefined
    return relayLimits(verified?.rateCap, admin)
  }
  return admin ? limitsFor('workspace', admin) : LEGACY_LIMITS
}
