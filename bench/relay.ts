// Relay throughput and overhead: 1,000 DKIM-signed messages to a loopback SMTP server, once through
// the relay's HTTP API and once with nodemailer sending straight to the same server with the same
// DKIM key and the same pooled-connection settings. Both runs keep CONCURRENCY messages in flight;
// time per message = run time / messages. Client, relay (with its synced idempotency ledger) and
// SMTP server share this one process, so the relay's overhead is not hidden on another core.
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import nodemailer from 'nodemailer'
import { resolveConfig } from '../relay/config.ts'
import type { RelaySendRequest } from '../relay/protocol.ts'
import { createRelay } from '../relay/server.ts'
import { pooledTransportOptions } from '../relay/smtp.ts'
import { makeDkimKey, startSmtpServer } from '../relay/test-support.ts'

const MESSAGES = 1000
const WARMUP = 100
/** Timed runs of each path, interleaved; the best of each counts, as other work on the machine only adds time. */
const ROUNDS = 3
/** Requests in flight at once, the same for both runs. */
const CONCURRENCY = 20
const TOKEN = 'bench-token-0123456789abcdef'

const body = `<p>Hi {{first}},</p>${'<p>Following up on our conversation about the rollout plan and the numbers we discussed last week.</p>'.repeat(20)}`

function request(id: string): RelaySendRequest {
  return {
    id,
    from: { name: 'Rep One', address: 'rep@dispatch.test' },
    to: ['prospect@example.com'],
    subject: `Following up ${id}`,
    html: body,
    text: body.replace(/<[^>]+>/g, ''),
    headers: { 'X-Dispatch-Campaign': 'bench' },
  }
}

async function runConcurrently(count: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await task(next++)
    }),
  )
  return performance.now() - started
}

export async function benchRelay(): Promise<{ relay_msgs_per_s: number; relay_overhead_ratio: number }> {
  const smtpServer = await startSmtpServer({ tls: 'plain', keepMessages: false })
  const dkim = makeDkimKey()
  const dataDir = mkdtempSync(path.join(tmpdir(), 'relay-bench-'))
  const config = resolveConfig(
    {
      listen: { host: '127.0.0.1', port: 0 },
      tokens: [TOKEN],
      // Plain loopback SMTP keeps TLS cost out of both runs, which leaves the relay's own overhead
      // as large a share as it can be.
      smtp: { host: '127.0.0.1', port: smtpServer.port, requireTLS: false },
      domain: 'dispatch.test',
      dkim: { selector: 'bench', privateKey: dkim.privateKey },
      dataDir,
    },
    { log: () => {} },
  )
  const relay = await createRelay(config)
  const direct = nodemailer.createTransport(pooledTransportOptions(config.smtp, undefined, config.dkim))

  const sendDirect = async (id: string) => {
    const { from, to, subject, html, text, headers } = request(id)
    await direct.sendMail({ from, to, subject, html, text, headers: { ...headers, 'X-Dispatch-Id': id } })
  }
  // Keep-alive HTTP/1.1, as the extension's fetch uses; node:http rather than Node's fetch, whose
  // own per-request cost would otherwise be counted as the relay's (the real client is a browser).
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const sendThroughRelay = (id: string) =>
    new Promise<void>((resolve, reject) => {
      const payload = JSON.stringify(request(id))
      const req = httpRequest(`${relay.url}/v1/send`, {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      })
      req.on('error', reject)
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            ok: boolean
            error?: { message: string }
          }
          if (reply.ok) resolve()
          else reject(new Error(`relay refused ${id}: ${reply.error?.message}`))
        })
      })
      req.end(payload)
    })

  try {
    // Warm both paths (connections, JIT) before timing; then alternate rounds.
    await runConcurrently(WARMUP, (i) => sendDirect(`warm-d-${i}`))
    await runConcurrently(WARMUP, (i) => sendThroughRelay(`warm-r-${i}`))
    let directMs = Number.POSITIVE_INFINITY
    let relayMs = Number.POSITIVE_INFINITY
    for (let round = 0; round < ROUNDS; round++) {
      directMs = Math.min(directMs, await runConcurrently(MESSAGES, (i) => sendDirect(`d${round}-${i}`)))
      relayMs = Math.min(relayMs, await runConcurrently(MESSAGES, (i) => sendThroughRelay(`r${round}-${i}`)))
    }
    return {
      relay_msgs_per_s: Math.round((MESSAGES / relayMs) * 1000),
      relay_overhead_ratio: Math.round((relayMs / directMs) * 100) / 100,
    }
  } finally {
    direct.close()
    agent.destroy()
    await relay.close()
    await smtpServer.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const figures = await benchRelay()
  for (const [name, value] of Object.entries(figures)) process.stdout.write(`${name}=${value}\n`)
}
