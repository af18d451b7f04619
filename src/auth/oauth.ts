import { DispatchError } from '../core/errors.ts'

/**
 * The OAuth 2.0 pieces both providers share: PKCE (RFC 7636), the auth window through
 * `chrome.identity.launchWebAuthFlow` (the only flow that works on Chromium and Edge —
 * `getAuthToken` does not), and the token endpoint. Runs in the service worker; tokens never leave it.
 */

function base64Url(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function randomToken(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)))
}

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = randomToken(48)
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return { verifier, challenge: base64Url(new Uint8Array(digest)) }
}

export interface TokenResponse {
  access_token: string
  expires_in: number
  refresh_token?: string
  scope?: string
  id_token?: string
  token_type?: string
}

/** Runs the provider's authorize page and returns the authorization code, checking `state`. */
export async function authorize(url: URL, state: string, interactive: boolean): Promise<string> {
  let redirect: string | undefined
  try {
    redirect = await chrome.identity.launchWebAuthFlow({ url: url.href, interactive })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // "The user did not approve access." when the window is closed; "User interaction required."
    // when a silent attempt needs the user.
    if (/did not approve|closed/i.test(message)) throw new DispatchError('auth_cancelled', message)
    throw new DispatchError('auth_failed', message, undefined, !interactive)
  }
  if (!redirect) throw new DispatchError('auth_cancelled', 'No redirect from the sign-in page')
  const params = new URL(redirect).searchParams
  // Error redirects resolve like successes: check `error` before `code`.
  const error = params.get('error')
  if (error) {
    const description = params.get('error_description') ?? error
    throw new DispatchError(error === 'access_denied' ? 'auth_cancelled' : 'auth_failed', description, [error])
  }
  if (params.get('state') !== state) throw new DispatchError('auth_failed', 'Sign-in state did not match')
  const code = params.get('code')
  if (!code) throw new DispatchError('auth_failed', 'The sign-in page returned no code')
  return code
}

export async function postToken(endpoint: string, form: Record<string, string>): Promise<TokenResponse> {
  let res: Response
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    })
  } catch (err) {
    throw new DispatchError('network', err instanceof Error ? err.message : String(err), undefined, true)
  }
  const body = (await res.json().catch(() => ({}))) as Partial<TokenResponse> & {
    error?: string
    error_description?: string
  }
  if (!res.ok || !body.access_token) {
    const code = body.error ?? `http_${res.status}`
    if (code === 'invalid_grant') throw new DispatchError('token_expired', body.error_description ?? code, [code])
    if (res.status >= 500) throw new DispatchError('network', `Token endpoint ${res.status}`, undefined, true)
    throw new DispatchError('auth_failed', body.error_description ?? code, [code])
  }
  return body as TokenResponse
}

/** Claims of an id_token. Only read for the signed-in address: the token came straight from the provider over TLS. */
export function jwtClaims(jwt: string | undefined): Record<string, unknown> {
  if (!jwt) return {}
  const payload = jwt.split('.')[1]
  if (!payload) return {}
  try {
    const bin = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))) as Record<string, unknown>
  } catch {
    return {}
  }
}
