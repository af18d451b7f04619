/**
 * HTTP plumbing for the inbox scanner: authorised requests with a request count, errors sorted by
 * what the scanner should do about them, and the two batch formats (Gmail's multipart/mixed batch
 * endpoint, Graph's JSON $batch) so many small reads cost one request.
 *
 * Nothing here touches build-time config or `chrome`: the worker and Node (tests, the bench) inject
 * fetch, tokens and endpoints alike.
 */
import type { MailboxId } from '../../core/types.ts'

export interface ScanEndpoints {
  /** Gmail REST API root, e.g. https://gmail.googleapis.com */
  gmailApi: string
  /** Microsoft Graph root including the version, e.g. https://graph.microsoft.com/v1.0 */
  graphApi: string
}

export interface ScanHttp {
  fetch: typeof fetch
  token(mailboxId: MailboxId): Promise<string>
  invalidate(mailboxId: MailboxId): Promise<void>
  endpoints: ScanEndpoints
  sleep?: (ms: number) => Promise<void>
}

/**
 * What the scanner does with a failed request: `auth` and `rate` end this scan (try again on the
 * next alarm), `gone` restarts the cursor, `transient` is retried, `permanent` concerns one message.
 */
export type FailureKind = 'auth' | 'rate' | 'gone' | 'transient' | 'permanent'

export class ScanApiError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message)
    this.name = 'ScanApiError'
  }
}

export interface PartResponse {
  status: number
  headers: Record<string, string>
  /** Body text (JSON as text) or, for Graph $value parts, the decoded bytes. */
  body: string
  bytes?: Uint8Array
}

const GMAIL_RATE_REASONS = /rateLimitExceeded|userRateLimitExceeded|dailyLimitExceeded|quotaExceeded/i

function retryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined
  const secs = Number(value)
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000)
  const at = Date.parse(value)
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined
}

/** Sorts an answer by what the scanner should do (body already read as text). */
export function failureOf(status: number, body: string, retryAfterHeader?: string | null): FailureKind {
  if (status === 401) return 'auth'
  if (status === 429) return 'rate'
  if (status === 410) return 'gone'
  if (status === 403) return GMAIL_RATE_REASONS.test(body) ? 'rate' : 'auth'
  if (status >= 500 || status === 408) return retryAfterHeader && status === 503 ? 'rate' : 'transient'
  return 'permanent'
}

/**
 * One mailbox's authorised client. `requests` counts HTTP requests actually sent (a batch is one):
 * the `scan_api_calls` figure.
 */
export class MailboxClient {
  requests = 0
  private readonly sleep: (ms: number) => Promise<void>

  constructor(
    readonly mailboxId: MailboxId,
    private readonly http: ScanHttp,
  ) {
    this.sleep = http.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
  }

  get endpoints(): ScanEndpoints {
    return this.http.endpoints
  }

  /**
   * An authorised request. A 401 renews the token once; other failures throw a ScanApiError
   * unless `accept` lists the status (the caller reads it then).
   */
  async send(url: string, init: RequestInit = {}, accept: number[] = []): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.http.token(this.mailboxId)
      let res: Response
      try {
        this.requests++
        res = await this.http.fetch(url, {
          ...init,
          headers: { ...(init.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` },
        })
      } catch (err) {
        if (attempt < 1) {
          await this.sleep(500)
          continue
        }
        throw new ScanApiError('transient', 0, `network: ${err instanceof Error ? err.message : String(err)}`)
      }
      if (res.ok || accept.includes(res.status)) return res
      const body = await res.text().catch(() => '')
      const kind = failureOf(res.status, body, res.headers.get('Retry-After'))
      if (kind === 'auth' && res.status === 401 && attempt < 1) {
        await this.http.invalidate(this.mailboxId)
        continue
      }
      if (kind === 'transient' && attempt < 1) {
        await this.sleep(1000)
        continue
      }
      throw new ScanApiError(
        kind,
        res.status,
        `HTTP ${res.status} ${url.replace(/\?.*$/, '')}: ${body.slice(0, 300)}`,
        retryAfter(res.headers.get('Retry-After')),
      )
    }
  }

  async json<T>(url: string, init: RequestInit = {}): Promise<T> {
    const res = await this.send(url, init)
    return (await res.json()) as T
  }

  /**
   * Gmail's batch endpoint: up to 100 GETs (paths under the API root) in one multipart/mixed
   * request. Answers come back in input order.
   */
  async gmailBatch(paths: string[]): Promise<PartResponse[]> {
    if (paths.length === 0) return []
    if (paths.length > 100) throw new Error('a Gmail batch holds at most 100 calls')
    const boundary = `dispatch_scan_${Math.random().toString(36).slice(2)}`
    const body = `${paths
      .map((p, i) => `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <p${i}>\r\n\r\nGET ${p}\r\n`)
      .join('\r\n')}\r\n--${boundary}--\r\n`
    const res = await this.send(`${this.endpoints.gmailApi}/batch/gmail/v1`, {
      method: 'POST',
      headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` },
      body,
    })
    const parts = parseMultipartHttp(res.headers.get('Content-Type') ?? '', await res.text())
    const out: PartResponse[] = paths.map(() => ({ status: 0, headers: {}, body: 'missing from the batch answer' }))
    parts.forEach((part, i) => {
      const m = /<(?:response-)?p(\d+)>/.exec(part.contentId ?? '')
      const index = m ? Number(m[1]) : i
      if (index < out.length) out[index] = part.response
    })
    return out
  }

  /**
   * Graph's JSON $batch: up to 20 requests (URLs relative to the version root). Non-JSON bodies
   * (a message's MIME from `$value`) come back base64-encoded and are decoded into `bytes`.
   */
  async graphBatch(requests: { url: string; headers?: Record<string, string> }[]): Promise<PartResponse[]> {
    if (requests.length === 0) return []
    if (requests.length > 20) throw new Error('a Graph batch holds at most 20 requests')
    const payload = {
      requests: requests.map((r, i) => ({ id: String(i), method: 'GET', url: r.url, headers: r.headers })),
    }
    const answer = await this.json<{
      responses?: { id: string; status: number; headers?: Record<string, string>; body?: unknown }[]
    }>(`${this.endpoints.graphApi}/$batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    })
    const out: PartResponse[] = requests.map(() => ({ status: 0, headers: {}, body: 'missing from the batch answer' }))
    for (const r of answer.responses ?? []) {
      const index = Number(r.id)
      if (!Number.isInteger(index) || index < 0 || index >= out.length) continue
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v)
      const part: PartResponse = { status: r.status, headers, body: '' }
      if (typeof r.body === 'string') {
        if (/json/i.test(headers['content-type'] ?? '')) part.body = r.body
        else part.bytes = base64ToBytes(r.body)
      } else if (r.body !== undefined) part.body = JSON.stringify(r.body)
      out[index] = part
    }
    return out
  }
}

/** Parses a multipart/mixed body whose parts are HTTP responses (Gmail's batch answer). */
export function parseMultipartHttp(
  contentType: string,
  text: string,
): { contentId?: string; response: PartResponse }[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (!boundary) throw new ScanApiError('transient', 200, 'batch answer without a multipart boundary')
  const delimiter = `--${boundary}`
  const out: { contentId?: string; response: PartResponse }[] = []
  const chunks = text.split(delimiter)
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break
    const part = chunk.replace(/^\r?\n/, '')
    const split = /\r?\n\r?\n/.exec(part)
    if (!split) continue
    const outer = part.slice(0, split.index)
    const inner = part.slice(split.index + split[0].length)
    const contentId = /^content-id:\s*(.+)$/im.exec(outer)?.[1]?.trim()
    const innerSplit = /\r?\n\r?\n/.exec(inner)
    const head = innerSplit ? inner.slice(0, innerSplit.index) : inner
    const body = innerSplit ? inner.slice(innerSplit.index + innerSplit[0].length) : ''
    const lines = head.split(/\r?\n/)
    const status = Number(/^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0)
    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    out.push({ contentId, response: { status, headers, body: body.replace(/\r?\n$/, '') } })
  }
  return out
}

/** Standard or URL-safe base64 to bytes, without Node's Buffer (the worker has none). */
export function base64ToBytes(text: string): Uint8Array {
  const clean = text
    .replace(/[\s=]+/g, '')
    .replace(/-/g, '+')
    .replace(/_/g, '/')
  if (/[^A-Za-z0-9+/]/.test(clean)) throw new Error('not base64')
  const padded = clean + '='.repeat((4 - (clean.length % 4)) % 4)
  const bin = atob(padded)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  return bytes
}
