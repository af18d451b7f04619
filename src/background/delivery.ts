import type { RelayVerifyRequest } from '../../relay/protocol.ts'
import { verifyRelay } from '../channels/smtp.ts'
import { isValidAddress, parseAddressList } from '../core/address.ts'
import { db } from '../core/db.ts'
import { DispatchError } from '../core/errors.ts'
import { type RelayVerified, settingsPatchSchema } from '../core/settings.ts'
import type { MailboxId } from '../core/types.ts'
import { RELAY_MAILBOX } from './mailboxes.ts'
import { kick } from './outbox/scheduler.ts'
import { loadSettings } from './settings.ts'

/** Errors after which a queued row waits for the rep to fix the channel's setup (not a throttle). */
const WAITING_FOR_SETUP = new Set([
  'relay_auth_failed',
  'relay_token_rejected',
  'relay_from_not_allowed',
  'relay_origin_not_allowed',
  'relay_error',
  'channel_not_configured',
  'legacy_token_rejected',
])

/**
 * Custom SMTP's "Authenticate and Save": asks the relay's /v1/verify with the URL, token and
 * (optionally) the rep's own SMTP login, and only when the relay says the login works stores the
 * URL (unless the admin's policy sets it), token, From, the Custom SMTP choice and what the relay
 * reported (its DKIM selector for the advisor, its rate cap for the throttle) — in one write. On any
 * failure nothing changes: the previous settings stay, and so does the relay's previous login.
 * The rep's password is never stored here; the relay keeps it.
 */
export async function authenticateRelay(
  p: { relayUrl?: string; relayToken: string; from: string; smtp?: RelayVerifyRequest['smtp'] },
  fetchImpl?: typeof fetch,
): Promise<RelayVerified> {
  const { settings, locked } = await loadSettings()
  const urlLocked = locked.includes('relayUrl')
  const relayUrl = (urlLocked ? settings.relayUrl : p.relayUrl)?.trim() ?? ''
  if (!relayUrl) throw new DispatchError('channel_not_configured', 'No relay URL is set', ['smtp'])
  const from = p.from.trim()
  const parsed = parseAddressList(from)
  if (parsed.length !== 1 || !isValidAddress(parsed[0]!.address)) {
    throw new DispatchError('invalid_address', `Not one e-mail address: ${from}`, [from])
  }
  const patch = {
    ...(urlLocked ? {} : { relayUrl }),
    relayToken: p.relayToken.trim(),
    relayFrom: from,
    repChannel: 'smtp' as const,
  }
  const valid = settingsPatchSchema.safeParse(patch)
  if (!valid.success) {
    const issue = valid.error.issues[0]
    throw new DispatchError(
      'invalid_message',
      `Invalid setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
    )
  }

  const reply = await verifyRelay({ url: relayUrl, token: patch.relayToken }, p.smtp, fetchImpl)
  const address = parsed[0]!.address.toLowerCase()
  const fromDomain = address.slice(address.lastIndexOf('@') + 1)
  if (reply.domain && fromDomain !== reply.domain && !fromDomain.endsWith(`.${reply.domain}`)) {
    throw new DispatchError('relay_from_not_allowed', `The relay sends only from ${reply.domain}`, [reply.domain])
  }
  const verified: RelayVerified = {
    url: relayUrl,
    at: Date.now(),
    username: reply.account.username,
    source: reply.account.source,
    domain: reply.domain,
    dkim: reply.dkim,
    rateCap: reply.rateCap,
  }
  await db().settings.bulkPut([
    ...Object.entries(valid.data).map(([key, value]) => ({ key, value })),
    { key: 'relayVerified', value: verified },
  ])
  await resumeWaiting(RELAY_MAILBOX)
  return verified
}

/** Rows that were waiting for this channel's setup go out now instead of at their next 5-minute look. */
export async function resumeWaiting(mailboxId: MailboxId, now = Date.now()): Promise<number> {
  const resumed = await db()
    .outbox.where('state')
    .equals('queued')
    .filter(
      (r) =>
        r.mailboxId === mailboxId &&
        r.notBefore <= now &&
        r.nextAttemptAt > now &&
        WAITING_FOR_SETUP.has(r.error?.code ?? ''),
    )
    .modify({ nextAttemptAt: now })
  if (resumed > 0) void kick()
  return resumed
}
