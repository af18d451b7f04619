import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from './index.ts'
import { api } from './test-util.ts'

let emu: Emulator
const REDIRECT = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/cb'
const GOOGLE = { id: 'emulator-google-client', secret: 'emulator-google-secret' }
const MS = 'emulator-microsoft-client'

beforeAll(async () => {
  emu = await startEmulator()
  emu.addAccount({ provider: 'google', address: 'ann@gmail.com', displayName: 'Ann' })
  emu.addAccount({ provider: 'google', address: 'bob@workspace.example', displayName: 'Bob' })
  emu.addAccount({ provider: 'microsoft', address: 'max@contoso.com', displayName: 'Max', tenant: 'contoso' })
})
afterAll(() => emu.close())

function pkce() {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

const googleAuthorize = (extra: Record<string, string> = {}) =>
  `${emu.url}/o/oauth2/v2/auth?${new URLSearchParams({
    client_id: GOOGLE.id,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid email https://www.googleapis.com/auth/gmail.send https://www.googleapis.com/auth/gmail.readonly',
    state: 'st-1',
    access_type: 'offline',
    ...extra,
  })}`

const msAuthorize = (extra: Record<string, string> = {}) =>
  `${emu.url}/common/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: MS,
    redirect_uri: REDIRECT,
    response_type: 'code',
    response_mode: 'query',
    scope:
      'openid profile offline_access https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/User.Read',
    state: 'ms-state',
    nonce: 'n-123',
    ...extra,
  })}`

/** Loads the consent page and "clicks" an account (or Deny) by submitting its form. */
async function choose(authorizeUrl: string, pick: { account: string } | { deny: true }, cookie = '') {
  const page = await fetch(authorizeUrl, { headers: { cookie } })
  const html = await page.text()
  const tx = /name="tx" value="([^"]+)"/.exec(html)![1]!
  const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!
  const form = new URLSearchParams({ tx, ...('deny' in pick ? { deny: '1' } : { account: pick.account }) })
  const r = await fetch(emu.url + action, {
    method: 'POST',
    body: form,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    redirect: 'manual',
  })
  return {
    html,
    status: r.status,
    location: new URL(r.headers.get('location')!),
    cookie: r.headers.get('set-cookie') ?? '',
  }
}

const decodeJwt = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())

const token = (path: string, fields: Record<string, string>) =>
  fetch(emu.url + path, { method: 'POST', body: new URLSearchParams(fields) }).then(async (r) => ({
    status: r.status,
    json: await r.json(),
  }))

describe('Google', () => {
  it('shows a consent page listing Google accounts, with login_hint preselected and a Deny button', async () => {
    const html = await (await fetch(googleAuthorize({ login_hint: 'bob@workspace.example' }))).text()
    expect(html).toContain('<h1>')
    expect(html).toContain('data-account="ann@gmail.com"')
    expect(html).toMatch(/data-account="bob@workspace\.example" data-preselected="true"/)
    expect(html).not.toContain('max@contoso.com')
    expect(html).toContain('data-action="deny"')
  })

  it('refuses a redirect_uri that is not an extension chromiumapp.org URL, and unknown clients', async () => {
    const bad = await fetch(googleAuthorize({ redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('redirect_uri_mismatch')
    const unknown = await fetch(googleAuthorize({ client_id: 'stranger' }), { redirect: 'manual' })
    expect(unknown.status).toBe(401)
  })

  it('runs the code flow with PKCE and the client secret, and refreshes keeping the refresh token', async () => {
    const { verifier, challenge } = pkce()
    const chosen = await choose(googleAuthorize({ code_challenge: challenge, code_challenge_method: 'S256' }), {
      account: 'ann@gmail.com',
    })
    expect(chosen.status).toBe(302)
    expect(chosen.location.origin + chosen.location.pathname).toBe(REDIRECT)
    expect(chosen.location.searchParams.get('state')).toBe('st-1')
    const code = chosen.location.searchParams.get('code')!
    const base = { grant_type: 'authorization_code', code, client_id: GOOGLE.id, redirect_uri: REDIRECT }
    const noSecret = await token('/token', { ...base, code_verifier: verifier })
    expect(noSecret).toMatchObject({
      status: 400,
      json: { error: 'invalid_request', error_description: 'client_secret is missing.' },
    })
    const wrongVerifier = await token('/token', {
      ...base,
      client_secret: GOOGLE.secret,
      code_verifier: pkce().verifier,
    })
    expect(wrongVerifier).toMatchObject({ status: 400, json: { error: 'invalid_grant' } })
    const good = await token('/token', { ...base, client_secret: GOOGLE.secret, code_verifier: verifier })
    expect(good.status).toBe(200)
    expect(good.json).toMatchObject({ token_type: 'Bearer', expires_in: 3599 })
    expect(decodeJwt(good.json.id_token)).toMatchObject({ email: 'ann@gmail.com', iss: 'https://accounts.google.com' })
    const profile = await api(emu, good.json.access_token)('/gmail/v1/users/me/profile')
    expect(profile.json.emailAddress).toBe('ann@gmail.com')
    const reused = await token('/token', { ...base, client_secret: GOOGLE.secret, code_verifier: verifier })
    expect(reused.json.error).toBe('invalid_grant')
    const refreshed = await token('/token', {
      grant_type: 'refresh_token',
      refresh_token: good.json.refresh_token,
      client_id: GOOGLE.id,
      client_secret: GOOGLE.secret,
    })
    expect(refreshed.status).toBe(200)
    expect(refreshed.json.refresh_token).toBeUndefined()
    expect(refreshed.json.access_token).not.toBe(good.json.access_token)
  })

  it('redirects prompt=none at once with the session cookie, and with login_required without it', async () => {
    const chosen = await choose(googleAuthorize(), { account: 'bob@workspace.example' })
    const cookie = chosen.cookie.split(';')[0]!
    const silent = await fetch(googleAuthorize({ prompt: 'none', login_hint: 'bob@workspace.example' }), {
      headers: { cookie },
      redirect: 'manual',
    })
    expect(silent.status).toBe(302)
    expect(new URL(silent.headers.get('location')!).searchParams.get('code')).toBeTruthy()
    const noSession = await fetch(googleAuthorize({ prompt: 'none' }), { redirect: 'manual' })
    const location = new URL(noSession.headers.get('location')!)
    expect(location.searchParams.get('error')).toBe('login_required')
    expect(location.searchParams.get('state')).toBe('st-1')
  })

  it('returns the implicit flow’s token in the fragment', async () => {
    const chosen = await choose(googleAuthorize({ response_type: 'token' }), { account: 'ann@gmail.com' })
    const fragment = new URLSearchParams(chosen.location.hash.slice(1))
    expect(fragment.get('access_token')).toMatch(/^ya29\./)
    expect(fragment.get('state')).toBe('st-1')
  })

  it('redirects Deny with error=access_denied', async () => {
    const denied = await choose(googleAuthorize(), { deny: true })
    expect(denied.location.searchParams.get('error')).toBe('access_denied')
    expect(denied.location.searchParams.get('code')).toBeNull()
  })
})

describe('Microsoft', () => {
  it('runs PKCE, returns an id_token with preferred_username and the nonce, and rotates refresh tokens', async () => {
    const { verifier, challenge } = pkce()
    const chosen = await choose(msAuthorize({ code_challenge: challenge, code_challenge_method: 'S256' }), {
      account: 'max@contoso.com',
    })
    expect(chosen.html).not.toContain('ann@gmail.com')
    expect(chosen.location.searchParams.get('state')).toBe('ms-state')
    const code = chosen.location.searchParams.get('code')!
    const base = { grant_type: 'authorization_code', code, client_id: MS, redirect_uri: REDIRECT }
    const wrong = await token('/common/oauth2/v2.0/token', { ...base, code_verifier: pkce().verifier })
    expect(wrong.status).toBe(400)
    expect(wrong.json.error).toBe('invalid_grant')
    expect(wrong.json.error_codes).toEqual([501481])
    expect(wrong.json.error_description).toMatch(/^AADSTS501481: /)
    const good = await token('/common/oauth2/v2.0/token', { ...base, code_verifier: verifier })
    expect(good.status).toBe(200)
    expect(good.json.scope.split(' ')).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite', 'openid']))
    expect(decodeJwt(good.json.id_token)).toMatchObject({
      preferred_username: 'max@contoso.com',
      nonce: 'n-123',
      aud: MS,
    })
    const me = await api(emu, good.json.access_token)('/v1.0/me')
    expect(me.json.mail).toBe('max@contoso.com')
    const refreshed = await token('/common/oauth2/v2.0/token', {
      grant_type: 'refresh_token',
      refresh_token: good.json.refresh_token,
      client_id: MS,
    })
    expect(refreshed.status).toBe(200)
    expect(refreshed.json.refresh_token).toBeTruthy()
    expect(refreshed.json.refresh_token).not.toBe(good.json.refresh_token)
  })

  it('answers prompt=none with login_required without a session, and unknown clients with AADSTS700016', async () => {
    const silent = await fetch(msAuthorize({ prompt: 'none' }), { redirect: 'manual' })
    const location = new URL(silent.headers.get('location')!)
    expect(location.searchParams.get('error')).toBe('login_required')
    const unknown = await token('/common/oauth2/v2.0/token', {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: 'stranger',
    })
    expect(unknown.json.error_codes).toEqual([700016])
  })
})

describe('revocation and expiry', () => {
  it('revoke makes access tokens 401 and refresh invalid_grant, for both providers', async () => {
    emu.addAccount({ provider: 'google', address: 'rev@gmail.com' })
    emu.addAccount({ provider: 'microsoft', address: 'rev@contoso.com' })
    const g = emu.issueToken('rev@gmail.com', { refresh: true })
    const m = emu.issueToken('rev@contoso.com', { refresh: true })
    expect((await api(emu, g.accessToken)('/gmail/v1/users/me/profile')).status).toBe(200)
    emu.revoke('rev@gmail.com')
    emu.revoke('rev@contoso.com')
    const gr = await api(emu, g.accessToken)('/gmail/v1/users/me/profile')
    expect(gr.status).toBe(401)
    expect(gr.json.error.errors[0].reason).toBe('authError')
    const mr = await api(emu, m.accessToken)('/v1.0/me')
    expect(mr.status).toBe(401)
    expect(mr.json.error.code).toBe('InvalidAuthenticationToken')
    const grefresh = await token('/token', {
      grant_type: 'refresh_token',
      refresh_token: g.refreshToken!,
      client_id: GOOGLE.id,
      client_secret: GOOGLE.secret,
    })
    expect(grefresh.json).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' })
    const mrefresh = await token('/contoso/oauth2/v2.0/token', {
      grant_type: 'refresh_token',
      refresh_token: m.refreshToken!,
      client_id: MS,
    })
    expect(mrefresh.json.error).toBe('invalid_grant')
    expect(mrefresh.json.error_codes).toEqual([50173])
  })

  it('expires access tokens with the clock and honours the lifetime knob', async () => {
    emu.addAccount({ provider: 'microsoft', address: 'clock@contoso.com' })
    emu.setTokenLifetime(60)
    const t = emu.issueToken('clock@contoso.com')
    emu.setTokenLifetime(3599)
    const call = api(emu, t.accessToken)
    expect((await call('/v1.0/me')).status).toBe(200)
    emu.advanceTime(61_000)
    const expired = await call('/v1.0/me')
    expect(expired.status).toBe(401)
    expect(expired.json.error.message).toBe('Access token has expired or is not yet valid.')
  })
})
