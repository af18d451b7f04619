// Shared by the relay's tests and its benchmark: a real SMTP server on loopback (smtp-server), a
// throwaway TLS certificate, and a DKIM key whose public half a stub DNS resolver serves.
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'

export interface TestCertificate {
  key: string
  cert: string
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with openssl for this run only.
 * Clients trust it by passing it as their CA; nothing turns certificate checks off.
 */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), 'relay-cert-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    )
    return {
      key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface DkimTestKey {
  privateKey: string
  /** The TXT record value published at <selector>._domainkey.<domain>. */
  dnsRecord: string
}

export function makeDkimKey(): DkimTestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    dnsRecord: `v=DKIM1; k=rsa; p=${spki}`,
  }
}

/** A DNS resolver in the shape mailauth expects, answering TXT from a fixed table. */
export function stubResolver(txt: Record<string, string>) {
  return async (name: string, type: string): Promise<string[][]> => {
    const record = txt[name.toLowerCase()]
    if (type === 'TXT' && record !== undefined) {
      // Long TXT records are split into 255-character strings, as real DNS answers them.
      return [record.match(/.{1,255}/g) ?? []]
    }
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' })
  }
}

export interface ReceivedMessage {
  from: string
  to: string[]
  raw: Buffer
  /** Authenticated user, if any. */
  user: string | null
  /** Whether the session was on TLS when the message arrived. */
  secure: boolean
  receivedAt: number
}

export interface TestSmtpServer {
  port: number
  received: ReceivedMessage[]
  /** Connections opened so far. */
  connections: number
  close(): Promise<void>
}

export interface TestSmtpOptions {
  /** 'starttls': plain connect then STARTTLS (587 style); 'implicit': TLS from the first byte (465 style); 'plain': no TLS. */
  tls: 'starttls' | 'implicit' | 'plain'
  certificate?: TestCertificate
  /** username → password; when given, AUTH is required. */
  users?: Record<string, string>
  /** Reply code for a recipient, e.g. 550 or 450; undefined accepts it. */
  rcptReply?: (address: string) => number | undefined
  /** Keep raw messages (tests) or only count them (benchmark). */
  keepMessages?: boolean
}

export async function startSmtpServer(options: TestSmtpOptions): Promise<TestSmtpServer> {
  const received: ReceivedMessage[] = []
  const state = { connections: 0 }
  const users = options.users
  const serverOptions: SMTPServerOptions = {
    secure: options.tls === 'implicit',
    ...(options.tls !== 'plain' && options.certificate
      ? { key: options.certificate.key, cert: options.certificate.cert }
      : {}),
    hideSTARTTLS: options.tls === 'plain',
    disabledCommands: options.tls === 'plain' ? ['STARTTLS'] : [],
    authOptional: !users,
    authMethods: ['PLAIN', 'LOGIN'],
    // Like real submission servers: no AUTH before TLS.
    allowInsecureAuth: options.tls === 'plain',
    logger: false,
    size: 20 * 1024 * 1024,
    onConnect(_session, callback) {
      state.connections++
      callback()
    },
    onAuth(auth, _session, callback) {
      if (users && auth.username !== undefined && users[auth.username] === auth.password) {
        callback(null, { user: auth.username })
        return
      }
      callback(Object.assign(new Error('Authentication unsuccessful'), { responseCode: 535 }))
    },
    onRcptTo(address, _session, callback) {
      const code = options.rcptReply?.(address.address)
      if (code) {
        callback(Object.assign(new Error(`Mailbox ${address.address} refused`), { responseCode: code }))
        return
      }
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => {
        if (options.keepMessages !== false) chunks.push(chunk)
      })
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          user: typeof session.user === 'string' ? session.user : null,
          secure: Boolean(session.secure),
          receivedAt: performance.now(),
        })
        callback()
      })
    },
  }
  const server = new SMTPServer(serverOptions)
  server.on('error', () => {
    // A client dropping a connection surfaces here; the tests look at what was received.
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.server.address() as AddressInfo
  return {
    port,
    received,
    get connections() {
      return state.connections
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
