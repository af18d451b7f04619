/**
 * The two identity providers: consent pages at the authorize endpoints (with a session cookie so
 * `prompt=none` can succeed), and token endpoints with PKCE, refresh, revocation and each
 * provider's error shapes. Access tokens map to emulator accounts for the API routes.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Account, EmulatorCore } from './core.ts'
import type { ApiResponse } from './errors.ts'
import { type EmuRequest, header } from './http.ts'
import type { Provider } from './store.ts'

export interface OAuthClients {
  google: { id: string; secret: string }[]
  microsoft: string[]
}

export const DEFAULT_CLIENTS: OAuthClients = {
  google: [{ id: 'emulator-google-client', secret: 'emulator-google-secret' }],
  microsoft: ['emulator-microsoft-client'],
}

export const ALL_GOOGLE_SCOPES = [
  'https://mail.google.com/',
  'https://www.googleapis.com/auth/gmail.send',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.compose',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://www.googleapis.com/auth/gmail.metadata',
  'openid',
  'email',
  'profile',
]
export const ALL_GRAPH_SCOPES = [
  'Mail.Read',
  'Mail.ReadWrite',
  'Mail.Send',
  'User.Read',
  'openid',
  'profile',
  'email',
  'offline_access',
]

export interface Grant {
  token: string
  provider: Provider
  address: string
  scopes: string[]
  clientId: string
  expiresAt: number
  revoked: boolean
}

interface CodeGrant {
  provider: Provider
  address: string
  clientId: string
  redirectUri: string
  scopes: string[]
  challenge: string | null
  challengeMethod: string
  nonce: string | null
  offline: boolean
  expiresAt: number
  used: boolean
}

interface Transaction {
  provider: Provider
  tenant: string
  params: URLSearchParams
  expiresAt: number
}

const REDIRECT = /^https:\/\/[a-p]{32}\.chromiumapp\.org(\/|$)/
const SESSION_COOKIE: Record<Provider, string> = { google: 'emu_google_session', microsoft: 'emu_microsoft_session' }
const MS_MAIL_ISSUER = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** An unsigned-in-practice JWT: header.payload.(random) — the extension only reads claims. */
function jwt(payload: Record<string, unknown>): string {
  return `${b64json({ typ: 'JWT', alg: 'RS256', kid: 'emulator' })}.${b64json(payload)}.${randomBytes(32).toString('base64url')}`
}

export function tenantGuid(tenant: string): string {
  const h = createHash('sha256').update(tenant).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function normalizeGraphScope(scope: string): string {
  const s = scope.replace(/^https:\/\/graph\.microsoft\.com\//i, '')
  const known = ALL_GRAPH_SCOPES.find((k) => k.toLowerCase() === s.toLowerCase())
  return known ?? s
}

export class OAuthServer {
  readonly access = new Map<string, Grant>()
  readonly refresh = new Map<string, Grant>()
  private codes = new Map<string, CodeGrant>()
  private transactions = new Map<string, Transaction>()
  accessLifetimeSec: number
  /** Microsoft refresh tokens for SPA redirect URIs live 24 h. */
  microsoftRefreshLifetimeSec = 24 * 3600

  constructor(
    private core: EmulatorCore,
    private clients: OAuthClients,
    accessLifetimeSec: number,
  ) {
    this.accessLifetimeSec = accessLifetimeSec
  }

  private now(): number {
    return this.core.clock.now()
  }

  // ---------- tokens ----------

  issue(provider: Provider, address: string, scopes: string[], clientId: string, withRefresh: boolean) {
    const now = this.now()
    const account = this.core.account(address)
    const accessToken =
      provider === 'google'
        ? `ya29.${randomBytes(48).toString('base64url')}`
        : jwt({
            aud: '00000003-0000-0000-c000-000000000000',
            iss: `https://sts.windows.net/${tenantGuid(account.tenant)}/`,
            iat: Math.floor(now / 1000),
            nbf: Math.floor(now / 1000),
            exp: Math.floor(now / 1000) + this.accessLifetimeSec,
            scp: scopes.filter((s) => !['openid', 'profile', 'email', 'offline_access'].includes(s)).join(' '),
            upn: address,
            unique_name: address,
            oid: account.id,
            tid: tenantGuid(account.tenant),
            name: account.displayName,
            uti: randomBytes(12).toString('base64url'),
          })
    const grant: Grant = {
      token: accessToken,
      provider,
      address,
      scopes,
      clientId,
      expiresAt: now + this.accessLifetimeSec * 1000,
      revoked: false,
    }
    this.access.set(accessToken, grant)
    let refreshToken: string | undefined
    if (withRefresh) {
      refreshToken =
        provider === 'google'
          ? `1//0${randomBytes(60).toString('base64url')}`
          : `0.A${randomBytes(180).toString('base64url')}`
      const lifetime = provider === 'microsoft' ? this.microsoftRefreshLifetimeSec * 1000 : Number.POSITIVE_INFINITY
      this.refresh.set(refreshToken, { ...grant, token: refreshToken, expiresAt: now + lifetime })
    }
    return { accessToken, refreshToken, grant }
  }

  /** The grant behind a bearer token, or why it is refused. */
  authenticate(
    token: string | undefined,
    provider: Provider,
  ): { grant: Grant; account: Account } | { error: 'missing' | 'invalid' | 'expired' } {
    if (!token) return { error: 'missing' }
    const grant = this.access.get(token)
    if (!grant || grant.provider !== provider || grant.revoked || !this.core.accounts.has(grant.address))
      return { error: 'invalid' }
    if (grant.expiresAt <= this.now()) return { error: 'expired' }
    return { grant, account: this.core.account(grant.address) }
  }

  /** Accounts whose user removed the app's access: a silent sign-in needs consent again. */
  private readonly consentRevoked = new Set<string>()

  revoke(address: string): void {
    const a = address.toLowerCase()
    this.consentRevoked.add(a)
    for (const g of this.access.values()) if (g.address === a) g.revoked = true
    for (const g of this.refresh.values()) if (g.address === a) g.revoked = true
  }

  expireAccessTokens(address?: string): void {
    const now = this.now()
    for (const g of this.access.values())
      if (!address || g.address === address.toLowerCase()) g.expiresAt = Math.min(g.expiresAt, now)
  }

  // ---------- authorize ----------

  isOAuthPath(method: string, path: string): boolean {
    if (path === '/o/oauth2/v2/auth') return method === 'GET' || method === 'POST'
    if (path === '/token') return method === 'POST'
    return /^\/[^/]+\/oauth2\/v2\.0\/(authorize|token)$/.test(path)
  }

  async handle(req: EmuRequest): Promise<ApiResponse> {
    const path = req.url.pathname
    if (path === '/o/oauth2/v2/auth')
      return req.method === 'GET' ? this.authorize('google', 'common', req.url.searchParams, req) : this.consent(req)
    if (path === '/token') return this.googleToken(form(req))
    const ms = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)$/.exec(path)!
    const tenant = decodeURIComponent(ms[1]!)
    if (ms[2] === 'token') {
      if (req.method !== 'POST')
        return msError(400, 'invalid_request', 900561, 'The endpoint only accepts POST requests.')
      return this.microsoftToken(form(req), tenant)
    }
    return req.method === 'GET' ? this.authorize('microsoft', tenant, req.url.searchParams, req) : this.consent(req)
  }

  private accountsFor(provider: Provider, tenant: string): Account[] {
    return [...this.core.accounts.values()].filter(
      (a) =>
        a.provider === provider &&
        (provider === 'google' ||
          ['common', 'organizations', 'consumers'].includes(tenant.toLowerCase()) ||
          tenant.toLowerCase() === a.tenant ||
          tenant.toLowerCase() === `${a.tenant}.onmicrosoft.com` ||
          tenant === tenantGuid(a.tenant) ||
          tenant.toLowerCase() === a.address.split('@')[1]),
    )
  }

  private authorize(provider: Provider, tenant: string, params: URLSearchParams, req: EmuRequest): ApiResponse {
    const clientId = params.get('client_id') ?? ''
    const redirectUri = params.get('redirect_uri') ?? ''
    const known =
      provider === 'google'
        ? this.clients.google.some((c) => c.id === clientId)
        : this.clients.microsoft.includes(clientId)
    if (!known) {
      return provider === 'google'
        ? errorPage(401, 'Error 401: invalid_client', 'The OAuth client was not found.')
        : errorPage(
            400,
            'AADSTS700016',
            `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
          )
    }
    if (!REDIRECT.test(redirectUri)) {
      return provider === 'google'
        ? errorPage(
            400,
            'Error 400: redirect_uri_mismatch',
            `redirect_uri=${redirectUri} is not registered for this client.`,
          )
        : errorPage(
            400,
            'AADSTS50011',
            `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
          )
    }
    const responseType = params.get('response_type') ?? ''
    const implicit = provider === 'google' && responseType.split(' ').includes('token')
    const mode = params.get('response_mode') ?? (implicit ? 'fragment' : 'query')
    const fail = (error: string, description: string) =>
      redirectTo(redirectUri, { error, error_description: description, state: params.get('state') }, mode)
    if (responseType !== 'code' && !implicit)
      return fail('unsupported_response_type', `Unsupported response_type: ${responseType}`)
    if (!params.get('scope')) {
      return provider === 'google'
        ? errorPage(400, 'Error 400: invalid_request', 'Missing required parameter: scope')
        : fail('invalid_request', "AADSTS900144: The request body must contain the following parameter: 'scope'.")
    }
    const method = params.get('code_challenge_method') ?? 'plain'
    if (params.get('code_challenge') && !['S256', 'plain'].includes(method)) {
      return fail('invalid_request', `Invalid code_challenge_method: ${method}`)
    }
    const candidates = this.accountsFor(provider, tenant)
    const prompts = (params.get('prompt') ?? '').split(' ')
    const hint = params.get('login_hint')?.toLowerCase() ?? null
    const session = readSession(req, provider).filter((a) => candidates.some((c) => c.address === a))
    if (prompts.includes('none')) {
      const chosen = hint ? session.find((a) => a === hint) : session.length === 1 ? session[0] : undefined
      if (chosen && this.consentRevoked.has(chosen)) {
        return fail(
          'consent_required',
          provider === 'google'
            ? 'The user has not granted the app access.'
            : 'AADSTS65001: The user or administrator has not consented to use the application.',
        )
      }
      if (chosen) return this.grant(provider, chosen, params, mode)
      if (session.length > 1 && !hint) {
        return fail(
          'interaction_required',
          provider === 'google'
            ? 'Multiple accounts are signed in.'
            : 'AADSTS16000: User account selection is required.',
        )
      }
      return fail(
        'login_required',
        provider === 'google'
          ? 'User is not signed in.'
          : 'AADSTS50058: A silent sign-in request was sent but no user is signed in.',
      )
    }
    const tx = randomUUID()
    this.transactions.set(tx, { provider, tenant, params, expiresAt: this.now() + 600_000 })
    return consentPage(provider, req.url.pathname, tx, candidates, hint)
  }

  private consent(req: EmuRequest): ApiResponse {
    const fields = form(req)
    const tx = this.transactions.get(fields.get('tx') ?? '')
    if (!tx || tx.expiresAt < this.now())
      return errorPage(400, 'Error 400: invalid_request', 'This sign-in page has expired. Start again.')
    this.transactions.delete(fields.get('tx')!)
    const params = tx.params
    const redirectUri = params.get('redirect_uri')!
    const implicit = tx.provider === 'google' && (params.get('response_type') ?? '').split(' ').includes('token')
    const mode = params.get('response_mode') ?? (implicit ? 'fragment' : 'query')
    if (fields.get('deny')) {
      const description =
        tx.provider === 'google'
          ? 'The user denied access.'
          : 'AADSTS65004: User declined to consent to access the app.'
      return redirectTo(
        redirectUri,
        { error: 'access_denied', error_description: description, state: params.get('state') },
        mode,
      )
    }
    const address = (fields.get('account') ?? '').toLowerCase()
    if (!this.accountsFor(tx.provider, tx.tenant).some((a) => a.address === address)) {
      return errorPage(400, 'Error 400: invalid_request', 'Unknown account.')
    }
    // Consenting again restores the access a revocation removed.
    this.consentRevoked.delete(address)
    const response = this.grant(tx.provider, address, params, mode)
    const session = [...new Set([...readSession(req, tx.provider), address])]
    response.headers = {
      ...response.headers,
      'set-cookie': `${SESSION_COOKIE[tx.provider]}=${encodeURIComponent(session.join(' '))}; Path=/; HttpOnly; SameSite=Lax`,
    }
    return response
  }

  private requestedScopes(provider: Provider, params: URLSearchParams): string[] {
    const raw = (params.get('scope') ?? '').split(/\s+/).filter(Boolean)
    if (provider === 'google') return raw
    if (raw.some((s) => /\.default$/.test(s))) return [...ALL_GRAPH_SCOPES]
    return [...new Set(raw.map(normalizeGraphScope))]
  }

  private grant(provider: Provider, address: string, params: URLSearchParams, mode: string): ApiResponse {
    const redirectUri = params.get('redirect_uri')!
    const state = params.get('state')
    const scopes = this.requestedScopes(provider, params)
    const clientId = params.get('client_id')!
    if (provider === 'google' && (params.get('response_type') ?? '').split(' ').includes('token')) {
      const { accessToken } = this.issue('google', address, scopes, clientId, false)
      const values: Record<string, string | null> = {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: String(this.accessLifetimeSec),
        scope: scopes.join(' '),
        state,
      }
      return redirectTo(redirectUri, values, 'fragment')
    }
    const code =
      provider === 'google'
        ? `4/0${randomBytes(40).toString('base64url')}`
        : `0.A${randomBytes(120).toString('base64url')}`
    this.codes.set(code, {
      provider,
      address,
      clientId,
      redirectUri,
      scopes,
      challenge: params.get('code_challenge'),
      challengeMethod: params.get('code_challenge_method') ?? 'plain',
      nonce: params.get('nonce'),
      offline: provider === 'google' ? params.get('access_type') === 'offline' : scopes.includes('offline_access'),
      expiresAt: this.now() + 600_000,
      used: false,
    })
    const values: Record<string, string | null> = { code, state }
    if (provider === 'google') values.scope = scopes.join(' ')
    else values.session_state = randomUUID()
    return redirectTo(redirectUri, values, mode)
  }

  private verifier(code: CodeGrant, verifier: string | null): 'ok' | 'missing' | 'mismatch' {
    if (!code.challenge) return 'ok'
    if (!verifier) return 'missing'
    const computed =
      code.challengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier
    return computed === code.challenge ? 'ok' : 'mismatch'
  }

  private idToken(provider: Provider, account: Account, clientId: string, nonce: string | null): string {
    const now = Math.floor(this.now() / 1000)
    if (provider === 'google') {
      return jwt({
        iss: 'https://accounts.google.com',
        azp: clientId,
        aud: clientId,
        sub: account.id,
        email: account.address,
        email_verified: true,
        name: account.displayName,
        iat: now,
        exp: now + 3600,
        ...(nonce ? { nonce } : {}),
      })
    }
    const tid = tenantGuid(account.tenant)
    return jwt({
      ver: '2.0',
      iss: MS_MAIL_ISSUER(tid),
      sub: randomBytes(16).toString('base64url'),
      aud: clientId,
      exp: now + 3600,
      iat: now,
      nbf: now,
      name: account.displayName,
      preferred_username: account.address,
      email: account.address,
      oid: account.id,
      tid,
      ...(nonce ? { nonce } : {}),
    })
  }

  private googleToken(f: URLSearchParams): ApiResponse {
    const clientId = f.get('client_id') ?? ''
    const client = this.clients.google.find((c) => c.id === clientId)
    if (!client) return googleTokenError(401, 'invalid_client', 'The OAuth client was not found.')
    const secret = f.get('client_secret')
    if (secret === null) return googleTokenError(400, 'invalid_request', 'client_secret is missing.')
    if (secret !== client.secret) return googleTokenError(401, 'invalid_client', 'Unauthorized')
    const grantType = f.get('grant_type')
    if (grantType === 'authorization_code') {
      const code = this.codes.get(f.get('code') ?? '')
      if (code?.provider !== 'google' || code.clientId !== clientId)
        return googleTokenError(400, 'invalid_grant', 'Malformed auth code.')
      if (code.used || code.expiresAt < this.now()) return googleTokenError(400, 'invalid_grant', 'Bad Request')
      if (f.get('redirect_uri') !== code.redirectUri)
        return googleTokenError(400, 'redirect_uri_mismatch', 'Bad Request')
      const check = this.verifier(code, f.get('code_verifier'))
      if (check !== 'ok')
        return googleTokenError(
          400,
          'invalid_grant',
          check === 'missing' ? 'Missing code verifier.' : 'Invalid code verifier.',
        )
      code.used = true
      const account = this.core.account(code.address)
      const { accessToken, refreshToken } = this.issue('google', code.address, code.scopes, clientId, code.offline)
      const body: Record<string, unknown> = {
        access_token: accessToken,
        expires_in: this.accessLifetimeSec,
        scope: code.scopes.join(' '),
        token_type: 'Bearer',
      }
      if (refreshToken) body.refresh_token = refreshToken
      if (code.scopes.some((s) => ['openid', 'email', 'https://www.googleapis.com/auth/userinfo.email'].includes(s))) {
        body.id_token = this.idToken('google', account, clientId, code.nonce)
      }
      return json(200, body)
    }
    if (grantType === 'refresh_token') {
      const grant = this.refresh.get(f.get('refresh_token') ?? '')
      if (grant?.provider !== 'google' || grant.revoked || grant.clientId !== clientId) {
        return googleTokenError(400, 'invalid_grant', 'Token has been expired or revoked.')
      }
      const { accessToken } = this.issue('google', grant.address, grant.scopes, clientId, false)
      return json(200, {
        access_token: accessToken,
        expires_in: this.accessLifetimeSec,
        scope: grant.scopes.join(' '),
        token_type: 'Bearer',
      })
    }
    return googleTokenError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`)
  }

  private microsoftToken(f: URLSearchParams, tenant: string): ApiResponse {
    const clientId = f.get('client_id') ?? ''
    if (!this.clients.microsoft.includes(clientId)) {
      return msError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
      )
    }
    const grantType = f.get('grant_type')
    let address: string
    let scopes: string[]
    let nonce: string | null = null
    if (grantType === 'authorization_code') {
      const value = f.get('code')
      if (!value)
        return msError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'code'.")
      const code = this.codes.get(value)
      if (code?.provider !== 'microsoft' || code.clientId !== clientId) {
        return msError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.')
      }
      if (code.used) {
        return msError(
          400,
          'invalid_grant',
          54005,
          'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
        )
      }
      if (code.expiresAt < this.now()) {
        return msError(
          400,
          'invalid_grant',
          70008,
          'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
        )
      }
      if (f.get('redirect_uri') !== code.redirectUri) {
        return msError(
          400,
          'invalid_grant',
          50148,
          'The redirect_uri does not match the redirect_uri used in the authorization request.',
        )
      }
      const check = this.verifier(code, f.get('code_verifier'))
      if (check !== 'ok') {
        return msError(
          400,
          'invalid_grant',
          501481,
          'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        )
      }
      code.used = true
      address = code.address
      scopes = code.scopes
      nonce = code.nonce
    } else if (grantType === 'refresh_token') {
      const grant = this.refresh.get(f.get('refresh_token') ?? '')
      if (grant?.provider !== 'microsoft' || grant.clientId !== clientId) {
        return msError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.')
      }
      if (grant.revoked) {
        return msError(
          400,
          'invalid_grant',
          50173,
          'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
        )
      }
      if (grant.expiresAt <= this.now()) {
        return msError(
          400,
          'invalid_grant',
          700084,
          'The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page.',
        )
      }
      address = grant.address
      // Entra rotates the refresh token; the scopes stay those consented to.
      scopes = grant.scopes
    } else {
      return msError(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType ?? ''}'.`,
      )
    }
    const account = this.core.account(address)
    const offline = scopes.includes('offline_access')
    const { accessToken, refreshToken } = this.issue('microsoft', address, scopes, clientId, offline)
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: scopes.filter((s) => s !== 'offline_access').join(' '),
      expires_in: this.accessLifetimeSec,
      ext_expires_in: this.accessLifetimeSec,
      access_token: accessToken,
    }
    if (refreshToken) body.refresh_token = refreshToken
    if (scopes.includes('openid')) body.id_token = this.idToken('microsoft', account, clientId, nonce)
    return json(200, body)
  }
}

function form(req: EmuRequest): URLSearchParams {
  const type = header(req, 'content-type') ?? ''
  if (/application\/x-www-form-urlencoded/i.test(type) || !type) return new URLSearchParams(req.body.toString('utf8'))
  return new URLSearchParams()
}

function json(status: number, body: unknown): ApiResponse {
  return { status, body, headers: { 'cache-control': 'no-store', pragma: 'no-cache' } }
}

function googleTokenError(status: number, error: string, description: string): ApiResponse {
  return json(status, { error, error_description: description })
}

function msError(status: number, error: string, code: number, message: string): ApiResponse {
  const trace = randomUUID()
  const correlation = randomUUID()
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  })
}

function readSession(req: EmuRequest, provider: Provider): string[] {
  const cookies = header(req, 'cookie') ?? ''
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=')
    if (name === SESSION_COOKIE[provider]) return decodeURIComponent(rest.join('=')).split(' ').filter(Boolean)
  }
  return []
}

function redirectTo(uri: string, values: Record<string, string | null>, mode: string): ApiResponse {
  const url = new URL(uri)
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(values)) if (v !== null && v !== undefined) params.set(k, v)
  if (mode === 'fragment') url.hash = params.toString()
  else for (const [k, v] of params) url.searchParams.set(k, v)
  return { status: 302, headers: { location: url.href, 'cache-control': 'no-store' }, body: '' }
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title>
<style>body{font:15px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}ul{list-style:none;padding:0}
li button{display:block;width:100%;text-align:left;padding:.7rem;margin:.3rem 0;border:1px solid #ccc;border-radius:6px;background:#fff;cursor:pointer}
li button[data-preselected]{border-color:#1a73e8}small{color:#666}</style></head>
<body><main>${body}</main></body></html>`
}

function errorPage(status: number, title: string, message: string): ApiResponse {
  return {
    status,
    contentType: 'text/html; charset=utf-8',
    body: page(title, `<h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p>`),
  }
}

function consentPage(
  provider: Provider,
  action: string,
  tx: string,
  accounts: Account[],
  hint: string | null,
): ApiResponse {
  const ordered = hint
    ? [...accounts].sort((a, b) => Number(b.address === hint) - Number(a.address === hint))
    : accounts
  const items = ordered
    .map((a) => {
      const pre = a.address === hint ? ' data-preselected="true" autofocus' : ''
      return `<li><button type="submit" name="account" value="${escapeHtml(a.address)}" data-account="${escapeHtml(a.address)}"${pre}>${escapeHtml(a.displayName)}<br><small>${escapeHtml(a.address)}</small></button></li>`
    })
    .join('\n')
  const heading = provider === 'google' ? 'Choose an account' : 'Pick an account'
  const brand =
    provider === 'google' ? 'Sign in with Google (emulator)' : 'Sign in to your account (Microsoft emulator)'
  return {
    status: 200,
    contentType: 'text/html; charset=utf-8',
    headers: { 'cache-control': 'no-store' },
    body: page(
      brand,
      `<p>${escapeHtml(brand)}</p><h1>${heading}</h1><p>to continue to Dispatch</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="tx" value="${tx}">
<ul>${items || '<li><small>No accounts of this provider are set up in the emulator.</small></li>'}</ul>
<button type="submit" name="deny" value="1" data-action="deny">Deny</button></form>`,
    ),
  }
}
