import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import addressparser from 'nodemailer/lib/addressparser'
import type { SendMailOptions } from 'nodemailer/lib/mailer'
import { z } from 'zod'
import { type RelayConfig, type RelayConfigInput, type ResolveOptions, resolveConfig } from './config.ts'
import type {
  RelayAddress,
  RelayError,
  RelayErrorCode,
  RelayHealthReply,
  RelaySendReply,
  RelayVerifyReply,
} from './protocol.ts'
import { RepCredentials, type SmtpLogin } from './rep-credentials.ts'
import { SendLedger } from './send-ledger.ts'
import { SmtpAccounts } from './smtp.ts'

export interface Relay {
  /** Base URL, e.g. http://127.0.0.1:8025 (no trailing slash). */
  url: string
  port: number
  /** Stops taking requests, lets messages already at the SMTP server finish, closes pools. */
  close(): Promise<void>
}

/** How long close() waits for requests in progress (a message at the SMTP server, a slow upload). */
const CLOSE_GRACE_MS = 30_000
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

export const RELAY_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version

const HTTP_STATUS: Record<RelayErrorCode, number> = {
  unauthorized: 401,
  origin_not_allowed: 403,
  from_not_allowed: 403,
  rep_credentials_disabled: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_too_large: 413,
  unsupported_media_type: 415,
  invalid_json: 400,
  invalid_request: 400,
  header_injection: 400,
  header_not_allowed: 400,
  too_many_recipients: 400,
  shutting_down: 503,
  auth_failed: 502,
  connection_failed: 502,
  tls_failed: 502,
  smtp_temporary: 502,
  smtp_rejected: 502,
  delivery_unknown: 502,
  timeout: 504,
  internal: 500,
}

const fail = (code: RelayErrorCode, message: string, retryable = false): { ok: false; error: RelayError } => ({
  ok: false,
  error: { code, message, retryable },
})

class HttpProblem extends Error {
  constructor(readonly reply: { ok: false; error: RelayError }) {
    super(reply.error.message)
  }
}

const addressInput = z.union([
  z.string().min(3).max(998),
  z.strictObject({ name: z.string().max(998).optional(), address: z.string().min(3).max(320) }),
])

const sendBody = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._:@+=-]{1,200}$/, 'id: 1-200 of A-Z a-z 0-9 . _ : @ + = -'),
  from: addressInput,
  to: z.array(addressInput).default([]),
  cc: z.array(addressInput).default([]),
  bcc: z.array(addressInput).default([]),
  subject: z.string(),
  html: z.string().optional(),
  text: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  inReplyTo: z.string().max(998).optional(),
  references: z.union([z.string().max(998), z.array(z.string().max(998))]).optional(),
})
type SendBody = z.output<typeof sendBody>

const verifyBody = z.strictObject({
  smtp: z.strictObject({ username: z.string().min(1).max(320), password: z.string().min(1).max(1024) }).optional(),
})

const HEADER_NAME = /^X-[A-Za-z0-9-]{1,70}$/
// Headers the relay sets itself; a caller may not replace them.
const RESERVED_HEADERS = new Set(['x-dispatch-id'])
const LINE_BREAK = /[\r\n\0]/

/** Parses one address and refuses anything that would leak into another header line. */
function normalizeAddress(input: RelayAddress, field: string): { name: string; address: string } {
  const [name, raw] = typeof input === 'string' ? ['', input] : [input.name ?? '', input.address]
  if (LINE_BREAK.test(name) || LINE_BREAK.test(raw)) {
    throw new HttpProblem(fail('header_injection', `${field} contains a line break`))
  }
  const parsed = typeof input === 'string' ? addressparser(raw) : [{ name, address: raw }]
  const single = parsed.length === 1 ? parsed[0] : undefined
  if (!single || single.group || !/^[^\s@<>()",;]+@[^\s@<>()",;]+$/.test(single.address ?? '')) {
    throw new HttpProblem(fail('invalid_request', `${field} is not one e-mail address`))
  }
  return { name: single.name, address: single.address! }
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase()

/** Turns a validated request into nodemailer's message, refusing header injection. */
function composeMessage(body: SendBody, config: RelayConfig, messageId: string): SendMailOptions {
  for (const [field, value] of [
    ['subject', body.subject],
    ['inReplyTo', body.inReplyTo ?? ''],
    ...[body.references ?? []].flat().map((r) => ['references', r]),
  ] as const) {
    if (LINE_BREAK.test(value)) throw new HttpProblem(fail('header_injection', `${field} contains a line break`))
  }
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(body.headers ?? {})) {
    if (LINE_BREAK.test(name) || LINE_BREAK.test(value)) {
      throw new HttpProblem(fail('header_injection', `header ${JSON.stringify(name)} contains a line break`))
    }
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new HttpProblem(fail('header_not_allowed', `header ${JSON.stringify(name)} is not an allowed X- header`))
    }
    headers[name] = value
  }
  const from = normalizeAddress(body.from, 'from')
  const to = body.to.map((a) => normalizeAddress(a, 'to'))
  const cc = body.cc.map((a) => normalizeAddress(a, 'cc'))
  const bcc = body.bcc.map((a) => normalizeAddress(a, 'bcc'))
  const recipients = to.length + cc.length + bcc.length
  if (recipients === 0) throw new HttpProblem(fail('invalid_request', 'no recipients'))
  if (recipients > config.maxRecipients) {
    throw new HttpProblem(fail('too_many_recipients', `at most ${config.maxRecipients} recipients per message`))
  }
  if (body.html === undefined && body.text === undefined) {
    throw new HttpProblem(fail('invalid_request', 'html or text is required'))
  }
  if (config.domain) {
    const d = domainOf(from.address)
    if (d !== config.domain && !d.endsWith(`.${config.domain}`)) {
      throw new HttpProblem(fail('from_not_allowed', `from must be an address at ${config.domain}`))
    }
  }
  headers['X-Dispatch-Id'] = body.id
  return {
    from,
    to,
    cc,
    bcc,
    subject: body.subject,
    html: body.html,
    text: body.text,
    headers,
    inReplyTo: body.inReplyTo,
    references: body.references,
    messageId,
  }
}

/** Same caller + outbox id → same Message-ID, so even a copy sent twice by a mail server dedupes. */
function stableMessageId(key: string, fromDomain: string, config: RelayConfig): string {
  const digest = createHash('sha256').update(key).digest('base64url').slice(0, 32)
  return `<${digest}@${config.domain ?? fromDomain}>`
}

interface Caller {
  name: string
  /** Hash of the token: names the caller in stored records without storing the token. */
  id: string
  digest: Buffer
}

const tokenDigest = (token: string) => createHash('sha256').update(token).digest()

function originAllowed(origin: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    if (!pattern.includes('*')) return pattern === origin
    const [head, tail] = pattern.split('*', 2) as [string, string]
    const middle = origin.slice(head.length, origin.length - tail.length)
    return (
      origin.length > head.length + tail.length &&
      origin.startsWith(head) &&
      origin.endsWith(tail) &&
      /^[a-z0-9.-]+$/i.test(middle)
    )
  })
}

/** Reads at most `limit` bytes; past that the request is answered 413 without reading further. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (declared > limit) throw new HttpProblem(fail('request_too_large', `requests are limited to ${limit} bytes`))
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new HttpProblem(fail('request_too_large', `requests are limited to ${limit} bytes`))
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit)
  if (body.length === 0) return {}
  const type = String(req.headers['content-type'] ?? '')
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpProblem(fail('unsupported_media_type', 'send application/json'))
  }
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new HttpProblem(fail('invalid_json', 'the body is not valid JSON'))
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const where = first?.path.length ? `${first.path.join('.')}: ` : ''
    throw new HttpProblem(fail('invalid_request', `${where}${first?.message ?? 'invalid request'}`))
  }
  return parsed.data
}

/** Starts the relay's HTTP server. Accepts a config file's object (validated here) or a resolved config. */
export async function createRelay(input: RelayConfig | RelayConfigInput, options: ResolveOptions = {}): Promise<Relay> {
  const config: RelayConfig = 'callers' in input ? input : resolveConfig(input, options)
  const log = config.log
  const callers: Caller[] = config.callers.map((c) => ({
    name: c.name,
    id: createHash('sha256').update(`dispatch-relay caller\0${c.token}`).digest('hex').slice(0, 32),
    digest: tokenDigest(c.token),
  }))
  const ledger = await SendLedger.open(path.join(config.dataDir, 'sends.jsonl'), {
    retentionMs: config.idempotencyDays * 86_400_000,
  })
  const repCredentials = await RepCredentials.open(config.dataDir, config.credentialKey)
  const accounts = new SmtpAccounts(config)
  const inFlight = new Map<string, Promise<RelaySendReply>>()
  const pending = new Set<Promise<void>>()
  let closing = false
  let closed: Promise<void> | undefined
  // Wakes sends still waiting for a rate-cap slot when the relay closes.
  const stopping = new AbortController()

  function authenticate(req: IncomingMessage): Caller {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''))
    if (match) {
      const digest = tokenDigest(match[1]!)
      // Compare with every caller so timing does not tell which one was close.
      let found: Caller | undefined
      for (const caller of callers) if (timingSafeEqual(digest, caller.digest)) found ??= caller
      if (found) return found
    }
    throw new HttpProblem(fail('unauthorized', 'a valid bearer token is required'))
  }

  /** The rep's stored login; undefined when none is stored, or when it no longer opens. */
  function storedLogin(caller: Caller): SmtpLogin | undefined {
    try {
      return repCredentials.get(caller.id)
    } catch {
      return undefined
    }
  }

  function loginFor(caller: Caller): SmtpLogin | undefined {
    if (!config.allowRepCredentials || !repCredentials.has(caller.id)) return undefined
    const login = storedLogin(caller)
    // Falling back to the relay's own login would send as someone else; say what to do instead.
    if (!login) {
      throw new HttpProblem(
        fail(
          'auth_failed',
          'The stored SMTP login cannot be read (was credentialKey changed?); Authenticate and Save again',
        ),
      )
    }
    return login
  }

  function verifiedReply(login: SmtpLogin | undefined): RelayVerifyReply {
    return {
      ok: true,
      account: {
        username: login?.username ?? config.smtp.username ?? null,
        source: login ? 'rep' : 'relay',
      },
      domain: config.domain ?? null,
      dkim: config.dkim ? { domain: config.dkim.domain, selector: config.dkim.selector } : null,
      rateCap: config.rateCap,
    }
  }

  async function verify(caller: Caller, body: z.output<typeof verifyBody>): Promise<RelayVerifyReply> {
    if (body.smtp) {
      if (!config.allowRepCredentials) {
        return fail('rep_credentials_disabled', 'this relay uses its own SMTP login; send no credentials')
      }
      const problem = await accounts.tryLogin(body.smtp)
      // A login that fails is not stored, so the last working one stays in use.
      if (problem) return { ok: false, error: problem }
      const previous = storedLogin(caller)
      await repCredentials.set(caller.id, body.smtp)
      if (previous) accounts.retire(previous)
      return verifiedReply(body.smtp)
    }
    const login = loginFor(caller)
    const problem = await accounts.channel(login).verify()
    return problem ? { ok: false, error: problem } : verifiedReply(login)
  }

  async function send(caller: Caller, body: SendBody, key: string, ctx: RequestContext): Promise<RelaySendReply> {
    const login = loginFor(caller)
    const from = normalizeAddress(body.from, 'from')
    const message = composeMessage(body, config, stableMessageId(key, domainOf(from.address), config))
    const channel = accounts.channel(login)
    try {
      ctx.queuedMs = Math.round(await channel.gate.acquire(stopping.signal))
    } catch {
      return fail('shutting_down', 'the relay is shutting down; nothing was sent; retry', true)
    }
    try {
      await ledger.begin(key)
    } catch (error) {
      log({ time: new Date().toISOString(), level: 'error', event: 'ledger_write_failed', error: String(error) })
      return fail('internal', 'the relay could not record the send; nothing was sent', true)
    }
    const reply = await channel.send(message)
    await ledger.finish(key, reply).catch((error: unknown) => {
      // The message went out; after a restart this id answers delivery_unknown, never a resend.
      log({ time: new Date().toISOString(), level: 'error', event: 'ledger_write_failed', error: String(error) })
    })
    return reply
  }

  interface RequestContext {
    route: string
    id?: string
    caller?: string
    code?: string
    queuedMs?: number
    replay?: boolean
  }

  async function handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<unknown> {
    const url = new URL(req.url ?? '/', 'http://relay')
    const origin = req.headers.origin
    const routes: Record<string, string[]> = {
      '/v1/health': ['GET'],
      '/v1/verify': ['POST'],
      '/v1/send': ['POST'],
      '/v1/credentials': ['DELETE'],
    }
    const methods = routes[url.pathname]
    ctx.route = methods ? url.pathname : 'unknown'

    if (origin !== undefined) {
      if (!originAllowed(origin, config.allowedOrigins)) {
        throw new HttpProblem(fail('origin_not_allowed', 'this origin may not call the relay'))
      }
      res.setHeader('Access-Control-Allow-Origin', origin)
      res.setHeader('Vary', 'Origin')
    }
    if (!methods) throw new HttpProblem(fail('not_found', 'no such route'))
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Dispatch-Id',
        'Access-Control-Max-Age': '600',
        // Chrome's Private Network Access preflight, for a relay on the team's own network.
        ...(req.headers['access-control-request-private-network']
          ? { 'Access-Control-Allow-Private-Network': 'true' }
          : {}),
      })
      res.end()
      return undefined
    }
    if (!methods.includes(req.method ?? '')) {
      res.setHeader('Allow', [...methods, 'OPTIONS'].join(', '))
      throw new HttpProblem(fail('method_not_allowed', `use ${methods.join(' or ')}`))
    }
    if (url.pathname === '/v1/health') {
      const reply: RelayHealthReply = {
        ok: true,
        version: RELAY_VERSION,
        rateCap: config.rateCap,
        queued: accounts.queued,
      }
      return reply
    }

    const caller = authenticate(req)
    ctx.caller = caller.name
    if (closing) throw new HttpProblem(fail('shutting_down', 'the relay is shutting down; retry', true))

    if (url.pathname === '/v1/credentials') {
      const previous = storedLogin(caller)
      const removed = await repCredentials.delete(caller.id)
      if (previous) accounts.retire(previous)
      return { ok: true, removed }
    }

    const json = await readJson(req, config.maxRequestBytes)
    if (url.pathname === '/v1/verify') return verify(caller, parseWith(verifyBody, json))

    const idHint = (json as { id?: unknown } | null)?.id
    if (typeof idHint === 'string') ctx.id = idHint.slice(0, 200)
    const body = parseWith(sendBody, json)
    const headerId = req.headers['x-dispatch-id']
    if (headerId !== undefined && headerId !== body.id) {
      throw new HttpProblem(fail('invalid_request', 'the X-Dispatch-Id header and the body id differ'))
    }
    const key = `${caller.id}:${body.id}`
    const done = ledger.lookup(key)
    if (done) {
      ctx.replay = true
      return done
    }
    const running = inFlight.get(key)
    if (running) {
      ctx.replay = true
      return running
    }
    // Validation problems throw before anything is recorded, so a corrected retry may reuse the id.
    const attempt = send(caller, body, key, ctx)
    inFlight.set(key, attempt)
    try {
      return await attempt
    } finally {
      inFlight.delete(key)
    }
  }

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const started = performance.now()
    const ctx: RequestContext = { route: 'unknown' }
    res.on('finish', () => {
      log({
        time: new Date().toISOString(),
        level: res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        method: req.method,
        route: ctx.route,
        id: ctx.id,
        caller: ctx.caller,
        status: res.statusCode,
        code: ctx.code,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        queued_ms: ctx.queuedMs,
        replay: ctx.replay,
      })
    })
    const answered = handle(req, res, ctx)
      .catch((error: unknown) => {
        if (error instanceof HttpProblem) return error.reply
        log({ time: new Date().toISOString(), level: 'error', event: 'unhandled', error: String(error) })
        return fail('internal', 'internal relay error', true)
      })
      .then((reply) => {
        if (reply === undefined || res.headersSent) return
        const failure = (reply as { ok: boolean; error?: RelayError }).error
        ctx.code = failure?.code
        const status = failure ? HTTP_STATUS[failure.code] : 200
        const headers: Record<string, string> = {
          'Content-Type': 'application/json; charset=utf-8',
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        }
        if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="dispatch-relay"'
        if (ctx.replay) headers['Idempotent-Replayed'] = 'true'
        // Stop reading an oversized upload: answer, then close the connection.
        if (status === 413) headers.Connection = 'close'
        res.writeHead(status, headers)
        res.end(JSON.stringify(reply))
      })
      .catch((error: unknown) => {
        log({ time: new Date().toISOString(), level: 'error', event: 'reply_failed', error: String(error) })
      })
    pending.add(answered)
    answered.finally(() => pending.delete(answered))
  })
  // Limits how long a client may take to send its request; the wait for the answer is not limited.
  server.requestTimeout = 60_000
  server.headersTimeout = 30_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`
  log({
    time: new Date().toISOString(),
    level: 'info',
    event: 'listening',
    url,
    smtp_host: config.smtp.host,
    smtp_port: config.smtp.port,
    smtp_tls: config.smtp.secure ? 'implicit' : config.smtp.requireTLS ? 'starttls' : 'opportunistic',
    dkim: config.dkim ? `${config.dkim.selector}._domainkey.${config.dkim.domain}` : null,
    rate_cap: config.rateCap ? `${config.rateCap.messages}/${config.rateCap.perSeconds}s` : null,
    callers: callers.length,
    remembered_ids: ledger.size,
  })

  return {
    url,
    port,
    close() {
      closed ??= shutDown()
      return closed
    },
  }

  async function shutDown(): Promise<void> {
    closing = true
    stopping.abort()
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    // Requests already taken are answered (queued sends with shutting_down), then connections close.
    await Promise.race([Promise.allSettled([...pending]), delay(CLOSE_GRACE_MS)])
    server.closeAllConnections()
    await stopped
    accounts.close()
    await ledger.close()
  }
}
