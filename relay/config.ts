import { readFileSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

/** Provider sending cap: at most `messages` per `perSeconds`, enforced by spacing sends evenly. */
export interface RateCap {
  messages: number
  perSeconds: number
}

export interface RelayCaller {
  /** Shown in logs instead of the token. */
  name: string
  token: string
}

/** One structured log line; never carries tokens, passwords, recipients or message content. */
export type RelayLogEntry = Record<string, string | number | boolean | null | undefined>

export interface RelayConfig {
  listen: { host: string; port: number }
  callers: RelayCaller[]
  smtp: {
    host: string
    port: number
    /** Implicit TLS (465 style). When false the connection upgrades with STARTTLS. */
    secure: boolean
    /** Refuse to send (or authenticate) over a connection that did not upgrade to TLS. */
    requireTLS: boolean
    username?: string
    password?: string
    /** Name announced in EHLO. */
    clientName?: string
    maxConnections: number
    maxMessagesPerConnection: number
    timeoutMs: number
    /** Extra trust anchors (a private CA, or a test server's own certificate). Verification stays on. */
    ca?: string
    servername?: string
  }
  /** The team's sending domain: From addresses must belong to it; Message-IDs use it. */
  domain?: string
  dkim?: { domain: string; selector: string; privateKey: string }
  rateCap: RateCap | null
  maxRequestBytes: number
  maxRecipients: number
  dataDir: string
  /** Keep idempotency records this long, so a late retry still finds its first result. */
  idempotencyDays: number
  /** Let each caller post its own SMTP username/password to /v1/verify (stored encrypted). */
  allowRepCredentials: boolean
  /** 32-byte key that encrypts stored rep credentials; generated into dataDir when absent. */
  credentialKey?: Buffer
  /** Origins allowed by CORS; `*` matches one origin segment such as the extension id. */
  allowedOrigins: string[]
  log: (entry: RelayLogEntry) => void
}

const RATE_UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hour: 3600,
  d: 86_400,
  day: 86_400,
}

/** Reads "10/s", "30/min", "3600/hour", "100/day" into a RateCap. */
export function parseRateCap(text: string): RateCap {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)?\s*([a-z]+)\s*$/i.exec(text)
  const unit = match ? RATE_UNITS[match[3]!.toLowerCase()] : undefined
  if (!match || unit === undefined || Number(match[1]) <= 0) {
    throw new Error(`rate cap "${text}" is not like "10/s", "30/min" or "3600/hour"`)
  }
  return { messages: Number(match[1]), perSeconds: unit * Number(match[2] ?? 1) }
}

// Tokens are compared as opaque secrets; the length floor keeps guessable tokens out of config.
const tokenText = z.string().regex(/^[A-Za-z0-9._~+/=-]{16,}$/, 'tokens need 16 or more of A-Z a-z 0-9 . _ ~ + / = -')

const rateCapInput = z.union([
  z.string().transform((text, ctx) => {
    try {
      return parseRateCap(text)
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message })
      return z.NEVER
    }
  }),
  z.strictObject({ messages: z.number().positive(), perSeconds: z.number().positive() }),
  z.null(),
])

/** What a config file (or the object given to createRelay) may hold. Unknown keys are refused. */
export const relayConfigInput = z.strictObject({
  listen: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8025),
    })
    .default({ host: '127.0.0.1', port: 8025 }),
  tokens: z.array(z.union([tokenText, z.strictObject({ name: z.string().min(1), token: tokenText })])).min(1),
  smtp: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(587),
    secure: z.boolean().optional(),
    requireTLS: z.boolean().default(true),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    clientName: z.string().optional(),
    maxConnections: z.number().int().min(1).max(100).default(5),
    maxMessagesPerConnection: z.number().int().min(1).default(100),
    timeoutMs: z.number().int().min(100).default(30_000),
    tls: z
      .strictObject({
        ca: z.string().optional(),
        caPath: z.string().optional(),
        servername: z.string().optional(),
      })
      .optional(),
  }),
  domain: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i)
    .optional(),
  dkim: z
    .strictObject({
      domain: z.string().min(1).optional(),
      selector: z.string().regex(/^[A-Za-z0-9._-]+$/),
      privateKey: z.string().optional(),
      privateKeyPath: z.string().optional(),
    })
    .refine((d) => Boolean(d.privateKey) !== Boolean(d.privateKeyPath), 'dkim needs privateKey or privateKeyPath')
    .optional(),
  rateCap: rateCapInput.optional(),
  maxRequestBytes: z
    .number()
    .int()
    .min(1024)
    .default(5 * 1024 * 1024),
  maxRecipients: z.number().int().min(1).default(100),
  dataDir: z.string().default('relay-data'),
  idempotencyDays: z.number().positive().default(30),
  allowRepCredentials: z.boolean().default(false),
  credentialKey: z.string().optional(),
  allowedOrigins: z.array(z.string().regex(/^[a-z-]+:\/\/[^/]+$/)).default(['chrome-extension://*']),
})

export type RelayConfigInput = z.input<typeof relayConfigInput>

export interface ResolveOptions {
  /** Relative paths (dataDir, key and CA files) resolve against this folder. */
  baseDir?: string
  log?: (entry: RelayLogEntry) => void
}

const writeLogLine = (entry: RelayLogEntry): void => {
  process.stdout.write(`${JSON.stringify(entry)}\n`)
}

/** Validates input, applies defaults, reads key and CA files. Throws with every problem listed. */
export function resolveConfig(input: unknown, options: ResolveOptions = {}): RelayConfig {
  const parsed = relayConfigInput.safeParse(input)
  if (!parsed.success) throw new Error(`invalid relay config:\n${z.prettifyError(parsed.error)}`)
  const c = parsed.data
  const baseDir = options.baseDir ?? process.cwd()
  const fromFile = (p: string) => readFileSync(path.resolve(baseDir, p), 'utf8')

  const caFromFile = c.smtp.tls?.caPath ? fromFile(c.smtp.tls.caPath) : undefined
  const ca = [c.smtp.tls?.ca, caFromFile].filter(Boolean).join('\n') || undefined

  let dkim: RelayConfig['dkim']
  if (c.dkim) {
    const domain = c.dkim.domain ?? c.domain
    if (!domain) throw new Error('invalid relay config: dkim.domain (or domain) is required for DKIM')
    dkim = {
      domain,
      selector: c.dkim.selector,
      privateKey: c.dkim.privateKey ?? fromFile(c.dkim.privateKeyPath!),
    }
  }

  let credentialKey: Buffer | undefined
  if (c.credentialKey) {
    credentialKey = Buffer.from(c.credentialKey, 'base64')
    if (credentialKey.length !== 32) throw new Error('invalid relay config: credentialKey must be 32 bytes, base64')
  }

  const callers = c.tokens.map((t, i) => (typeof t === 'string' ? { name: `token${i + 1}`, token: t } : t))
  if (new Set(callers.map((t) => t.token)).size !== callers.length) {
    throw new Error('invalid relay config: a token is listed twice')
  }

  return {
    listen: c.listen,
    callers,
    smtp: {
      host: c.smtp.host,
      port: c.smtp.port,
      secure: c.smtp.secure ?? c.smtp.port === 465,
      requireTLS: c.smtp.requireTLS,
      username: c.smtp.username,
      password: c.smtp.password,
      clientName: c.smtp.clientName,
      maxConnections: c.smtp.maxConnections,
      maxMessagesPerConnection: c.smtp.maxMessagesPerConnection,
      timeoutMs: c.smtp.timeoutMs,
      ca,
      servername: c.smtp.tls?.servername,
    },
    domain: c.domain?.toLowerCase(),
    dkim,
    rateCap: c.rateCap ?? null,
    maxRequestBytes: c.maxRequestBytes,
    maxRecipients: c.maxRecipients,
    dataDir: path.resolve(baseDir, c.dataDir),
    idempotencyDays: c.idempotencyDays,
    allowRepCredentials: c.allowRepCredentials,
    credentialKey,
    allowedOrigins: c.allowedOrigins,
    log: options.log ?? writeLogLine,
  }
}

type Env = Record<string, string | undefined>

const envBool = (name: string, value: string): boolean => {
  if (/^(1|true|yes|on)$/i.test(value)) return true
  if (/^(0|false|no|off)$/i.test(value)) return false
  throw new Error(`${name} must be true or false, got "${value}"`)
}
const envInt = (name: string, value: string): number => {
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, got "${value}"`)
  return Number(value)
}

type EnvReader = (name: string, value: string) => unknown
const asText: EnvReader = (_name, value) => value
const asPath: EnvReader = (_name, value) => path.resolve(value)
const asList: EnvReader = (_name, value) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/** Which setting each environment variable fills: [section or '', key, how to read it]. */
const ENV_SETTINGS: Record<string, [string, string, EnvReader]> = {
  RELAY_HOST: ['listen', 'host', asText],
  RELAY_PORT: ['listen', 'port', envInt],
  RELAY_TOKENS: ['', 'tokens', (_name, value) => tokensFromEnv(value)],
  SMTP_HOST: ['smtp', 'host', asText],
  SMTP_PORT: ['smtp', 'port', envInt],
  SMTP_SECURE: ['smtp', 'secure', envBool],
  SMTP_REQUIRE_TLS: ['smtp', 'requireTLS', envBool],
  SMTP_USER: ['smtp', 'username', asText],
  SMTP_PASS: ['smtp', 'password', asText],
  SMTP_MAX_CONNECTIONS: ['smtp', 'maxConnections', envInt],
  SMTP_TIMEOUT_MS: ['smtp', 'timeoutMs', envInt],
  RELAY_DOMAIN: ['', 'domain', asText],
  DKIM_SELECTOR: ['dkim', 'selector', asText],
  DKIM_DOMAIN: ['dkim', 'domain', asText],
  DKIM_PRIVATE_KEY_PATH: ['dkim', 'privateKeyPath', asPath],
  RELAY_RATE_CAP: ['', 'rateCap', asText],
  RELAY_MAX_REQUEST_BYTES: ['', 'maxRequestBytes', envInt],
  RELAY_MAX_RECIPIENTS: ['', 'maxRecipients', envInt],
  RELAY_DATA_DIR: ['', 'dataDir', asPath],
  RELAY_IDEMPOTENCY_DAYS: ['', 'idempotencyDays', envInt],
  RELAY_ALLOW_REP_CREDENTIALS: ['', 'allowRepCredentials', envBool],
  RELAY_CREDENTIAL_KEY: ['', 'credentialKey', asText],
  RELAY_ALLOWED_ORIGINS: ['', 'allowedOrigins', asList],
}

function sectionOf(out: Record<string, unknown>, section: string): Record<string, unknown> {
  if (!section) return out
  out[section] ??= {}
  return out[section] as Record<string, unknown>
}

/** "tok1,tok2" or "alice=tok1,bob=tok2". */
function tokensFromEnv(value: string): unknown[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.indexOf('=')
      const name = entry.slice(0, Math.max(eq, 0))
      const token = entry.slice(eq + 1)
      // Base64 padding is "=" too; "name=" only counts when what follows could be a token.
      return /^[A-Za-z][\w-]*$/.test(name) && token.length >= 16 ? { name, token } : entry
    })
}

/**
 * Reads RELAY_* / SMTP_* / DKIM_* environment variables into config-file shape. Only variables that
 * are set appear in the result, so it can be laid over a config file. Paths resolve against the
 * working directory.
 */
export function configFromEnv(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, [section, key, read]] of Object.entries(ENV_SETTINGS)) {
    const value = env[name]
    if (value === undefined || value === '') continue
    sectionOf(out, section)[key] = read(name, value)
  }
  const caPath = env.SMTP_CA_PATH
  if (caPath) sectionOf(out, 'smtp').tls = { caPath: path.resolve(caPath) }
  return out
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Lays `over` on `base`, section by section (arrays and scalars replace). */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key]
    out[key] = isPlainObject(prior) && isPlainObject(value) ? mergeConfig(prior, value) : value
  }
  return out
}

/** Config from an optional JSON file with environment variables laid over it. */
export function loadConfig(options: { file?: string; env: Env; log?: (entry: RelayLogEntry) => void }): RelayConfig {
  let fromFile: Record<string, unknown> = {}
  let baseDir = process.cwd()
  if (options.file) {
    const file = path.resolve(options.file)
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    if (!isPlainObject(parsed)) throw new Error(`${options.file}: the config must be a JSON object`)
    // "$comment" keys document the example config and are not settings.
    fromFile = stripComments(parsed)
    baseDir = path.dirname(file)
  }
  return resolveConfig(mergeConfig(fromFile, configFromEnv(options.env)), { baseDir, log: options.log })
}

function stripComments(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key === '$comment') continue
    out[key] = isPlainObject(v) ? stripComments(v) : v
  }
  return out
}
