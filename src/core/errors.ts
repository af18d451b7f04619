import type { ErrorCode } from './messages.ts'
import type { ErrorInfo } from './types.ts'

/**
 * An error the UI can translate: thrown inside the worker, turned into `{ok:false, error}` at the
 * message boundary. `message` is English detail for logs and the provider's own words; the UI shows
 * the translated `error_<code>` text and may add `message` as detail.
 */
export class DispatchError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly params?: string[],
    /** For provider errors: may the same request succeed later? */
    readonly retryable = false,
    /** Provider asked us to wait this long (ms) before retrying. */
    readonly retryAfterMs?: number,
  ) {
    super(message)
    this.name = 'DispatchError'
  }

  toInfo(): ErrorInfo {
    return this.params
      ? { code: this.code, message: this.message, params: this.params }
      : { code: this.code, message: this.message }
  }
}

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof DispatchError) return err.toInfo()
  const message = err instanceof Error ? err.message : String(err)
  return { code: 'internal', message: message.slice(0, 500) }
}
