import { DispatchError, toErrorInfo } from '../core/errors.ts'
import {
  fail,
  isContentRequestType,
  parseRequest,
  type Reply,
  type RequestPayload,
  type RequestType,
  type Responses,
} from '../core/messages.ts'
import { classifySender, type RawSender, type SenderInfo } from '../core/sender.ts'

export type Handler<T extends RequestType> = (payload: RequestPayload<T>, sender: SenderInfo) => Promise<Responses[T]>
export type Handlers = { [T in RequestType]?: Handler<T> }

/**
 * The worker's single entry point for messages: checks who is asking, validates the payload against
 * the protocol schema, then runs the handler. Always resolves with a typed reply — a rejected
 * promise would reach the caller only as an untyped string (see PLATFORM.md).
 */
export function createRouter(handlers: Handlers, extensionId: string) {
  return async function route(raw: unknown, rawSender: RawSender): Promise<Reply> {
    const sender = classifySender(rawSender, extensionId)
    if (!sender) return fail('forbidden', 'Sender is not allowed to talk to Dispatch')
    const parsed = parseRequest(raw)
    if (!parsed.ok) return parsed
    const { type, ...payload } = parsed.request
    if (sender.kind === 'content' && !isContentRequestType(type)) {
      return fail('forbidden', `A host page may not send ${type}`)
    }
    const handler = handlers[type] as Handler<typeof type> | undefined
    if (!handler) return fail('unknown_type', `No handler for ${type}`)
    try {
      const data = await handler(payload as RequestPayload<typeof type>, sender)
      return { ok: true, data } as Reply
    } catch (err) {
      if (!(err instanceof DispatchError)) console.error(`[dispatch] ${type} failed`, err)
      return { ok: false, error: toErrorInfo(err) }
    }
  }
}
