import { endpoints, oauthDefaults } from '../config.ts'
import { DispatchError } from '../core/errors.ts'
import { authorize, pkcePair, postToken, randomToken, type TokenResponse } from './oauth.ts'

/**
 * Microsoft sign-in: a PKCE authorization-code flow run by the worker through launchWebAuthFlow
 * (response_mode=query), tokens redeemed with fetch. MSAL-browser is not used: its token cache does
 * not survive in chrome-extension:// pages and it cannot run in the worker, so it could not renew
 * tokens silently (see README). Refresh tokens rotate on every use; those of SPA redirect URIs
 * expire after 24 h, so a silent `prompt=none` sign-in renews the session once a day.
 */
export const MICROSOFT_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'https://graph.microsoft.com/User.Read',
  'https://graph.microsoft.com/Mail.Send',
  // Drafts are created before sending (to keep internetMessageId): that needs ReadWrite, which also
  // covers reading the MIME of bounces (Mail.ReadBasic has no body).
  'https://graph.microsoft.com/Mail.ReadWrite',
]

export interface MicrosoftClient {
  clientId: string
  tenant: string
}

export function microsoftClient(override?: { clientId?: string; tenant?: string }): MicrosoftClient {
  const clientId = override?.clientId || oauthDefaults.microsoftClientId
  if (!clientId) throw new DispatchError('auth_failed', 'No Microsoft application is configured', ['microsoft_client'])
  return { clientId, tenant: override?.tenant || oauthDefaults.microsoftTenant || 'common' }
}

function tokenEndpoint(c: MicrosoftClient): string {
  return `${endpoints.microsoftLogin}/${encodeURIComponent(c.tenant)}/oauth2/v2.0/token`
}

export async function microsoftSignIn(
  client: MicrosoftClient,
  opts: { interactive: boolean; loginHint?: string },
): Promise<TokenResponse> {
  const { verifier, challenge } = await pkcePair()
  const state = randomToken(16)
  const redirectUri = chrome.identity.getRedirectURL('microsoft')
  const url = new URL(`${endpoints.microsoftLogin}/${encodeURIComponent(client.tenant)}/oauth2/v2.0/authorize`)
  url.search = new URLSearchParams({
    client_id: client.clientId,
    response_type: 'code',
    response_mode: 'query',
    redirect_uri: redirectUri,
    scope: MICROSOFT_SCOPES.join(' '),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    prompt: opts.interactive ? 'select_account' : 'none',
    ...(opts.loginHint ? { login_hint: opts.loginHint } : {}),
  }).toString()
  const code = await authorize(url, state, opts.interactive)
  return postToken(tokenEndpoint(client), {
    grant_type: 'authorization_code',
    client_id: client.clientId,
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    scope: MICROSOFT_SCOPES.join(' '),
  })
}

export function microsoftRefresh(client: MicrosoftClient, refreshToken: string): Promise<TokenResponse> {
  return postToken(tokenEndpoint(client), {
    grant_type: 'refresh_token',
    client_id: client.clientId,
    refresh_token: refreshToken,
    scope: MICROSOFT_SCOPES.join(' '),
  })
}
