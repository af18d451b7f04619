/**
 * The emulator's state and the mail flow between mailboxes: accounts, delivery, the outgoing
 * pipeline (send records, limits, copies to other emulated mailboxes, NDRs for rejected
 * recipients), independent of HTTP.
 */
import { randomBytes } from 'node:crypto'
import { gmailInsertIncoming, gmailSeed } from './gmail/mailbox.ts'
import { graphInsertIncoming, graphSeed } from './graph/mailbox.ts'
import { type Header, headerValue, parseMessageHeaders, toCrlf } from './mime.ts'
import { buildNdr, type NdrKind, type NdrLang } from './ndr.ts'
import {
  Clock,
  type Folder,
  Mailbox,
  newExchangeServer,
  newGraphFolderId,
  newGuid,
  type Provider,
  type SendRecord,
  type StoredMessage,
} from './store.ts'

export interface Limits {
  /** Messages per rolling 24 h (Gmail: 500 consumer / 2,000 Workspace). */
  messagesPerDay?: number
  /** Recipients per rolling 24 h (Exchange Online: 10,000). */
  recipientsPerDay?: number
  /** Recipients per message (Gmail API: 100; Exchange Online: 500). */
  recipientsPerMessage?: number
  /** Messages per rolling minute (Exchange Online: 30). */
  messagesPerMinute?: number
  /**
   * What a Gmail mailbox answers over its daily limit: 429 "User-rate limit exceeded … (Mail
   * sending)" as Google documents, or 403 `dailyLimitExceeded`.
   */
  gmailOverDaily?: '429' | '403'
  /**
   * Exchange over 30/min: 'delay' holds the message back (as Exchange Online documents: excess is
   * carried over to the next minutes) or 'reject' answers 429 with Retry-After.
   */
  exchangeOverMinute?: 'delay' | 'reject'
  /**
   * Exchange over the daily recipient limit: 'error' answers 403 ErrorQuotaExceeded; 'ndr' accepts
   * and returns a 5.2.0 SubmissionQuotaExceeded NDR, as Exchange does for SMTP submissions.
   */
  exchangeOverDaily?: 'error' | 'ndr'
}

/** Provider limits (DESIGN.md / PLATFORM.md figures), applied when `enforceLimits` is on. */
export function providerLimits(provider: Provider, address: string): Limits {
  if (provider === 'google') {
    const consumer = /@(gmail|googlemail)\.com$/i.test(address)
    return { messagesPerDay: consumer ? 500 : 2000, recipientsPerMessage: 100 }
  }
  return { messagesPerMinute: 30, recipientsPerDay: 10_000, recipientsPerMessage: 500 }
}

export interface Rejection {
  kind: NdrKind
  lang?: NdrLang
  /** Enhanced status to report (defaults: hard 5.1.1, soft 5.2.2). */
  status?: string
  /** Exchange NDR sender: the MicrosoftExchange system mailbox (default) or postmaster. */
  exchangeFrom?: 'microsoftexchange' | 'postmaster'
}

export interface Account {
  provider: Provider
  address: string
  displayName: string
  tenant: string
  lang: NdrLang
  /** Google `sub` (21 digits) or the Graph user id (GUID). */
  id: string
  mailbox: Mailbox
  limits: Limits | null
  sends: SendRecord[]
  blocked: boolean
  /** Exchange host that "generates" this mailbox's ids and NDRs. */
  exchangeServer: string
  folderIds: Record<Folder, string>
  /** Gmail drafts: draft id -> message id. */
  drafts: Map<string, string>
  /** Graph: requests currently in flight (MailboxConcurrency). */
  inFlight: number
  /** Exchange: earliest time the next message may leave under messagesPerMinute 'delay'. */
  queue: number[]
}

export interface AddAccount {
  provider: Provider
  address: string
  displayName?: string
  /** Microsoft tenant name (`<tenant>.onmicrosoft.com`); default: the domain's first label. */
  tenant?: string
  /** Language of the mailbox (NDR text for Exchange, DSN text for Gmail). */
  lang?: NdrLang
  /** Override or add limits for this account (merged over the provider's when enforceLimits). */
  limits?: Limits
}

export interface CoreOptions {
  ndrDelayMs: number
  historyRetention: number
  gmailMessageId: 'replace' | 'keep'
  enforceLimits: boolean
  /** Delay before a Graph send shows in Sent Items (Exchange submits asynchronously). */
  sentItemDelayMs: number
  /**
   * Whether Graph returns `internetMessageHeaders` (the custom x- headers) for sent items and
   * drafts. Off by default: Exchange keeps transport headers only on received mail.
   */
  graphSentHeaders: boolean
}

export type LimitRefusal =
  | { kind: 'perMessage'; limit: number }
  | { kind: 'daily'; retryAt: number }
  | { kind: 'dailyRecipients'; retryAt: number }
  | { kind: 'perMinute'; retryAt: number }
  | { kind: 'blocked' }

const WINDOW_DAY = 24 * 3600_000

export class EmulatorCore {
  readonly clock = new Clock()
  readonly accounts = new Map<string, Account>()
  readonly rejected = new Map<string, Rejection>()
  private timers = new Set<{ timer: NodeJS.Timeout; run: () => void }>()

  constructor(readonly options: CoreOptions) {}

  addAccount(spec: AddAccount): Account {
    const address = spec.address.toLowerCase()
    if (this.accounts.has(address)) throw new Error(`account ${address} exists`)
    const domain = address.split('@')[1] ?? 'example.com'
    const account: Account = {
      provider: spec.provider,
      address,
      displayName: spec.displayName ?? address.split('@')[0]!,
      tenant: spec.tenant ?? domain.split('.')[0]!,
      lang: spec.lang ?? 'en',
      id:
        spec.provider === 'google'
          ? `1${randomBytes(10).readBigUInt64BE().toString().padStart(20, '0').slice(0, 20)}`
          : newGuid(),
      // Gmail history expires; Graph delta state is kept whole (a reset is a separate knob).
      mailbox: new Mailbox(
        spec.provider,
        spec.provider === 'google' ? this.options.historyRetention : Number.POSITIVE_INFINITY,
      ),
      limits: spec.limits ?? null,
      sends: [],
      blocked: false,
      exchangeServer: newExchangeServer(),
      folderIds: { inbox: newGraphFolderId(), sent: newGraphFolderId(), drafts: newGraphFolderId() },
      drafts: new Map(),
      inFlight: 0,
      queue: [],
    }
    this.accounts.set(address, account)
    return account
  }

  account(address: string): Account {
    const account = this.accounts.get(address.toLowerCase())
    if (!account) throw new Error(`no account ${address}`)
    return account
  }

  effectiveLimits(account: Account): Limits {
    const base = this.options.enforceLimits ? providerLimits(account.provider, account.address) : {}
    return { ...base, ...(account.limits ?? {}) }
  }

  /** Drops a message into a mailbox's inbox, as if it arrived from outside. */
  deliver(address: string, raw: Buffer | string): StoredMessage {
    const account = this.account(address)
    const bytes = toCrlf(Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8'))
    return account.provider === 'google'
      ? gmailInsertIncoming(account, bytes, this.clock.now())
      : graphInsertIncoming(account, bytes, this.clock.now())
  }

  seedInbox(address: string, n: number): void {
    const account = this.account(address)
    if (account.provider === 'google') gmailSeed(account, n, this.clock.now())
    else graphSeed(account, n, this.clock.now())
  }

  /** Checks the sender's limits for one more message to `recipients` addresses. */
  checkLimits(account: Account, recipients: number): LimitRefusal | null {
    if (account.blocked) return { kind: 'blocked' }
    const limits = this.effectiveLimits(account)
    const now = this.clock.now()
    if (limits.recipientsPerMessage !== undefined && recipients > limits.recipientsPerMessage) {
      return { kind: 'perMessage', limit: limits.recipientsPerMessage }
    }
    const day = account.sends.filter((s) => s.at > now - WINDOW_DAY)
    if (limits.messagesPerDay !== undefined && day.length + 1 > limits.messagesPerDay) {
      const oldest = day[day.length - limits.messagesPerDay]!
      return { kind: 'daily', retryAt: oldest.at + WINDOW_DAY }
    }
    if (limits.recipientsPerDay !== undefined) {
      let total = recipients
      for (const s of day) total += s.recipients.length
      if (total > limits.recipientsPerDay) {
        let freed = total
        let retryAt = now + WINDOW_DAY
        for (const s of day) {
          freed -= s.recipients.length
          if (freed <= limits.recipientsPerDay) {
            retryAt = s.at + WINDOW_DAY
            break
          }
        }
        return { kind: 'dailyRecipients', retryAt }
      }
    }
    if (limits.messagesPerMinute !== undefined) {
      const minute = account.sends.filter((s) => s.at > now - 60_000)
      if (minute.length + 1 > limits.messagesPerMinute) {
        const oldest = minute[minute.length - limits.messagesPerMinute]!
        return { kind: 'perMinute', retryAt: oldest.at + 60_000 }
      }
    }
    return null
  }

  /**
   * After a message is accepted for sending: record it, copy it to other emulated mailboxes among
   * the recipients, and schedule an NDR for each rejected recipient.
   */
  dispatchOutgoing(sender: Account, sent: StoredMessage, recipients: string[]): void {
    const now = this.clock.now()
    sender.sends.push({
      at: now,
      id: sent.id,
      messageId: sent.messageId,
      recipients,
      subject: sent.subject,
    })
    const raw = sent.raw
    const copy = stripBcc(raw)
    for (const recipient of recipients) {
      const rejection = this.rejected.get(recipient.toLowerCase())
      if (rejection) {
        this.later(this.options.ndrDelayMs, () => {
          if (!this.accounts.has(sender.address)) return
          const ndr = buildNdr({
            style: sender.provider === 'google' ? 'gmail' : 'exchange',
            lang: rejection.lang ?? sender.lang,
            kind: rejection.kind,
            status: rejection.status,
            exchangeFrom: rejection.exchangeFrom,
            senderAddress: sender.address,
            senderName: sender.displayName,
            tenant: sender.tenant,
            server: sender.exchangeServer,
            recipient,
            original: raw,
            now: this.clock.now(),
          })
          this.deliver(sender.address, ndr)
        })
        continue
      }
      const target = this.accounts.get(recipient.toLowerCase())
      if (target && target !== sender) this.deliver(target.address, copy)
    }
  }

  /** An NDR for a send refused for quota after acceptance (Exchange 5.2.0). */
  quotaNdr(sender: Account, raw: Buffer, recipient: string): void {
    this.later(this.options.ndrDelayMs, () => {
      const ndr = buildNdr({
        style: 'exchange',
        lang: sender.lang,
        kind: 'soft',
        status: '5.2.0',
        diagnostic:
          '554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message Cannot submit message.',
        senderAddress: sender.address,
        senderName: sender.displayName,
        tenant: sender.tenant,
        server: sender.exchangeServer,
        recipient,
        original: raw,
        now: this.clock.now(),
      })
      this.deliver(sender.address, ndr)
    })
  }

  later(ms: number, run: () => void): void {
    const entry = {
      run,
      timer: setTimeout(() => {
        this.timers.delete(entry)
        run()
      }, ms),
    }
    this.timers.add(entry)
  }

  /** Runs every pending delayed delivery (NDRs, held-back sends) now. */
  flush(): number {
    const pending = [...this.timers]
    for (const entry of pending) {
      clearTimeout(entry.timer)
      this.timers.delete(entry)
      entry.run()
    }
    return pending.length
  }

  get pendingCount(): number {
    return this.timers.size
  }

  stop(): void {
    for (const entry of this.timers) clearTimeout(entry.timer)
    this.timers.clear()
  }
}

function stripBcc(raw: Buffer): Buffer {
  const { headers, bodyStart } = parseMessageHeaders(raw)
  if (!headerValue(headers, 'bcc')) return raw
  const head = raw.subarray(0, bodyStart).toString('latin1')
  const kept = head.replace(/^Bcc:.*(\r\n[ \t].*)*\r\n/gim, '')
  return Buffer.concat([Buffer.from(kept, 'latin1'), raw.subarray(bodyStart)])
}

export type { Header }
