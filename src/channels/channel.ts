import { DispatchError } from '../core/errors.ts'
import type { ErrorCode } from '../core/messages.ts'
import type { Account, ChannelKind, OutboxRow } from '../core/types.ts'

/** What a channel learned about a message it sent. */
export interface SentMessage {
  providerMessageId: string
  providerThreadId?: string
  /** The final RFC 5322 Message-ID, used to match bounces and replies. */
  messageId?: string
}

/**
 * How the provider's answer should change the throttle: a rate answer cools the mailbox down, a
 * daily block pauses it, an auth answer waits for a reconnect. Anything else is about the row only.
 */
export type ProviderFeedback =
  | { kind: 'rate'; retryAfterMs?: number }
  | { kind: 'daily'; retryAfterMs?: number }
  | { kind: 'auth' }
  | { kind: 'transient'; retryAfterMs?: number; maybeSent: boolean }
  | { kind: 'permanent' }

export class ProviderError extends DispatchError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly feedback: ProviderFeedback,
    params?: string[],
  ) {
    super(code, message, params, feedback.kind === 'rate' || feedback.kind === 'transient' || feedback.kind === 'daily')
    this.name = 'ProviderError'
  }
}

export interface ChannelContext {
  account: Account | null
  /** A valid access token (renewed when needed). */
  token(): Promise<string>
  /** The API said the token is bad: the next token() renews. */
  invalidate(): Promise<void>
  /** The sender's From identity. */
  from: { name: string; address: string }
}

/** Things a channel sends a message through. */
export interface Channel {
  readonly kind: ChannelKind
  /** Sends the row's message; may record provider ids on the row as it goes (Graph drafts). */
  send(
    row: OutboxRow,
    ctx: ChannelContext,
    progress: (patch: Partial<OutboxRow>) => Promise<void>,
  ): Promise<SentMessage>
  /**
   * Was this row already sent (a worker died mid-send, or the answer was lost)? `null` when the
   * provider has no trace of it, so a retry cannot duplicate it.
   */
  findSent(row: OutboxRow, ctx: ChannelContext): Promise<SentMessage | null>
}

/** Parses Retry-After (seconds or an HTTP date). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined
  const secs = Number(header)
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000)
  const at = Date.parse(header)
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined
}

/** fetch that turns a lost connection into a transient error whose outcome is unknown. */
export async function providerFetch(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // The request may have reached the provider before the connection died.
    const maybeSent = (init.method ?? 'GET') !== 'GET'
    throw new ProviderError('network', message, { kind: 'transient', maybeSent })
  }
}

/**
 * A channel whose endpoint is idempotent on the outbox id (the relay, the legacy endpoint): sending
 * and reconciling are the same request. Posting again replays the first answer, or sends once if
 * the endpoint never got the request; a retryable refusal leaves no trace there, so it means "not
 * sent".
 */
export function idempotentPostChannel(
  kind: ChannelKind,
  post: (row: OutboxRow, ctx: ChannelContext) => Promise<SentMessage>,
): Channel {
  return {
    kind,
    send: (row, ctx) => post(row, ctx),
    async findSent(row, ctx) {
      try {
        return await post(row, ctx)
      } catch (err) {
        if (err instanceof ProviderError && err.feedback.kind === 'transient' && !err.feedback.maybeSent) return null
        throw err
      }
    },
  }
}

/**
 * The body of a provider's answer. A body that cannot be read (the connection died mid-answer)
 * leaves the outcome unknown: for a request that changes something, it may have taken effect.
 */
export async function readAnswer<T>(res: Response, init: { method?: string } = {}): Promise<T> {
  try {
    return (await res.json()) as T
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new ProviderError('network', `Unreadable answer: ${message}`, {
      kind: 'transient',
      maybeSent: (init.method ?? 'GET') !== 'GET',
    })
  }
}
