import type { MailboxPlan, Provider } from './types.ts'

/**
 * Sending limits per mailbox plan, plus the admin's "Email Connection Throttling" card.
 *
 * Every limit is a rolling window: at any instant t, the sends reserved in (t − span, t] may not
 * exceed `max` (counted in messages or in recipients). A send at T therefore leaves the window at
 * exactly T + span. The tables below are the providers' published numbers; `guardMs` is our own
 * margin on top of the published window, because a send is stamped when it is reserved, while the
 * provider stamps it on arrival, and two requests' latencies differ.
 *
 * | plan             | per message | per second | per minute | per rolling 24 h                      |
 * |------------------|-------------|------------|------------|----------------------------------------|
 * | gmail-consumer   | 100 rcpt    | 2 msg      | –          | 500 msg, 500 rcpt                      |
 * | workspace        | 100 rcpt    | 2 msg      | –          | 2,000 msg, 2,000 rcpt                  |
 * | workspace-trial  | 100 rcpt    | 2 msg      | –          | 500 msg, 500 rcpt                      |
 * | exchange-online  | 500 rcpt    | –          | 30 msg     | 10,000 rcpt                            |
 * | outlook-consumer | 100 rcpt    | –          | 30 msg     | 300 rcpt                               |
 *
 * Sources and choices:
 * - Google Workspace (https://support.google.com/a/answer/166852): 2,000 messages/day (500 on
 *   trial), 100 recipients per message through the Gmail API, 10,000 total recipients/day, 3,000
 *   external recipients/day, 3,000 unique recipients/day of which 2,000 external (500 external on
 *   trial), "applied over a rolling 24-hour period". A sales rep writes almost only to outside,
 *   distinct addresses and the ledger keeps a count, not addresses, so every recipient is counted as
 *   a unique external one: 2,000 recipients/day (trial 500), which implies the 3,000 and 10,000 caps.
 * - Consumer Gmail: 500 messages/day and 100 recipients per message through the API. Google
 *   publishes no per-day recipient figure for consumer accounts; secondary sources disagree (500
 *   recipients/day vs 2,000 "total emails"/day), so the stricter 500 recipients/day applies.
 * - Gmail pacing: ~2 sends/second is our own pacing, well under the API's per-user quota
 *   (messages.send costs 100 of 15,000 units/user/minute = 150 sends/minute, never reached at 2/s).
 * - Exchange Online (Exchange Online limits, service description; Graph sendMail is subject to the
 *   same limits): 30 messages/minute, 10,000 recipients/day, 500 recipients per message.
 * - Outlook.com consumer accounts: Microsoft's own page, "Sending limits in Outlook.com"
 *   https://support.microsoft.com/office/sending-limits-in-outlook-com-279ee200-594c-40f0-9ec8-bb6af7735c2e
 *   gives, for Microsoft 365 subscribers, 5,000 daily recipients, 500 recipients per message, 1,000
 *   daily non-relationship recipients, and says limits "will be lower for non-subscribers" without a
 *   number. The widely quoted free-account figures (300 per day, 100 recipients per message;
 *   msoutlook.info, Microsoft Q&A answers) are stricter and cover every account we cannot tell
 *   apart (we cannot see whether a rep subscribes), so: 300 recipients/day, 100 per message.
 *   Outlook.com publishes no per-minute rate; we apply Exchange Online's 30 messages/minute, the
 *   same service's business figure, as a conservative pace. One reported account resets at 00:00
 *   UTC rather than rolling; a rolling 24 h window never allows more than any calendar day does.
 */

export type WindowKind = 'second' | 'minute' | 'day' | 'batch'

export interface SendWindow {
  kind: WindowKind
  /** The window as published (or as the admin set it). */
  windowMs: number
  /** Our margin added to the window when enforcing it (see the module comment). */
  guardMs: number
  max: number
  counts: 'messages' | 'recipients'
  source: 'provider' | 'admin'
}

export interface SendLimits {
  plan: MailboxPlan
  /** To + Cc + Bcc of one message. */
  perMessageRecipients: number
  windows: SendWindow[]
}

/** The admin's "Email Connection Throttling" card: `batchSize` emails every `waitSeconds`, per mailbox. */
export interface AdminThrottle {
  enabled: boolean
  batchSize: number
  waitSeconds: number
}

export const SECOND_MS = 1_000
export const MINUTE_MS = 60_000
export const DAY_MS = 86_400_000
/** Latency between reserving a send and the provider receiving it differs per request. */
export const MINUTE_GUARD_MS = 1_000
export const DAY_GUARD_MS = 2_000

function providerWindow(kind: WindowKind, max: number, counts: SendWindow['counts']): SendWindow {
  const windowMs = kind === 'second' ? SECOND_MS : kind === 'minute' ? MINUTE_MS : DAY_MS
  const guardMs = kind === 'minute' ? MINUTE_GUARD_MS : kind === 'day' ? DAY_GUARD_MS : 0
  return { kind, windowMs, guardMs, max, counts, source: 'provider' }
}

const PROVIDER_LIMITS: Record<MailboxPlan, { perMessageRecipients: number; windows: SendWindow[] }> = {
  'gmail-consumer': {
    perMessageRecipients: 100,
    windows: [
      providerWindow('second', 2, 'messages'),
      providerWindow('day', 500, 'messages'),
      providerWindow('day', 500, 'recipients'),
    ],
  },
  workspace: {
    perMessageRecipients: 100,
    windows: [
      providerWindow('second', 2, 'messages'),
      providerWindow('day', 2_000, 'messages'),
      providerWindow('day', 2_000, 'recipients'),
    ],
  },
  'workspace-trial': {
    perMessageRecipients: 100,
    windows: [
      providerWindow('second', 2, 'messages'),
      providerWindow('day', 500, 'messages'),
      providerWindow('day', 500, 'recipients'),
    ],
  },
  'exchange-online': {
    perMessageRecipients: 500,
    windows: [providerWindow('minute', 30, 'messages'), providerWindow('day', 10_000, 'recipients')],
  },
  'outlook-consumer': {
    perMessageRecipients: 100,
    windows: [providerWindow('minute', 30, 'messages'), providerWindow('day', 300, 'recipients')],
  },
}

/**
 * The limits a mailbox must keep. The admin's card only ever adds a window: every provider window
 * stays in force, so an admin setting can make sending slower, never faster. A card that is
 * disabled or not a usable number (batch < 1, wait ≤ 0, NaN) adds nothing.
 */
export function limitsFor(plan: MailboxPlan, admin?: AdminThrottle | null): SendLimits {
  const base = PROVIDER_LIMITS[plan]
  const windows = base.windows.map((w) => ({ ...w }))
  if (admin?.enabled) {
    const batch = Math.floor(admin.batchSize)
    const waitMs = Math.ceil(admin.waitSeconds * 1000)
    if (Number.isFinite(batch) && Number.isFinite(waitMs) && batch >= 1 && waitMs > 0) {
      windows.push({ kind: 'batch', windowMs: waitMs, guardMs: 0, max: batch, counts: 'messages', source: 'admin' })
    }
  }
  return { plan, perMessageRecipients: base.perMessageRecipients, windows }
}

/** The longest span any window of these limits looks back over (how long ledger entries matter). */
export function lookbackMs(limits: SendLimits): number {
  return Math.max(DAY_MS + DAY_GUARD_MS, ...limits.windows.map((w) => w.windowMs + w.guardMs))
}

/** Microsoft's tenant id for personal (MSA) accounts: the `tid` claim of a consumer account's id token. */
export const MSA_CONSUMER_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad'

const GOOGLE_CONSUMER_DOMAINS = new Set(['gmail.com', 'googlemail.com'])
/** outlook.com, hotmail.co.uk, live.com.au, outlook.fr …: Microsoft's consumer domains and their country forms. */
const MS_CONSUMER_DOMAIN = /^(?:outlook|hotmail|live)\.(?:com|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$/
const MS_CONSUMER_EXTRA = new Set(['msn.com', 'passport.com', 'windowslive.com'])

function domainOf(address: string): string {
  const at = address.lastIndexOf('@')
  return (at < 0 ? '' : address.slice(at + 1)).trim().toLowerCase()
}

/**
 * Which plan a connected mailbox is on.
 *
 * Google: consumer for @gmail.com / @googlemail.com, Workspace for every other domain, trial when
 * the admin says so (nothing in the API tells a trial apart).
 *
 * Microsoft: the address alone is only a hint. The reliable signal is the id token's `tid` claim
 * (`tenantId`): personal accounts all sign in under MSA_CONSUMER_TENANT_ID. Without it, a
 * Microsoft consumer domain means Outlook.com; otherwise a compose opened in `outlook.live.com`
 * (`host`) is a personal account (a personal account may use another domain as its sign-in name),
 * and `outlook.office.com` / `outlook.office365.com` or nothing means Exchange Online.
 */
export function planFor(
  provider: Provider,
  address: string,
  adminGooglePlan?: 'auto' | 'trial',
  host?: string,
  tenantId?: string,
): MailboxPlan {
  const domain = domainOf(address)
  if (provider === 'gmail') {
    if (GOOGLE_CONSUMER_DOMAINS.has(domain)) return 'gmail-consumer'
    return adminGooglePlan === 'trial' ? 'workspace-trial' : 'workspace'
  }
  if (tenantId) return tenantId.toLowerCase() === MSA_CONSUMER_TENANT_ID ? 'outlook-consumer' : 'exchange-online'
  if (MS_CONSUMER_DOMAIN.test(domain) || MS_CONSUMER_EXTRA.has(domain)) return 'outlook-consumer'
  if (host?.toLowerCase() === 'outlook.live.com') return 'outlook-consumer'
  return 'exchange-online'
}
