import type { BounceRecord, MailboxId, OutboxRow } from '../core/types.ts'

/**
 * Domain events inside the worker. The inbox scanner emits bounces and replies; campaigns,
 * analytics and the feed react. Handlers run in registration order and are awaited, so a scan
 * step is complete (and its cursor may advance) only after everyone has stored what they need.
 * Registration happens at module top level: a restarted worker has every handler again.
 */
export interface ReplyDetected {
  mailboxId: MailboxId
  /** The provider id of the reply in the inbox. */
  providerId: string
  /** Lower-cased address the reply came from. */
  from: string
  at: number
  /** The sent message it answers, when matched (In-Reply-To / References / thread). */
  outboxId?: string
  subject?: string
}

export interface DomainEvents {
  /** A send reached a final state (sent or failed). */
  'outbox.settled': OutboxRow
  /** A bounce was stored (once per NDR and recipient). */
  'bounce.recorded': BounceRecord
  /** A real reply (not an auto-reply or NDR) arrived from someone we wrote to. */
  'reply.detected': ReplyDetected
}

type Handler<K extends keyof DomainEvents> = (event: DomainEvents[K]) => Promise<void> | void

const handlers = new Map<keyof DomainEvents, Handler<never>[]>()

export function on<K extends keyof DomainEvents>(name: K, handler: Handler<K>): void {
  handlers.set(name, [...(handlers.get(name) ?? []), handler as Handler<never>])
}

/** Runs every handler; one failing handler is logged and does not stop the others. */
export async function emitEvent<K extends keyof DomainEvents>(name: K, event: DomainEvents[K]): Promise<void> {
  for (const handler of (handlers.get(name) ?? []) as Handler<K>[]) {
    try {
      await handler(event)
    } catch (err) {
      console.error(`[dispatch] ${name} handler failed`, err)
    }
  }
}
