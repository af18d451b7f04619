import type { Reply, RequestPayload, RequestType, Responses } from '../core/messages.ts'
import type { ErrorInfo } from '../core/types.ts'

export class RequestFailed extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message)
    this.name = 'RequestFailed'
  }
}

/** Asks the worker; resolves with the typed answer or rejects with a RequestFailed carrying a translatable code. */
/** The worker was stopped while answering (MV3 may stop it at any time): asking again restarts it. */
const WORKER_GONE = /message port closed|Receiving end does not exist|message channel closed/i

export async function call<T extends RequestType>(type: T, payload: RequestPayload<T>): Promise<Responses[T]> {
  let reply: Reply<T> | undefined
  for (let attempt = 0; ; attempt++) {
    try {
      reply = (await chrome.runtime.sendMessage({ type, ...payload })) as Reply<T> | undefined
      break
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      if (attempt < 2 && WORKER_GONE.test(message)) continue
      // "Extension context invalidated" after an update, or the worker could not start.
      throw new RequestFailed({ code: 'internal', message })
    }
  }
  if (!reply) throw new RequestFailed({ code: 'internal', message: 'No answer from Dispatch' })
  if (!reply.ok) throw new RequestFailed(reply.error)
  return reply.data
}
