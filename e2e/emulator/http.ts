/** Request/response plumbing shared by the provider modules. */
import type { IncomingHttpHeaders } from 'node:http'
import type { Account, EmulatorCore } from './core.ts'
import type { ApiResponse } from './errors.ts'

export interface EmuRequest {
  method: string
  url: URL
  headers: IncomingHttpHeaders
  body: Buffer
}

export type FaultKind =
  | '429'
  | '403-userRateLimitExceeded'
  | '403-rateLimitExceeded'
  | '403-dailyLimitExceeded'
  | '500'
  | '503'
  /** A permanent refusal: Gmail's "Mail service not enabled" (400 failedPrecondition), Graph's ErrorInvalidRecipients. */
  | '400-permanent'
  | 'slow'
  | 'drop'
  | 'reset'

export type Area = 'gmail' | 'graph' | 'oauth' | 'control' | 'other'

export interface LogEntry {
  seq: number
  method: string
  /** Path and query as requested. */
  path: string
  /** HTTP status sent; null when the connection was dropped or reset before a response. */
  status: number | null
  /** Address of the account the access token belongs to, when there is one. */
  account: string | null
  area: Area
  at: number
  durationMs: number
  inBatch: boolean
  fault: FaultKind | null
  /** Parts of a batch request (Gmail /batch, Graph $batch); the batch itself counts once. */
  parts?: LogEntry[]
}

export interface ApiContext {
  core: EmulatorCore
  req: EmuRequest
  account: Account
  /** Scopes granted to the token; null means every scope (tokens issued by tests). */
  scopes: Set<string> | null
  inBatch: boolean
  /** Runs one part of a batch through auth, faults and routing; logged inside the batch's entry. */
  runPart(req: EmuRequest): Promise<ApiResponse>
}

export function header(req: EmuRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

export function jsonBody(req: EmuRequest): { ok: true; value: unknown } | { ok: false; error: string } {
  if (!req.body.length) return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(req.body.toString('utf8')) }
  } catch (e) {
    return { ok: false, error: (e as Error).message }
  }
}

/** Parses an HTTP/1.1 request written out as text (a part of a batch). */
export function parseHttpMessage(text: Buffer, base: URL): EmuRequest | null {
  const sep = text.indexOf('\r\n\r\n') >= 0 ? '\r\n\r\n' : '\n\n'
  const headEnd = text.indexOf(sep)
  const head = (headEnd >= 0 ? text.subarray(0, headEnd) : text).toString('utf8')
  let body = headEnd >= 0 ? text.subarray(headEnd + sep.length) : Buffer.alloc(0)
  const lines = head.split(/\r?\n/)
  const requestLine = /^([A-Z]+)\s+(\S+)(\s+HTTP\/\d(\.\d)?)?$/.exec(lines[0]?.trim() ?? '')
  if (!requestLine) return null
  const headers: IncomingHttpHeaders = {}
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  // Trailing CRLF before the next boundary belongs to the multipart framing, not the body.
  while (body.length && (body[body.length - 1] === 0x0a || body[body.length - 1] === 0x0d)) body = body.subarray(0, -1)
  return { method: requestLine[1]!, url: new URL(requestLine[2]!, base), headers, body }
}
