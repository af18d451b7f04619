import { z } from 'zod'
import type { AdvisorReport } from './advisor.ts'
import type { RelayVerified } from './settings.ts'
import type { WaitReason } from './throttle.ts'
import type { Account, Campaign, ChannelKind, ErrorInfo, OutboxRow, OutboxState, Provider, Template } from './types.ts'

/**
 * The one message protocol between Dispatch's contexts, grouped by direction:
 *  - content → worker: what a compose sidebar in Gmail/Outlook may ask (a small, read-mostly set);
 *  - page → worker: Dispatch's own pages (popup, options) may ask everything;
 *  - worker → content / pages: pushes (outbox state for toasts; pages read IndexedDB live instead).
 * Every request is validated here before a handler sees it. Objects strip unknown keys, so a forged
 * field (say, `channel`) never reaches a handler.
 */

const MAX_ADDRESSES = 1000
const MAX_BODY_CHARS = 20 * 1024 * 1024

const shortText = z.string().max(2000)
const id = z.string().min(1).max(200)
const address = z.string().min(1).max(998)
const addressList = z.array(address).max(MAX_ADDRESSES)

export const outgoingMessageSchema = z.object({
  to: addressList,
  cc: addressList,
  bcc: addressList,
  subject: z.string().max(10_000),
  html: z.string().max(MAX_BODY_CHARS),
  text: z.string().max(MAX_BODY_CHARS),
  inReplyTo: z.string().max(998).optional(),
  references: z.array(z.string().max(998)).max(500).optional(),
  providerThreadId: id.optional(),
  replyToProviderMessageId: id.optional(),
})

const accountHint = z.object({
  address: z.string().max(320).nullable(),
  accountIndex: z.number().int().min(0).max(99).nullable(),
})

const person = z.object({
  address,
  name: z.string().max(500).optional(),
  variables: z.record(z.string().max(100), z.string().max(2000)).optional(),
})

const templateInput = z.object({
  id: id.optional(),
  name: z.string().min(1).max(200),
  subject: z.string().max(2000),
  body: z.string().max(MAX_BODY_CHARS),
})

const campaignInput = z.object({
  id: id.optional(),
  name: z.string().min(1).max(200),
  steps: z
    .array(
      z.object({
        dayOffset: z.number().int().min(0).max(365),
        templateId: id,
        mode: z.enum(['reply', 'new']),
      }),
    )
    .min(1)
    .max(20),
  skipWeekends: z.boolean(),
  removeOnBounce: z.boolean(),
  endOnReply: z.boolean(),
  mailboxId: id.optional(),
})

const channelKind = z.enum(['gmail', 'exchange', 'smtp', 'legacy'])

/** Requests a content script may send. */
export const contentRequests = {
  'diag.ping': z.object({ echo: shortText }),
  'compose.context': z.object({ accountHint, recipients: addressList, composeId: id }),
  'compose.send': z.object({
    /** Chosen by the caller per Send click: a retried request never queues the message twice. */
    requestId: z.uuid(),
    composeId: id,
    accountHint,
    message: outgoingMessageSchema,
    /** Epoch ms; absent = now. */
    scheduledAt: z.number().int().nonnegative().optional(),
    timeZone: z.string().max(100).optional(),
    templateId: id.optional(),
    campaignId: id.optional(),
  }),
  'outbox.status': z.object({ ids: z.array(id).max(100) }),
  'templates.list': z.object({}),
  'campaigns.list': z.object({}),
  'campaign.enrol': z.object({ campaignId: id, people: z.array(person).min(1).max(MAX_ADDRESSES) }),
  'auth.connect': z.object({ accountHint: accountHint.optional() }),
} as const

/** Requests only Dispatch's own pages may send (in addition to the content ones). */
export const pageRequests = {
  'auth.connectProvider': z.object({
    provider: z.enum(['gmail', 'exchange']),
    loginHint: z.string().max(320).optional(),
  }),
  'auth.disconnect': z.object({ accountId: id }),
  'settings.set': z.object({ patch: z.record(z.string().max(100), z.unknown()) }),
  'templates.save': z.object({ template: templateInput }),
  'templates.delete': z.object({ id }),
  'campaigns.save': z.object({ campaign: campaignInput }),
  'campaigns.delete': z.object({ id }),
  'outbox.cancel': z.object({ id }),
  'outbox.resend': z.object({ id }),
  'outbox.sendFromPage': z.object({
    requestId: z.uuid(),
    message: outgoingMessageSchema,
    channel: channelKind.optional(),
    scheduledAt: z.number().int().nonnegative().optional(),
  }),
  'feed.markRead': z.object({ ids: z.array(z.number().int()).max(10_000) }),
  'feed.markAllRead': z.object({}),
  'scan.now': z.object({ mailboxId: id.optional() }),
  'suppression.remove': z.object({ address }),
  'worker.tick': z.object({}),
  /** Takes one person out of a campaign (campaign page). */
  'campaign.remove': z.object({ enrolmentId: id }),
  /** Test and demo builds only (no handler in production): moves the simulated clock forward. */
  'test.clock': z.object({ advanceMs: z.number().int().nonnegative().lt(4e10) }),
  /** Custom SMTP "Authenticate and Save": the worker asks the relay's /v1/verify and stores only on success. */
  'relay.verify': z.object({
    /** Ignored when the admin's policy sets the relay URL. */
    relayUrl: z.string().max(2000).optional(),
    relayToken: z.string().min(1).max(2000),
    /** The From address for Custom SMTP and legacy sends. */
    from: z.string().min(3).max(320),
    /** The rep's own SMTP login, for relays that allow it; the relay keeps it, Dispatch does not. */
    smtp: z.object({ username: z.string().min(1).max(320), password: z.string().min(1).max(1024) }).optional(),
  }),
  /** The channel advisor: SPF, DKIM and DMARC of a sending domain for a channel, over DNS-over-HTTPS. */
  'advisor.check': z.object({ domain: z.string().max(320).optional(), channel: channelKind.optional() }),
} as const

export const requestSchemas = { ...contentRequests, ...pageRequests }
export type RequestType = keyof typeof requestSchemas
export type ContentRequestType = keyof typeof contentRequests
export type RequestPayload<T extends RequestType> = z.infer<(typeof requestSchemas)[T]>
export type Request = { [T in RequestType]: { type: T } & RequestPayload<T> }[RequestType]

export function isContentRequestType(type: string): type is ContentRequestType {
  return Object.hasOwn(contentRequests, type)
}

export interface MailboxSummary {
  id: string
  provider: Provider
  address: string
  displayName: string
  status: Account['status']
  plan: Account['plan']
}

export interface BudgetView {
  /** Sends that may still go out in the current minute / rolling 24 h. */
  minuteRemaining: number
  dayRemaining: number
  perMessageRecipients: number
  /** Epoch ms when a message composed now would leave (now if it fits); -1 when it never can. */
  eta: number
  /** Why the ETA is later than now, for the UI. */
  waitReason?: WaitReason | 'queue'
}

export interface OutboxStatus {
  id: string
  state: OutboxState
  eta?: number
  error?: ErrorInfo
  sentAt?: number
}

/** What each request answers on success. */
export interface Responses {
  'diag.ping': { echo: string; workerStartedAt: number; dbVersion: number; pings: number }
  'compose.context': {
    host: 'gmail' | 'outlook'
    channel: ChannelKind
    mailbox: MailboxSummary | null
    /** The tab's Gmail account is not the connected mailbox: sending is refused. */
    mismatch: { tabAddress: string | null; connected: string } | null
    budget: BudgetView | null
    suppressed: string[]
    bounceTracking: boolean
    /** The rep asked Dispatch to take over the host's own Send button and Ctrl/Cmd+Enter. */
    interceptNativeSend: boolean
  }
  'compose.send': OutboxStatus
  'outbox.status': OutboxStatus[]
  'templates.list': Template[]
  'campaigns.list': Pick<Campaign, 'id' | 'name' | 'steps'>[]
  'campaign.enrol': { enrolled: number; skipped: { address: string; reason: string }[] }
  'auth.connect': MailboxSummary
  'auth.connectProvider': MailboxSummary
  'auth.disconnect': null
  'settings.set': null
  'templates.save': Template
  'templates.delete': null
  'campaigns.save': Campaign
  'campaigns.delete': null
  'outbox.cancel': OutboxStatus
  'outbox.resend': OutboxStatus
  'outbox.sendFromPage': OutboxStatus
  'feed.markRead': null
  'feed.markAllRead': null
  'scan.now': { scanned: number; bounces: number; replies: number }
  'suppression.remove': null
  'worker.tick': null
  'campaign.remove': null
  'test.clock': { now: number; offsetMs: number }
  'relay.verify': RelayVerified
  'advisor.check': AdvisorReport
}

export type Reply<T extends RequestType = RequestType> =
  { ok: true; data: Responses[T] } | { ok: false; error: ErrorInfo }

/** Worker → content scripts: a mailbox was connected or disconnected; sidebars ask for their context again. */
export interface ContextChangedPush {
  type: 'push.context'
}

/** Worker → content script: the state of a send changed (drives the page toast). */
export interface OutboxChangedPush {
  type: 'push.outbox'
  status: OutboxStatus
  composeId?: string
}

/** Error codes the UI translates (`error_<code>` in _locales). */
export const ERROR_CODES = [
  'forbidden',
  'invalid_message',
  'unknown_type',
  'not_connected',
  'account_mismatch',
  'header_injection',
  'no_recipients',
  'too_many_recipients',
  'invalid_address',
  'message_too_large',
  'auth_cancelled',
  'auth_failed',
  'token_expired',
  'token_revoked',
  'rate_limited',
  'daily_limit',
  'network',
  'provider_error',
  'provider_rejected',
  'not_found',
  'not_allowed',
  'channel_unavailable',
  'relay_auth_failed',
  'relay_token_rejected',
  'relay_unreachable',
  'relay_rep_login_disabled',
  'relay_from_not_allowed',
  'relay_origin_not_allowed',
  'relay_error',
  'legacy_token_rejected',
  'channel_not_configured',
  'dns_lookup_failed',
  'internal',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export function fail(code: ErrorCode, message: string, params?: string[]): { ok: false; error: ErrorInfo } {
  return { ok: false, error: params ? { code, message, params } : { code, message } }
}

/** Validates a raw message; the worker's router calls this before any handler runs. */
export function parseRequest(raw: unknown): { ok: true; request: Request } | { ok: false; error: ErrorInfo } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail('invalid_message', 'Message is not an object')
  }
  const type = (raw as { type?: unknown }).type
  if (typeof type !== 'string' || !Object.hasOwn(requestSchemas, type)) {
    return fail('unknown_type', `Unknown message type: ${String(type).slice(0, 60)}`)
  }
  const schema = requestSchemas[type as RequestType]
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const where = first?.path.join('.') || '(root)'
    return fail('invalid_message', `Invalid ${type}: ${where}: ${first?.message ?? 'invalid'}`)
  }
  return { ok: true, request: { type, ...parsed.data } as Request }
}

export type { Account, OutboxRow }
