import nodemailer from 'nodemailer'
import type { NodemailerError } from 'nodemailer/lib/errors'
import type Mail from 'nodemailer/lib/mailer'
import type { SendMailOptions } from 'nodemailer/lib/mailer'
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo } from 'nodemailer/lib/smtp-pool'
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport'
import type { RelayConfig } from './config.ts'
import type { RelayError, RelaySendReply } from './protocol.ts'
import { RateGate } from './rate-gate.ts'
import type { SmtpLogin } from './rep-credentials.ts'

type SmtpSettings = RelayConfig['smtp']
type DkimSettings = RelayConfig['dkim']

function connectionOptions(smtp: SmtpSettings, login: SmtpLogin | undefined): SMTPTransportOptions {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.requireTLS,
    name: smtp.clientName,
    auth: login ? { user: login.username, pass: login.password } : undefined,
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs * 2,
    // Certificates are always verified; `ca` only adds trust anchors.
    tls: { ca: smtp.ca, servername: smtp.servername, minVersion: 'TLSv1.2' },
    // The relay only sends what callers post; it must never read local files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  }
}

/**
 * The pooled transport the relay sends through, shared with the benchmark so both measure the same
 * pooling policy. `maxRequeues: 0`: when a connection drops mid-message the pool would otherwise
 * resend it on its own, and SMTP cannot tell whether the first copy was accepted.
 */
export function pooledTransportOptions(
  smtp: SmtpSettings,
  login: SmtpLogin | undefined,
  dkim: DkimSettings,
): SMTPPoolOptions & { pool: true } {
  return {
    ...connectionOptions(smtp, login),
    pool: true,
    maxConnections: smtp.maxConnections,
    maxMessages: smtp.maxMessagesPerConnection,
    maxRequeues: 0,
    dkim: dkim
      ? {
          domainName: dkim.domain,
          keySelector: dkim.selector,
          privateKey: dkim.privateKey,
          headerFieldNames: SIGNED_HEADERS,
        }
      : undefined,
  }
}

// The usual signed set plus threading and our own id, so none can be altered or added in transit.
const SIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'In-Reply-To',
  'References',
  'X-Dispatch-Id',
].join(':')

const TLS_ERROR_CODES = new Set([
  'ETLS',
  'EREQUIRETLS',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
])

const isTlsError = (err: NodemailerError): boolean =>
  TLS_ERROR_CODES.has(err.code ?? '') ||
  TLS_ERROR_CODES.has(err.originalCode ?? '') ||
  /^ERR_SSL_/.test(err.originalCode ?? err.code ?? '')

/** Maps a nodemailer error onto the relay's typed error: 4xx may be retried, 5xx may not. */
export function describeSmtpError(err: NodemailerError): RelayError {
  const smtp =
    typeof err.responseCode === 'number' ? { smtpCode: err.responseCode, smtpResponse: err.response ?? '' } : {}
  const temporary = typeof err.responseCode === 'number' && err.responseCode >= 400 && err.responseCode < 500
  const authStep = err.command?.startsWith('AUTH') ?? false
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH' || (authStep && typeof err.responseCode === 'number')) {
    // 454 is a temporary authentication failure (the server's back end is down), worth a retry.
    return { code: 'auth_failed', message: 'Authentication unsuccessful', retryable: temporary, ...smtp }
  }
  if (isTlsError(err)) {
    return { code: 'tls_failed', message: `TLS failed: ${err.message}`, retryable: false, ...smtp }
  }
  if (err.code === 'ETIMEDOUT') {
    return { code: 'timeout', message: 'The SMTP server did not answer in time', retryable: true, ...smtp }
  }
  if (typeof err.responseCode === 'number' && err.responseCode >= 400) {
    const permanent = err.permanent ?? err.responseCode >= 500
    return permanent
      ? { code: 'smtp_rejected', message: err.message, retryable: false, ...smtp }
      : { code: 'smtp_temporary', message: err.message, retryable: true, ...smtp }
  }
  if (['ECONNECTION', 'ESOCKET', 'EDNS', 'EPROXY', 'ECONNREFUSED', 'ECONNRESET'].includes(err.code ?? '')) {
    return { code: 'connection_failed', message: `Could not reach the SMTP server: ${err.message}`, retryable: true }
  }
  if (err.code === 'EENVELOPE') return { code: 'smtp_rejected', message: err.message, retryable: false, ...smtp }
  return { code: 'internal', message: err.message, retryable: false, ...smtp }
}

type PooledMailer = Mail<SMTPPoolSentMessageInfo, SMTPPoolOptions>

/** One SMTP account: its connection pool and its share of the provider's rate cap. */
export interface SmtpChannel {
  readonly gate: RateGate
  send(message: SendMailOptions): Promise<RelaySendReply>
  verify(): Promise<RelayError | null>
}

class PooledChannel implements SmtpChannel {
  readonly gate: RateGate
  private readonly transporter: PooledMailer

  constructor(config: RelayConfig, login: SmtpLogin | undefined, gate: RateGate) {
    this.gate = gate
    this.transporter = nodemailer.createTransport(pooledTransportOptions(config.smtp, login, config.dkim))
  }

  async send(message: SendMailOptions): Promise<RelaySendReply> {
    try {
      const info = await this.transporter.sendMail(message)
      return {
        ok: true,
        messageId: info.messageId,
        accepted: info.accepted.map(String),
        rejected: info.rejected.map(String),
      }
    } catch (error) {
      return { ok: false, error: describeSmtpError(error as NodemailerError) }
    }
  }

  async verify(): Promise<RelayError | null> {
    try {
      await this.transporter.verify()
      return null
    } catch (error) {
      return describeSmtpError(error as NodemailerError)
    }
  }

  close(): void {
    this.transporter.close()
  }
}

/**
 * Keeps one pooled channel per SMTP account (the relay's own login, or a rep's), created on first
 * use. A provider caps each account separately, so each has its own rate gate.
 */
export class SmtpAccounts {
  private readonly channels = new Map<string, PooledChannel>()
  private readonly gates = new Map<string, RateGate>()

  constructor(private readonly config: RelayConfig) {}

  /** The channel for a rep's login, or the relay's own when `login` is undefined. */
  channel(login: SmtpLogin | undefined): SmtpChannel {
    const effective = login ?? this.relayLogin()
    const key = channelKey(login)
    let channel = this.channels.get(key)
    if (!channel) {
      // The provider counts per account, so logins of the same user share one gate.
      const account = effective?.username ?? ''
      let gate = this.gates.get(account)
      if (!gate) {
        gate = new RateGate(this.config.rateCap)
        this.gates.set(account, gate)
      }
      channel = new PooledChannel(this.config, effective, gate)
      this.channels.set(key, channel)
    }
    return channel
  }

  /** Messages waiting for a rate-cap slot, over all accounts. */
  get queued(): number {
    let n = 0
    for (const gate of this.gates.values()) n += gate.queued
    return n
  }

  /** Tries a login on a fresh connection, outside any pool, so a bad password leaves pools alone. */
  async tryLogin(login: SmtpLogin): Promise<RelayError | null> {
    const transporter = nodemailer.createTransport(connectionOptions(this.config.smtp, login))
    try {
      await transporter.verify()
      return null
    } catch (error) {
      return describeSmtpError(error as NodemailerError)
    } finally {
      transporter.close()
    }
  }

  /** Closes the pool of a rep's previous login once it is replaced. */
  retire(login: SmtpLogin): void {
    const key = channelKey(login)
    this.channels.get(key)?.close()
    this.channels.delete(key)
  }

  close(): void {
    for (const channel of this.channels.values()) channel.close()
    this.channels.clear()
  }

  private relayLogin(): SmtpLogin | undefined {
    const { username, password } = this.config.smtp
    return username ? { username, password: password ?? '' } : undefined
  }
}

const channelKey = (login: SmtpLogin | undefined): string =>
  login ? `rep\0${login.username}\0${login.password}` : 'relay'
