import { endpoints, oauthDefaults } from '../config.ts'
import { DispatchError } from '../core/errors.ts'
import { authorize, pkcePair, postToken, randomToken, type TokenResponse } from './oauth.ts'

/**
 * Google sign-in: authorization code + PKCE through launchWebAuthFlow, with the client secret of
 * a "Web application" OAuth client (Google's token endpoint requires it even with PKCE; for a
 * client shipped inside an extension it is not a secret, as Google documents for installed apps).
 * The refresh token lets the worker renew access without the rep while the browser runs.
 */
export const GOOGLE_SCOPES = [
  'openid',
  'email',
  // The rep's name for the From header.
  'profile',
  'https://www.googleapis.com/auth/gmail.send',
  // Restricted scope: needed to find bounces and replies in the inbox and to reconcile sends.
  'https://www.googleapis.com/auth/gmail.readonly',
]

export interface GoogleClient {
  clientId: string
  clientSecret: string
}

export function googleClient(override?: string): GoogleClient {
  const clientId = override || oauthDefaults.googleClientId
  if (!clientId) throw new DispatchError('auth_failed', 'No Google OAuth client is configured', ['google_client'])
  return { clientId, clientSecret: oauthDefaults.googleClientSecret }
}

export async function googleSignIn(
  client: GoogleClient,
  opts: { interactive: boolean; loginHint?: string },
): Promise<TokenResponse> {
  const { verifier, challenge } = await pkcePair()
  const state = randomToken(16)
  const redirectUri = chrome.identity.getRedirectURL('google')
  const url = new URL(endpoints.googleAuthorize)
  url.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: GOOGLE_SCOPES.join(' '),
    access_type: 'offline',
    include_granted_scopes: 'true',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    // A refresh token is only issued with consent; a silent renewal must not show a page.
    prompt: opts.interactive ? 'consent select_account' : 'none',
    ...(opts.loginHint ? { login_hint: opts.loginHint } : {}),
  }).toString()
  const code = await authorize(url, state, opts.interactive)
  return postToken(endpoints.googleToken, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: client.clientId,
    client_secret: client.clientSecret,
  })
}

export function googleRefresh(client: GoogleClient, refreshToken: string): Promise<TokenResponse> {
  return postToken(endpoints.googleToken, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.clientId,
    client_secret: client.clientSecret,
  })
}
