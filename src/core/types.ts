/**
 * The product's domain vocabulary, shared by the worker, the pages and the content scripts.
 * Everything here is plain data: it is stored in IndexedDB and crosses `runtime.sendMessage`.
 */

/** The two mailbox providers Dispatch connects to. */
export type Provider = 'gmail' | 'exchange'

/** The ways a message can leave. Gmail and Exchange are the native channels of the plugin rule. */
export type ChannelKind = 'gmail' | 'exchange' | 'smtp' | 'legacy'

/** The host web app a content script runs in. */
export type HostKind = 'gmail' | 'outlook'

/**
 * What decides a mailbox's sending limits.
 * `outlook-consumer` is an Outlook.com / Hotmail account (outlook.live.com), which has its own,
 * lower published limits than Exchange Online.
 */
export type MailboxPlan = 'gmail-consumer' | 'workspace' | 'workspace-trial' | 'exchange-online' | 'outlook-consumer'

/** `gmail:ana@example.com` / `exchange:ana@contoso.com` — lower-cased address. */
export type MailboxId = string

export type AccountStatus = 'connected' | 'expired' | 'revoked' | 'disconnected'

export interface Account {
  id: MailboxId
  provider: Provider
  address: string
  displayName: string
  plan: MailboxPlan
  status: AccountStatus
  connectedAt: number
  /** The last sign-in or renewal problem, shown in the UI. */
  lastError?: ErrorInfo
}

/** OAuth tokens, kept in their own table so that nothing that lists accounts can leak them. */
export interface AccountSecret {
  accountId: MailboxId
  accessToken: string
  /** Epoch ms. */
  expiresAt: number
  refreshToken?: string
  scope?: string
  /** Microsoft SPA refresh tokens expire after 24 h; a silent re-auth is due before this. */
  refreshExpiresAt?: number
}

export interface ErrorInfo {
  code: string
  message: string
  /** Extra values the translated message may use as placeholders. */
  params?: string[]
}

/** A message as the rep wrote it. Addresses are RFC 5322 mailboxes (`Name <a@b.c>` or `a@b.c`). */
export interface OutgoingMessage {
  to: string[]
  cc: string[]
  bcc: string[]
  subject: string
  html: string
  text: string
  /** Threading: the Message-ID this replies to, and the References chain. */
  inReplyTo?: string
  references?: string[]
  /** Provider thread/conversation to reply in: Gmail threadId, Graph message id to reply to. */
  providerThreadId?: string
  replyToProviderMessageId?: string
}

/**
 * Outbox states. `queued` includes scheduled sends (notBefore in the future); `ended` is a campaign
 * step that will not be sent because the campaign ended for that person.
 */
export type OutboxState = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'ended'

export type SendOrigin = 'compose' | 'campaign' | 'page'

export interface AttemptRecord {
  at: number
  outcome: 'started' | 'sent' | 'retry' | 'failed' | 'reconciled-sent' | 'reconciled-absent'
  error?: ErrorInfo
}

export interface OutboxRow {
  /** UUID; also the `X-Dispatch-Id` header of the message. */
  id: string
  mailboxId: MailboxId
  /** Fixed when the row is created (the plugin rule). */
  channel: ChannelKind
  origin: SendOrigin
  host?: HostKind
  state: OutboxState
  message: OutgoingMessage
  recipientCount: number
  createdAt: number
  /** Earliest send time (scheduled sends); equals createdAt for "send now". */
  notBefore: number
  /** When the scheduler should look at this row next (throttle ETA, retry backoff). */
  nextAttemptAt: number
  attempts: number
  log: AttemptRecord[]
  /** IANA zone the rep scheduled in, for display. */
  timeZone?: string
  sentAt?: number
  providerMessageId?: string
  providerThreadId?: string
  /** Final RFC 5322 Message-ID (Gmail) / internetMessageId (Graph), read back after sending. */
  messageId?: string
  error?: ErrorInfo
  templateId?: string
  campaignId?: string
  enrolmentId?: string
  stepIndex?: number
  /**
   * The last attempt may have reached the provider (connection lost, 5xx after a POST): look in the
   * Sent folder before sending again.
   */
  reconcile?: boolean
  /** A "throttled" feed event was already emitted for this row. */
  throttleNotified?: boolean
  /** The tab and compose that asked for this send, to update its toast. */
  tabId?: number
  composeId?: string
}

export interface LedgerEntry {
  seq?: number
  mailboxId: MailboxId
  /** Epoch ms when the send was reserved. */
  at: number
  recipients: number
  outboxId: string
}

/** Provider feedback that tightens a mailbox for a while (429s, daily blocks). */
export interface ThrottleState {
  mailboxId: MailboxId
  /** No send before this (Retry-After, backoff). */
  cooldownUntil: number
  /** Consecutive rate-limit answers, for exponential backoff. */
  strikes: number
  /** 0 < factor ≤ 1 applied to the per-second/minute rate until rateFactorUntil. */
  rateFactor: number
  rateFactorUntil: number
  /** Daily limit reached at the provider: paused until the rolling window frees. */
  pausedUntil: number
  reason?: string
}

export type BounceKind = 'hard' | 'soft'

export interface BounceRecord {
  /** `${mailboxId}|${ndrProviderId}|${recipient}` — an NDR is counted once however often it is seen. */
  id: string
  mailboxId: MailboxId
  ndrProviderId: string
  recipient: string
  kind: BounceKind
  reason: string
  status: string | null
  diagnostic?: string
  detectedAt: number
  outboxId?: string
  correlation: 'dispatch-id' | 'message-id' | 'heuristic' | 'none'
  templateId?: string
  campaignId?: string
  stepIndex?: number
}

export interface SuppressionEntry {
  /** Lower-cased address. */
  address: string
  reason: string
  addedAt: number
  bounceId?: string
  source: 'bounce' | 'manual'
}

export interface Template {
  id: string
  name: string
  subject: string
  /** HTML with `{{variables}}`. */
  body: string
  createdAt: number
  updatedAt: number
}

export interface CampaignStep {
  dayOffset: number
  templateId: string
  /** Reply in the same thread as the previous step, or start a new one. */
  mode: 'reply' | 'new'
}

export interface Campaign {
  id: string
  name: string
  steps: CampaignStep[]
  skipWeekends: boolean
  removeOnBounce: boolean
  endOnReply: boolean
  /** The mailbox whose budget and identity the steps use. */
  mailboxId?: MailboxId
  createdAt: number
  archived?: boolean
}

export type EnrolmentState = 'active' | 'completed' | 'ended'

export interface Enrolment {
  id: string
  campaignId: string
  /** Lower-cased address. */
  address: string
  name?: string
  variables: Record<string, string>
  state: EnrolmentState
  nextStep: number
  nextDueAt: number
  enrolledAt: number
  endedReason?: 'bounce' | 'reply' | 'removed' | 'soft-bounces'
  softBounceStreak: number
  /** Threading of the first step, for steps sent as replies. */
  threadMessageId?: string
  threadProviderId?: string
  threadRefs?: string[]
}

export type FeedKind = 'sent' | 'queued' | 'throttled' | 'failed' | 'bounced' | 'replied' | 'ended'

export interface FeedEvent {
  id?: number
  at: number
  kind: FeedKind
  /** 0 unread, 1 read (numbers index well in IndexedDB; booleans do not). */
  read: 0 | 1
  mailboxId?: MailboxId
  outboxId?: string
  bounceId?: string
  campaignId?: string
  templateId?: string
  /** Shown as text only. */
  subject?: string
  recipient?: string
  detail?: string
}

export interface ScanCursor {
  mailboxId: MailboxId
  gmailHistoryId?: string
  graphDeltaLink?: string
  lastScanAt?: number
  lastError?: ErrorInfo
}

/** A message the scanner has already handled, so a re-seen NDR or reply is counted once. */
export interface ScannedMessage {
  mailboxId: MailboxId
  providerId: string
  at: number
  outcome: 'bounce' | 'reply' | 'autoreply' | 'ignored' | 'error'
  error?: string
}

export type StatScope = 'template' | 'campaign' | 'step'

/** Incremental analytics totals per scope and UTC day. */
export interface StatRow {
  /** `${scope}|${scopeId}|${day}` */
  key: string
  scope: StatScope
  scopeId: string
  /** YYYY-MM-DD (UTC). */
  day: string
  sent: number
  hard: number
  soft: number
  replies: number
}

export interface SettingRow {
  key: string
  value: unknown
}
