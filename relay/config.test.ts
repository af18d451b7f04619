import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { configFromEnv, loadConfig, parseRateCap, resolveConfig } from './config.ts'

const TOKEN = 'a-token-of-sixteen-or-more'
const base = { tokens: [TOKEN], smtp: { host: 'smtp.example.com' } }
const quiet = { log: () => {} }

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'relay-config-'))
  dirs.push(dir)
  return dir
}

describe('parseRateCap', () => {
  it('reads messages per second, minute, hour and day', () => {
    expect(parseRateCap('10/s')).toEqual({ messages: 10, perSeconds: 1 })
    expect(parseRateCap('30/min')).toEqual({ messages: 30, perSeconds: 60 })
    expect(parseRateCap('3600 / hour')).toEqual({ messages: 3600, perSeconds: 3600 })
    expect(parseRateCap('10000/day')).toEqual({ messages: 10000, perSeconds: 86_400 })
    expect(parseRateCap('5/2s')).toEqual({ messages: 5, perSeconds: 2 })
  })

  it('refuses what it cannot read', () => {
    for (const text of ['fast', '10', '0/s', '10/fortnight', '-1/s']) {
      expect(() => parseRateCap(text), text).toThrow(/rate cap/)
    }
  })
})

describe('resolveConfig', () => {
  it('derives implicit TLS from port 465 and STARTTLS from 587, unless secure is set', () => {
    expect(resolveConfig({ ...base, smtp: { host: 'h', port: 465 } }, quiet).smtp.secure).toBe(true)
    expect(resolveConfig({ ...base, smtp: { host: 'h', port: 587 } }, quiet).smtp.secure).toBe(false)
    expect(resolveConfig({ ...base, smtp: { host: 'h' } }, quiet).smtp).toMatchObject({ port: 587, secure: false })
    expect(resolveConfig({ ...base, smtp: { host: 'h', port: 2465, secure: true } }, quiet).smtp.secure).toBe(true)
    expect(resolveConfig({ ...base, smtp: { host: 'h', port: 465, secure: false } }, quiet).smtp.secure).toBe(false)
  })

  it('requires TLS by default and has no switch that turns certificate checks off', () => {
    const config = resolveConfig(base, quiet)
    expect(config.smtp.requireTLS).toBe(true)
    expect(config.smtp.ca).toBeUndefined()
    expect(() => resolveConfig({ ...base, smtp: { host: 'h', tls: { rejectUnauthorized: false } } }, quiet)).toThrow(
      /rejectUnauthorized/,
    )
    expect(() => resolveConfig({ ...base, smtp: { host: 'h', insecure: true } }, quiet)).toThrow(/insecure/)
  })

  it('applies safe defaults', () => {
    const config = resolveConfig(base, { ...quiet, baseDir: '/srv/relay' })
    expect(config).toMatchObject({
      listen: { host: '127.0.0.1', port: 8025 },
      callers: [{ name: 'token1', token: TOKEN }],
      rateCap: null,
      maxRequestBytes: 5 * 1024 * 1024,
      dataDir: '/srv/relay/relay-data',
      allowRepCredentials: false,
      allowedOrigins: ['chrome-extension://*'],
    })
  })

  it('refuses short or repeated tokens, and a config without any', () => {
    expect(() => resolveConfig({ ...base, tokens: ['short'] }, quiet)).toThrow(/16 or more/)
    expect(() => resolveConfig({ ...base, tokens: [TOKEN, { name: 'b', token: TOKEN }] }, quiet)).toThrow(/twice/)
    expect(() => resolveConfig({ ...base, tokens: [] }, quiet)).toThrow(/tokens/)
  })

  it('needs a DKIM domain (its own or the sending domain) and exactly one key source', () => {
    expect(() => resolveConfig({ ...base, dkim: { selector: 's', privateKey: 'k' } }, quiet)).toThrow(/dkim.domain/)
    expect(
      resolveConfig({ ...base, domain: 'example.com', dkim: { selector: 's', privateKey: 'k' } }, quiet).dkim,
    ).toEqual({ domain: 'example.com', selector: 's', privateKey: 'k' })
    expect(() => resolveConfig({ ...base, domain: 'example.com', dkim: { selector: 's' } }, quiet)).toThrow(
      /privateKey/,
    )
  })

  it('takes a 32-byte base64 credential key only', () => {
    const key = Buffer.alloc(32, 7).toString('base64')
    expect(resolveConfig({ ...base, credentialKey: key }, quiet).credentialKey?.length).toBe(32)
    expect(() => resolveConfig({ ...base, credentialKey: 'c2hvcnQ=' }, quiet)).toThrow(/32 bytes/)
  })
})

describe('configFromEnv', () => {
  it('maps each variable onto its setting and leaves unset ones out', () => {
    const config = configFromEnv({
      RELAY_PORT: '9000',
      RELAY_TOKENS: 'alice=tok-aaaaaaaaaaaaaaaa, bXktYmFzZTY0LXRva2VuLXg=',
      SMTP_HOST: 'smtp.office365.com',
      SMTP_PORT: '587',
      SMTP_USER: 'rep@example.com',
      SMTP_PASS: 'secret',
      SMTP_SECURE: 'false',
      RELAY_DOMAIN: 'example.com',
      DKIM_SELECTOR: 'sel',
      DKIM_PRIVATE_KEY_PATH: 'keys/k.pem',
      RELAY_RATE_CAP: '30/min',
      RELAY_ALLOW_REP_CREDENTIALS: 'yes',
      RELAY_ALLOWED_ORIGINS: 'chrome-extension://abc, chrome-extension://def',
      SMTP_TIMEOUT_MS: '',
    })
    expect(config).toEqual({
      listen: { port: 9000 },
      tokens: [{ name: 'alice', token: 'tok-aaaaaaaaaaaaaaaa' }, 'bXktYmFzZTY0LXRva2VuLXg='],
      smtp: { host: 'smtp.office365.com', port: 587, username: 'rep@example.com', password: 'secret', secure: false },
      domain: 'example.com',
      dkim: { selector: 'sel', privateKeyPath: path.resolve('keys/k.pem') },
      rateCap: '30/min',
      allowRepCredentials: true,
      allowedOrigins: ['chrome-extension://abc', 'chrome-extension://def'],
    })
  })

  it('refuses malformed numbers and booleans', () => {
    expect(() => configFromEnv({ RELAY_PORT: 'eighty' })).toThrow(/RELAY_PORT/)
    expect(() => configFromEnv({ SMTP_SECURE: 'maybe' })).toThrow(/SMTP_SECURE/)
  })
})

describe('loadConfig', () => {
  it('reads the example config, resolving paths against its folder, with the environment on top', () => {
    const dir = tempDir()
    const file = path.join(dir, 'relay.config.json')
    copyFileSync(new URL('./relay.config.example.json', import.meta.url), file)
    mkdirSync(path.join(dir, 'dkim'))
    writeFileSync(path.join(dir, 'dkim', 'dispatch1.private.pem'), 'PEM')

    const config = loadConfig({
      file,
      env: { SMTP_PASS: 'from-env', RELAY_TOKENS: 'ops=ops-token-0123456789abcdef' },
      log: () => {},
    })
    expect(config.smtp).toMatchObject({ host: 'smtp.sendgrid.net', port: 587, secure: false, password: 'from-env' })
    expect(config.callers).toEqual([{ name: 'ops', token: 'ops-token-0123456789abcdef' }])
    expect(config.dkim).toEqual({ domain: 'example.com', selector: 'dispatch1', privateKey: 'PEM' })
    expect(config.rateCap).toEqual({ messages: 600, perSeconds: 60 })
    expect(config.dataDir).toBe(path.join(dir, 'relay-data'))
  })

  it('works from the environment alone', () => {
    const config = loadConfig({
      env: { RELAY_TOKENS: TOKEN, SMTP_HOST: 'smtp.example.com', SMTP_PORT: '465' },
      log: () => {},
    })
    expect(config.smtp).toMatchObject({ host: 'smtp.example.com', port: 465, secure: true })
  })

  it('names every problem in a bad config', () => {
    expect(() => loadConfig({ env: { SMTP_PORT: '70000' }, log: () => {} })).toThrow(
      /tokens[\s\S]*smtp\.host|smtp[\s\S]*tokens/,
    )
  })
})
