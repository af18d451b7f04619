/**
 * The emulator's HTTP server and its TypeScript API. One origin serves the Gmail API, Microsoft
 * Graph, both identity providers and a JSON control surface under /__emulator/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleControl } from './control.ts'
import { type AddAccount, EmulatorCore, type Limits, type Rejection } from './core.ts'
import { type ApiResponse, gmail as gmailErrors, graphError, graph as graphErrors } from './errors.ts'
import { type FaultConfig, Faults } from './faults.ts'
import { handleGmail, isGmailPath, renderBody } from './gmail/api.ts'
import { handleGraph, isGraphPath, syncEpochs } from './graph/api.ts'
import type { ApiContext, Area, EmuRequest, FaultKind, LogEntry } from './http.ts'
import { type Header, headerValue, messageIds, parseAddressList } from './mime.ts'
import { ALL_GOOGLE_SCOPES, ALL_GRAPH_SCOPES, DEFAULT_CLIENTS, type OAuthClients, OAuthServer } from './oauth.ts'
import type { Folder, Provider, SendRecord, StoredMessage } from './store.ts'

export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number
  /** Delay before an NDR for a rejected recipient arrives in the sender's inbox (default 2000 ms). */
  ndrDelayMs?: number
  /** Gmail history records kept per mailbox; older startHistoryIds get 404 (default 100,000). */
  historyRetention?: number
  /** Gmail replaces the Message-ID of API sends ('replace', default) or keeps a well-formed one ('keep'). */
  gmailMessageId?: 'replace' | 'keep'
  /** Enforce the providers' sending limits (Gmail 500/2,000 a day, 100 recipients; Exchange 30/min, 10,000 recipients a day, 500 a message). */
  enforceLimits?: boolean
  /** Access-token lifetime in seconds (default 3599). */
  tokenLifetimeSec?: number
  /** Microsoft refresh-token lifetime (SPA: 24 h). */
  microsoftRefreshLifetimeSec?: number
  /** OAuth clients the identity providers know (defaults match the test and demo builds). */
  oauthClients?: Partial<OAuthClients>
  /** Graph MailboxConcurrency: requests in flight per mailbox before 429 (default 4; 0 = off). */
  graphConcurrencyLimit?: number
  /** Latency added to every API request, in ms (default 0). */
  latencyMs?: number
  /** Retry-After seconds on Graph 429/503 and in Gmail's "Retry after" text (default 2). */
  retryAfterSec?: number
  /** Also send a Retry-After header on Gmail 429s (Gmail itself does not reliably; default false). */
  gmailRetryAfterHeader?: boolean
  /** Delay before a Graph send appears in Sent Items (default 0). */
  sentItemDelayMs?: number
  /** Return the custom x- headers in internetMessageHeaders of Graph sent items/drafts (default false, as Exchange). */
  graphSentHeaders?: boolean
  /** Seed for fault randomness (default: random). */
  seed?: number
}

export interface AccountInfo {
  provider: Provider
  address: string
  displayName: string
  tenant: string
  id: string
}

export interface MessageView {
  id: string
  threadId: string
  folder: Folder
  labelIds: string[]
  internalDate: number
  /** First value of each header, keyed by lower-case name (decoded). */
  headers: Record<string, string>
  headerList: Header[]
  messageId: string
  subject: string
  from: string | null
  recipients: string[]
  /** Raw MIME as text (UTF-8). */
  raw: string
  rawBytes: Buffer
  /** Graph only. */
  internetMessageId?: string
  isDraft?: boolean
}

export interface MailboxView {
  address: string
  provider: Provider
  inbox: MessageView[]
  sent: MessageView[]
  drafts: MessageView[]
}

export interface Emulator {
  readonly url: string
  readonly port: number
  close(): Promise<void>
  addAccount(spec: AddAccount): AccountInfo
  accounts(): AccountInfo[]
  mailbox(address: string): MailboxView
  /** Top-level requests (a batch is one entry with its parts inside). Control requests are not logged. */
  log(filter?: { area?: Area; account?: string; since?: number }): LogEntry[]
  clearLog(): void
  deliver(address: string, raw: string | Buffer): { id: string; threadId: string }
  seedInbox(address: string, n: number): void
  rejectRecipient(
    address: string,
    rejection?: Partial<Rejection> & { exchangeFrom?: 'microsoftexchange' | 'postmaster' },
  ): void
  acceptRecipient(address: string): void
  setFaults(config: FaultConfig | null): void
  failNext(kind: FaultKind, n?: number, opts?: { paths?: RegExp }): void
  clearFaults(): void
  revoke(address: string): void
  expireTokens(address?: string): void
  setTokenLifetime(seconds: number): void
  /** An access token (and refresh token) for an account without going through a browser. */
  issueToken(
    address: string,
    opts?: { scopes?: string[]; refresh?: boolean; clientId?: string },
  ): { accessToken: string; refreshToken?: string }
  sends(address: string): SendRecord[]
  setLimits(address: string, limits: Limits | null): void
  /** Exchange's daily block / Gmail's sending lock: sends are refused until unblocked. */
  blockSending(address: string, blocked?: boolean): void
  /** Gmail: drop the mailbox's history so older startHistoryIds get 404. */
  expireHistory(address: string): void
  /** Graph: invalidate delta tokens (next use answers 410 SyncStateNotFound). */
  resetSyncState(address: string): void
  advanceTime(ms: number): void
  now(): number
  /** Deliver every pending delayed message (NDRs, held-back sends) now; returns how many. */
  flush(): number
  pending(): number
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

function classify(path: string, oauth: OAuthServer, method: string): Area {
  if (path.startsWith('/__emulator')) return 'control'
  if (isGmailPath(path)) return 'gmail'
  if (isGraphPath(path)) return 'graph'
  if (oauth.isOAuthPath(method, path)) return 'oauth'
  return 'other'
}

function messageView(item: StoredMessage): MessageView {
  const headers: Record<string, string> = {}
  for (const h of item.headers) headers[h.name.toLowerCase()] ??= h.value
  const recipients = ['to', 'cc', 'bcc'].flatMap((n) =>
    parseAddressList(headerValue(item.headers, n)).list.map((a) => a.address.toLowerCase()),
  )
  const view: MessageView = {
    id: item.id,
    threadId: item.threadId,
    folder: item.folder,
    labelIds: [...item.labels],
    internalDate: item.internalDate,
    headers,
    headerList: item.headers,
    messageId: item.graph?.internetMessageId ?? messageIds(headers['message-id'])[0] ?? '',
    subject: item.graph?.draft?.subject ?? item.subject,
    from: item.from?.address ?? null,
    recipients,
    get raw() {
      return item.raw.toString('utf8')
    },
    get rawBytes() {
      return item.raw
    },
  }
  if (item.graph) {
    view.internetMessageId = item.graph.internetMessageId
    view.isDraft = item.graph.isDraft
  }
  return view
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const core = new EmulatorCore({
    ndrDelayMs: opts.ndrDelayMs ?? 2000,
    historyRetention: opts.historyRetention ?? 100_000,
    gmailMessageId: opts.gmailMessageId ?? 'replace',
    enforceLimits: opts.enforceLimits ?? false,
    sentItemDelayMs: opts.sentItemDelayMs ?? 0,
    graphSentHeaders: opts.graphSentHeaders ?? false,
  })
  const clients: OAuthClients = {
    google: opts.oauthClients?.google ?? DEFAULT_CLIENTS.google,
    microsoft: opts.oauthClients?.microsoft ?? DEFAULT_CLIENTS.microsoft,
  }
  const oauth = new OAuthServer(core, clients, opts.tokenLifetimeSec ?? 3599)
  if (opts.microsoftRefreshLifetimeSec) oauth.microsoftRefreshLifetimeSec = opts.microsoftRefreshLifetimeSec
  const faults = new Faults(opts.seed ?? Math.floor(Math.random() * 2 ** 31))
  const concurrency = opts.graphConcurrencyLimit ?? 4
  const retryAfterSec = opts.retryAfterSec ?? 2
  let logEntries: LogEntry[] = []
  let seq = 0

  const faultResponse = (area: Area, kind: FaultKind, path: string): ApiResponse => {
    const retryAt = core.clock.now() + retryAfterSec * 1000
    if (area === 'gmail') {
      switch (kind) {
        case '429': {
          const r = gmailErrors.userRateLimit429(retryAt, /\/messages\/send$|\/drafts\/send$/.test(path))
          if (opts.gmailRetryAfterHeader) r.headers = { ...r.headers, 'retry-after': String(retryAfterSec) }
          return r
        }
        case '403-userRateLimitExceeded':
          return gmailErrors.userRateLimitExceeded(retryAt)
        case '403-rateLimitExceeded':
          return gmailErrors.rateLimitExceeded()
        case '403-dailyLimitExceeded':
          return gmailErrors.dailyLimitExceeded()
        case '500':
          return gmailErrors.backendError()
        case '400-permanent':
          return gmailErrors.failedPrecondition('Mail service not enabled')
        default:
          return gmailErrors.unavailable()
      }
    }
    if (area === 'graph') {
      switch (kind) {
        case '403-dailyLimitExceeded':
          return graphErrors.quotaExceeded()
        case '500':
          return graphErrors.internal()
        case '503':
          return graphErrors.unavailable(retryAfterSec)
        case '400-permanent':
          return graphError(400, 'ErrorInvalidRecipients', "At least one recipient isn't valid.")
        default:
          // Graph has no 403 rate reasons: every rate fault is a 429 with Retry-After.
          return graphErrors.tooManyRequests(retryAfterSec)
      }
    }
    const status = kind === '500' ? 500 : kind === '503' ? 503 : 429
    return { status, body: { error: status === 500 ? 'server_error' : 'temporarily_unavailable' } }
  }

  interface Outcome {
    response: ApiResponse | null
    action: 'respond' | 'drop' | 'reset'
  }

  const runApi = async (
    area: 'gmail' | 'graph',
    req: EmuRequest,
    inBatch: boolean,
    entry: LogEntry,
  ): Promise<Outcome> => {
    const fault = faults.pick(req.url.pathname + req.url.search, true, inBatch)
    entry.fault = fault
    if (fault === 'reset') return { response: null, action: 'reset' }
    if (fault === 'slow') await sleep(faults.slowMs)
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1]
    const token = bearer ?? (area === 'gmail' ? (req.url.searchParams.get('access_token') ?? undefined) : undefined)
    if (area === 'gmail' && !bearer && token) req.url.searchParams.delete('access_token')
    const auth = oauth.authenticate(token, area === 'gmail' ? 'google' : 'microsoft')
    if ('error' in auth) {
      const response =
        area === 'gmail'
          ? gmailErrors.unauthenticated()
          : graphErrors.unauthenticated(
              auth.error === 'missing'
                ? 'Access token is empty.'
                : auth.error === 'expired'
                  ? undefined
                  : 'Access token validation failure. Invalid audience.',
            )
      return { response, action: 'respond' }
    }
    const account = auth.account
    entry.account = account.address
    const counted = area === 'graph' && !inBatch && concurrency > 0
    if (counted && account.inFlight >= concurrency) {
      return { response: graphErrors.throttled(retryAfterSec), action: 'respond' }
    }
    if (counted) account.inFlight++
    try {
      if (opts.latencyMs) await sleep(opts.latencyMs)
      if (fault && fault !== 'slow' && fault !== 'drop')
        return { response: faultResponse(area, fault, req.url.pathname), action: 'respond' }
      const ctx: ApiContext = {
        core,
        req,
        account,
        scopes: auth.grant.scopes.length ? new Set(auth.grant.scopes) : null,
        inBatch,
        runPart: async (part) => {
          const sub: LogEntry = {
            seq: ++seq,
            method: part.method,
            path: part.url.pathname + part.url.search,
            status: null,
            account: null,
            area,
            at: core.clock.now(),
            durationMs: 0,
            inBatch: true,
            fault: null,
          }
          entry.parts ??= []
          entry.parts.push(sub)
          const started = Date.now()
          const outcome = await runApi(area, part, true, sub)
          sub.status = outcome.response?.status ?? null
          sub.durationMs = Date.now() - started
          return outcome.response ?? gmailErrors.backendError()
        },
      }
      const response = area === 'gmail' ? await handleGmail(ctx) : await handleGraph(ctx)
      return { response, action: fault === 'drop' && !inBatch ? 'drop' : 'respond' }
    } finally {
      if (counted) account.inFlight--
    }
  }

  const write = (res: ServerResponse, req: EmuRequest, area: Area, response: ApiResponse) => {
    const headers: Record<string, string> = { ...(response.headers ?? {}) }
    const origin = req.headers.origin
    headers['access-control-allow-origin'] = typeof origin === 'string' ? origin : '*'
    headers['access-control-expose-headers'] = 'retry-after, location, request-id, client-request-id, www-authenticate'
    if (area === 'graph') {
      const clientId = String(req.headers['client-request-id'] ?? headers['client-request-id'] ?? crypto.randomUUID())
      headers['request-id'] ??= clientId
      headers['client-request-id'] = clientId
    }
    let payload: Buffer | string = ''
    if (response.body !== undefined && response.status !== 204) {
      if (Buffer.isBuffer(response.body)) {
        payload = response.body
        headers['content-type'] = response.contentType ?? 'application/octet-stream'
      } else if (typeof response.body === 'string') {
        payload = response.body
        if (response.body || response.contentType)
          headers['content-type'] = response.contentType ?? 'text/plain; charset=utf-8'
      } else {
        const rendered = renderBody(response)
        payload =
          area === 'graph' || area === 'oauth' || area === 'control' ? JSON.stringify(response.body) : rendered.text
        headers['content-type'] = response.contentType ?? 'application/json; charset=utf-8'
      }
    }
    res.writeHead(response.status, headers)
    res.end(payload)
  }

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now()
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`)
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': String(req.headers.origin ?? '*'),
        'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE, OPTIONS',
        'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '*'),
        'access-control-allow-credentials': 'true',
        'access-control-max-age': '600',
      })
      res.end()
      return
    }
    const body = await readBody(req, 50 * 1024 * 1024)
    const emuReq: EmuRequest = { method: req.method ?? 'GET', url, headers: req.headers, body: body ?? Buffer.alloc(0) }
    const area = classify(url.pathname, oauth, emuReq.method)
    if (body === null) {
      write(res, emuReq, area, { status: 413, body: { error: { code: 413, message: 'Request payload too large' } } })
      return
    }
    if (area === 'control') {
      try {
        write(res, emuReq, area, await handleControl(emulator, emuReq))
      } catch (e) {
        write(res, emuReq, area, { status: 400, body: { error: (e as Error).message } })
      }
      return
    }
    const entry: LogEntry = {
      seq: ++seq,
      method: emuReq.method,
      path: url.pathname + url.search,
      status: null,
      account: null,
      area,
      at: core.clock.now(),
      durationMs: 0,
      inBatch: false,
      fault: null,
    }
    logEntries.push(entry)
    let outcome: Outcome
    try {
      if (area === 'gmail' || area === 'graph') outcome = await runApi(area, emuReq, false, entry)
      else if (area === 'oauth') {
        const fault = faults.pick(url.pathname, false, false)
        entry.fault = fault
        if (fault === 'reset') outcome = { response: null, action: 'reset' }
        else {
          if (fault === 'slow') await sleep(faults.slowMs)
          if (fault && fault !== 'slow' && fault !== 'drop')
            outcome = { response: faultResponse('oauth', fault, url.pathname), action: 'respond' }
          else outcome = { response: await oauth.handle(emuReq), action: fault === 'drop' ? 'drop' : 'respond' }
        }
      } else
        outcome = { response: { status: 404, body: { error: 'not_found', path: url.pathname } }, action: 'respond' }
    } catch (e) {
      outcome = {
        response: { status: 500, body: { error: 'emulator_error', message: (e as Error).stack ?? String(e) } },
        action: 'respond',
      }
    }
    entry.durationMs = Date.now() - started
    if (outcome.action === 'drop' && outcome.response) {
      // The answer is lost in flight: the status line has started when the connection dies. (Dying
      // before the first byte on a reused HTTP/1.1 connection makes browsers replay the request —
      // an artefact of HTTP/1.1 keep-alive that Google's and Microsoft's HTTP/2 front ends do not
      // have, where a stream the server processed is never retried.)
      entry.status = null
      req.socket.write(`HTTP/1.1 ${outcome.response.status} OK\r\n`, () => req.socket.destroy())
      return
    }
    if (outcome.action !== 'respond' || !outcome.response) {
      entry.status = null
      req.socket.destroy()
      return
    }
    entry.status = outcome.response.status
    write(res, emuReq, area, outcome.response)
  }

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String(e))
    })
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`

  const info = (address: string): AccountInfo => {
    const a = core.account(address)
    return { provider: a.provider, address: a.address, displayName: a.displayName, tenant: a.tenant, id: a.id }
  }

  const emulator: Emulator = {
    url,
    port,
    async close() {
      core.stop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    addAccount(spec) {
      core.addAccount(spec)
      return info(spec.address)
    },
    accounts: () => [...core.accounts.keys()].map(info),
    mailbox(address) {
      const a = core.account(address)
      const live = a.mailbox.live()
      return {
        address: a.address,
        provider: a.provider,
        inbox: live.filter((m) => m.folder === 'inbox').map(messageView),
        sent: live.filter((m) => m.folder === 'sent').map(messageView),
        drafts: live.filter((m) => m.folder === 'drafts').map(messageView),
      }
    },
    log(filter) {
      return logEntries.filter(
        (e) =>
          (!filter?.area || e.area === filter.area) &&
          (!filter?.account || e.account === filter.account.toLowerCase()) &&
          (!filter?.since || e.at >= filter.since),
      )
    },
    clearLog() {
      logEntries = []
    },
    deliver(address, raw) {
      const item = core.deliver(address, raw)
      return { id: item.id, threadId: item.threadId }
    },
    seedInbox: (address, n) => core.seedInbox(address, n),
    rejectRecipient(address, rejection) {
      core.rejected.set(address.toLowerCase(), { kind: rejection?.kind ?? 'hard', ...rejection })
    },
    acceptRecipient(address) {
      core.rejected.delete(address.toLowerCase())
    },
    setFaults: (config) => faults.set(config),
    failNext: (kind, n = 1, o) => faults.failNext(kind, n, o?.paths),
    clearFaults: () => faults.clear(),
    revoke: (address) => oauth.revoke(address),
    expireTokens: (address) => oauth.expireAccessTokens(address),
    setTokenLifetime(seconds) {
      oauth.accessLifetimeSec = seconds
    },
    issueToken(address, o) {
      const a = core.account(address)
      const scopes = o?.scopes ?? (a.provider === 'google' ? ALL_GOOGLE_SCOPES : ALL_GRAPH_SCOPES)
      const clientId = o?.clientId ?? (a.provider === 'google' ? clients.google[0]!.id : clients.microsoft[0]!)
      const { accessToken, refreshToken } = oauth.issue(a.provider, a.address, scopes, clientId, o?.refresh ?? false)
      return refreshToken ? { accessToken, refreshToken } : { accessToken }
    },
    sends: (address) => [...core.account(address).sends],
    setLimits(address, limits) {
      core.account(address).limits = limits
    },
    blockSending(address, blocked = true) {
      core.account(address).blocked = blocked
    },
    expireHistory(address) {
      const mailbox = core.account(address).mailbox
      mailbox.trim(0)
      // Every id handed out so far is now too old; the next one (from getProfile) is valid.
      mailbox.seq += 1
      mailbox.droppedThrough = mailbox.seq
    },
    resetSyncState(address) {
      const a = core.account(address)
      syncEpochs.set(a, (syncEpochs.get(a) ?? 0) + 1)
    },
    advanceTime: (ms) => core.clock.advance(ms),
    now: () => core.clock.now(),
    flush: () => core.flush(),
    pending: () => core.pendingCount,
    async waitFor(probe, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const value = probe()
        if (value) return value
        if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`)
        await sleep(10)
      }
    },
  }
  return emulator
}
