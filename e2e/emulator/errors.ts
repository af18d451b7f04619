/**
 * Error bodies in each provider's own shape. Gmail: Google's v1 error envelope
 * `{error:{code,message,errors:[{message,domain,reason}],status}}`; Graph: OData
 * `{error:{code,message,innerError:{date,'request-id','client-request-id'}}}`.
 */
import { randomUUID } from 'node:crypto'

export interface ApiResponse {
  status: number
  headers?: Record<string, string>
  /** JSON-serialisable body, a string, a Buffer, or undefined for no body. */
  body?: unknown
  contentType?: string
}

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'OUT_OF_RANGE',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
}

export interface GoogleErrorDetail {
  reason: string
  domain?: string
  message?: string
  location?: string
  locationType?: string
}

export function gmailError(
  code: number,
  message: string,
  detail: GoogleErrorDetail,
  headers?: Record<string, string>,
  status = GOOGLE_STATUS[code] ?? 'UNKNOWN',
): ApiResponse {
  const error: Record<string, unknown> = {
    message: detail.message ?? message,
    domain: detail.domain ?? 'global',
    reason: detail.reason,
  }
  if (detail.location) error.location = detail.location
  if (detail.locationType) error.locationType = detail.locationType
  return { status: code, headers, body: { error: { code, message, errors: [error], status } } }
}

export const gmail = {
  invalidArgument: (message: string) => gmailError(400, message, { reason: 'invalidArgument' }),
  failedPrecondition: (message: string) => gmailError(400, message, { reason: 'failedPrecondition' }),
  badRequest: (message: string) => gmailError(400, message, { reason: 'badRequest' }),
  /** Unknown query parameters and unknown JSON fields, as Google's front end words them. */
  invalid: (message: string) => gmailError(400, message, { reason: 'invalid' }),
  notFound: () => gmailError(404, 'Requested entity was not found.', { reason: 'notFound' }),
  unauthenticated: () =>
    gmailError(
      401,
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      { reason: 'authError', message: 'Invalid Credentials', location: 'Authorization', locationType: 'header' },
      { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    ),
  insufficientScopes: () =>
    gmailError(403, 'Request had insufficient authentication scopes.', {
      reason: 'insufficientPermissions',
      message: 'Insufficient Permission',
    }),
  delegationDenied: (userId: string) => gmailError(403, `Delegation denied for ${userId}`, { reason: 'forbidden' }),
  /** Per-user rate limit; Gmail names the moment to retry in the message, not in a header. */
  userRateLimit429: (retryAt: number, mailSending: boolean) => {
    const message = `User-rate limit exceeded.  Retry after ${new Date(retryAt).toISOString()}${mailSending ? ' (Mail sending)' : ''}`
    return gmailError(429, message, { reason: 'rateLimitExceeded', domain: 'usageLimits' })
  },
  userRateLimitExceeded: (retryAt: number) =>
    gmailError(403, `User-rate limit exceeded.  Retry after ${new Date(retryAt).toISOString()}`, {
      reason: 'userRateLimitExceeded',
      domain: 'usageLimits',
      message: 'User Rate Limit Exceeded',
    }),
  rateLimitExceeded: () =>
    gmailError(403, 'Rate Limit Exceeded', { reason: 'rateLimitExceeded', domain: 'usageLimits' }),
  dailyLimitExceeded: () =>
    gmailError(403, 'Daily Limit Exceeded', { reason: 'dailyLimitExceeded', domain: 'usageLimits' }),
  backendError: () => gmailError(500, 'Internal error encountered.', { reason: 'backendError' }),
  unavailable: () => gmailError(503, 'The service is currently unavailable.', { reason: 'backendError' }),
}

export function graphError(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): ApiResponse {
  const id = randomUUID()
  return {
    status,
    headers: { 'request-id': id, 'client-request-id': id, ...headers },
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ''),
          'request-id': id,
          'client-request-id': id,
        },
      },
    },
  }
}

export const graph = {
  badRequest: (message: string, code = 'BadRequest') => graphError(400, code, message),
  notFound: () => graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
  malformedId: () => graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.'),
  unauthenticated: (message = 'Access token has expired or is not yet valid.') =>
    graphError(401, 'InvalidAuthenticationToken', message, {
      'www-authenticate':
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
    }),
  accessDenied: () => graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
  throttled: (retryAfterSec: number, limit = 'MailboxConcurrency') =>
    graphError(429, 'ApplicationThrottled', `Application is over its ${limit} limit.`, {
      'retry-after': String(retryAfterSec),
    }),
  tooManyRequests: (retryAfterSec: number) =>
    graphError(429, 'TooManyRequests', 'Too many requests. Please retry after some time.', {
      'retry-after': String(retryAfterSec),
    }),
  quotaExceeded: () =>
    graphError(
      403,
      'ErrorQuotaExceeded',
      'The sender has exceeded the recipient rate limit and cannot send messages until the rolling 24-hour window frees up.',
    ),
  sendAsDenied: () =>
    graphError(
      403,
      'ErrorSendAsDenied',
      'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.',
    ),
  internal: () => graphError(500, 'InternalServerError', 'An internal server error occurred. The operation failed.'),
  unavailable: (retryAfterSec: number) =>
    graphError(503, 'ServiceUnavailable', 'Service Unavailable', { 'retry-after': String(retryAfterSec) }),
}
