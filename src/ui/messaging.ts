import type { Reply, RequestPayload, RequestType, Responses } from '../core/messages.ts'
import type { ErrorInfo } from '../core/types.ts'

export class RequestFailed extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message)
    this.name = 'RequestFailed'
  }
}

/** Asks the worker; resolves with the typed answer or rejects with a RequestFailed carrying a translatable code. */
export async function call<T extends RequestType>(type: T, payload: RequestPayload<T>): Promise<Responses[T]> {
  let reply: Reply<T> | undefined
  try {
    reply = (await chrome.runtime.sendMessage({ type, ...payload })) as Reply<T> | undefined
  } catch (err) {
    // "Extension context invalidated" after an update, or the worker could not start.
    throw new RequestFailed({ code: 'internal', message: err instanceof Error ? err.message : String(err) })
  }
  if (!reply) throw new RequestFailed({ code: 'internal', message: 'No answer from Dispatch' })
  if (!reply.ok) throw new RequestFailed(reply.error)
  return reply.data
}
