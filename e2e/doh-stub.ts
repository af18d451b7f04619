import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local DNS-over-HTTPS resolver speaking the JSON API (`GET ?name=…&type=TXT`,
 * `application/dns-json`) the way Google's dns.google/resolve and Cloudflare's
 * cloudflare-dns.com/dns-query answer it: `Status` 0 (NOERROR) with `Answer` records, or 3
 * (NXDOMAIN); TXT `data` Google-style (the strings joined) or Cloudflare-style (each 255-byte
 * character-string quoted); a CNAME hop is answered with the CNAME record followed by the
 * target's TXT records, as a recursive resolver does (Microsoft 365's DKIM selectors are CNAMEs).
 */

export interface DohStubOptions {
  /** TXT records by name (lower-case, no trailing dot). A name listed with [] exists without TXT. */
  txt?: Record<string, string[]>
  /** name → target, answered as a CNAME hop. */
  cname?: Record<string, string>
  /** Names answered SERVFAIL (Status 2). */
  servfail?: string[]
  style?: 'google' | 'cloudflare'
}

export interface DohStub {
  /** The resolver URL to configure, e.g. http://127.0.0.1:PORT/resolve. */
  url: string
  queries: { name: string; type: string; accept: string | undefined }[]
  setTxt(name: string, records: string[] | undefined): void
  close(): Promise<void>
}

const TYPE_TXT = 16
const TYPE_CNAME = 5

function quoted(record: string): string {
  const parts = record.match(/[\s\S]{1,255}/g) ?? ['']
  return parts.map((p) => `"${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' ')
}

export async function startDohStub(options: DohStubOptions = {}): Promise<DohStub> {
  const txt = new Map(Object.entries(options.txt ?? {}))
  const cname = new Map(Object.entries(options.cname ?? {}))
  const servfail = new Set(options.servfail ?? [])
  const style = options.style ?? 'google'
  const queries: DohStub['queries'] = []

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub')
    const rawName = url.searchParams.get('name')
    const type = (url.searchParams.get('type') ?? '1').toUpperCase()
    queries.push({ name: rawName ?? '', type, accept: req.headers.accept })
    const headers = { 'Content-Type': 'application/dns-json', 'Access-Control-Allow-Origin': '*' }
    if (url.pathname !== '/resolve' || !rawName || !/^[A-Za-z0-9_.-]+$/.test(rawName)) {
      res.writeHead(400, headers).end(JSON.stringify({ error: 'bad name' }))
      return
    }
    const name = rawName.toLowerCase().replace(/\.$/, '')
    const question = [{ name: `${name}.`, type: type === 'TXT' ? TYPE_TXT : Number(type) || 1 }]
    const base = { TC: false, RD: true, RA: true, AD: false, CD: false, Question: question }
    if (servfail.has(name)) {
      res.writeHead(200, headers).end(JSON.stringify({ Status: 2, ...base }))
      return
    }
    const answer: { name: string; type: number; TTL: number; data: string }[] = []
    let target = name
    if (cname.has(target)) {
      const next = cname.get(target)!
      answer.push({ name: `${target}.`, type: TYPE_CNAME, TTL: 300, data: `${next}.` })
      target = next
    }
    const records = txt.get(target)
    if (records === undefined && answer.length === 0) {
      res.writeHead(200, headers).end(JSON.stringify({ Status: 3, ...base, Authority: [] }))
      return
    }
    if (type === 'TXT' || type === '16') {
      for (const r of records ?? []) {
        answer.push({ name: `${target}.`, type: TYPE_TXT, TTL: 300, data: style === 'cloudflare' ? quoted(r) : r })
      }
    }
    res
      .writeHead(200, headers)
      .end(JSON.stringify({ Status: 0, ...base, ...(answer.length ? { Answer: answer } : {}) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/resolve`,
    queries,
    setTxt(name, records) {
      if (records) txt.set(name, records)
      else txt.delete(name)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
