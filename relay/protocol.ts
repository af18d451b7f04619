// The relay's HTTP JSON API, as the extension's Custom SMTP channel sees it. Types only.

/** An address as "a@b.c", "Name <a@b.c>", or { name, address }. */
export type RelayAddress = string | { name?: string; address: string }

/** POST /v1/send */
export interface RelaySendRequest {
  /** The outbox id: the idempotency key, also sent to the SMTP server as X-Dispatch-Id. */
  id: string
  from: RelayAddress
  to: RelayAddress[]
  cc?: RelayAddress[]
  bcc?: RelayAddress[]
  subject: string
  html?: string
  text?: string
  /** Extra headers; only X- names, no CR/LF in names or values. */
  headers?: Record<string, string>
  inReplyTo?: string
  references?: string | string[]
}

/** POST /v1/verify. Without `smtp` the relay checks the login it already holds for this caller. */
export interface RelayVerifyRequest {
  /** A rep's own SMTP login; only when the relay allows rep credentials. Stored only if it works. */
  smtp?: { username: string; password: string }
}

export type RelayErrorCode =
  // the request
  | 'unauthorized'
  | 'origin_not_allowed'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'invalid_json'
  | 'invalid_request'
  | 'header_injection'
  | 'header_not_allowed'
  | 'too_many_recipients'
  | 'from_not_allowed'
  | 'request_too_large'
  | 'rep_credentials_disabled'
  | 'shutting_down'
  // the SMTP server
  | 'auth_failed'
  | 'connection_failed'
  | 'tls_failed'
  | 'timeout'
  | 'smtp_temporary'
  | 'smtp_rejected'
  | 'delivery_unknown'
  | 'internal'

export interface RelayError {
  code: RelayErrorCode
  /** English, for logs and admins; the extension translates by `code`. */
  message: string
  /** True when the same request may succeed later (SMTP 4xx, network trouble, relay busy). */
  retryable: boolean
  /** The SMTP server's reply code and text, when the error came from one. */
  smtpCode?: number
  smtpResponse?: string
}

export type RelayFailure = { ok: false; error: RelayError }

export type RelaySendReply = { ok: true; messageId: string; accepted: string[]; rejected: string[] } | RelayFailure

export type RelayVerifyReply =
  | {
      ok: true
      /** Whose login the relay will use for this caller. */
      account: { username: string | null; source: 'relay' | 'rep' }
      domain: string | null
      /** The DKIM selector, so the channel advisor can look up `<selector>._domainkey.<domain>`. */
      dkim: { domain: string; selector: string } | null
      rateCap: { messages: number; perSeconds: number } | null
    }
  | RelayFailure

/** GET /v1/health (no token needed). */
export interface RelayHealthReply {
  ok: true
  version: string
  rateCap: { messages: number; perSeconds: number } | null
  /** Messages waiting for a rate-cap slot. */
  queued: number
}
