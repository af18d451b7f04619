import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LegacySendRequest } from '../src/channels/legacy.ts'

/**
 * A stand-in for an admin's legacy sending endpoint, speaking the contract documented in
 * src/channels/legacy.ts: bearer token, JSON body, idempotent on `id`. It sends nothing; it keeps
 * what it was asked to send so tests can look.
 */
export interface LegacyStub {
  url: string
  /** Every accepted send, first copies only. */
  sent: LegacySendRequest[]
  /** Every request that reached the stub, replays and refusals included. */
  requests: {
    id: string | null
    authorization: string | null
    dispatchIdHeader: string | null
    origin: string | null
  }[]
  /** The next N sends are answered with this status and body instead (then normal service resumes). */
  failNext(count: number, status: number, body: unknown, headers?: Record<string, string>): void
  close(): Promise<void>
}

export async function startLegacyStub(options: { token?: string } = {}): Promise<LegacyStub> {
  const sent: LegacySendRequest[] = []
  const requests: LegacyStub['requests'] = []
  const answers = new Map<string, { messageId: string }>()
  let failures: { count: number; status: number; body: unknown; headers: Record<string, string> } | null = null

  function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
    res.end(typeof body === 'string' ? body : JSON.stringify(body))
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': req.headers.origin ?? '*',
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Dispatch-Id',
      })
      res.end()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    let body: LegacySendRequest | null
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LegacySendRequest
    } catch {
      body = null
    }
    const authorization = req.headers.authorization ?? null
    requests.push({
      id: body?.id ?? null,
      authorization,
      dispatchIdHeader: (req.headers['x-dispatch-id'] as string | undefined) ?? null,
      origin: req.headers.origin ?? null,
    })
    if (req.method !== 'POST')
      return reply(res, 405, {
        ok: false,
        error: { code: 'method_not_allowed', message: 'POST only', retryable: false },
      })
    if (options.token && authorization !== `Bearer ${options.token}`) {
      return reply(res, 401, { ok: false, error: { code: 'unauthorized', message: 'bad token', retryable: false } })
    }
    if (!body || typeof body.id !== 'string' || !Array.isArray(body.to)) {
      return reply(res, 400, { ok: false, error: { code: 'invalid_request', message: 'bad body', retryable: false } })
    }
    const first = answers.get(body.id)
    if (first) return reply(res, 200, { ok: true, ...first }, { 'Idempotent-Replayed': 'true' })
    if (failures && failures.count > 0) {
      failures.count--
      const { status, body: failure, headers } = failures
      if (failures.count === 0) failures = null
      return reply(res, status, failure, headers)
    }
    const answer = { messageId: `<${body.id}@legacy.test>` }
    answers.set(body.id, answer)
    sent.push(body)
    return reply(res, 200, { ok: true, ...answer })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => reply(res, 500, String(err)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/dispatch/send`,
    sent,
    requests,
    failNext(count, status, body, headers = {}) {
      failures = { count, status, body, headers }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
