import { googleClient, googleRefresh, googleSignIn } from '../auth/google.ts'
import { microsoftClient, microsoftRefresh, microsoftSignIn } from '../auth/microsoft.ts'
import { jwtClaims, type TokenResponse } from '../auth/oauth.ts'
import { endpoints } from '../config.ts'
import { db } from '../core/db.ts'
import { DispatchError } from '../core/errors.ts'
import { planFor } from '../core/limits.ts'
import type { MailboxSummary } from '../core/messages.ts'
import type { Account, AccountSecret, MailboxId, Provider } from '../core/types.ts'
import { broadcastContextChanged } from './push.ts'
import { getSettings } from './settings.ts'

/** Renew this long before the access token expires, so a send never starts with a dying token. */
const RENEW_MARGIN_MS = 5 * 60_000
/** Microsoft SPA refresh tokens live 24 h; renew the session silently a little before. */
const MS_REFRESH_LIFETIME_MS = 23 * 3600_000

const WAITING_FOR_SIGN_IN = new Set(['token_expired', 'token_revoked', 'not_connected', 'auth_failed'])

export function mailboxId(provider: Provider, address: string): MailboxId {
  return `${provider}:${address.trim().toLowerCase()}`
}

export function summary(a: Account): MailboxSummary {
  return {
    id: a.id,
    provider: a.provider,
    address: a.address,
    displayName: a.displayName,
    status: a.status,
    plan: a.plan,
  }
}

async function clients() {
  const s = await getSettings()
  return {
    google: () => googleClient(s.googleClientId),
    microsoft: () => microsoftClient({ clientId: s.microsoftClientId, tenant: s.microsoftTenant }),
    googlePlan: s.googlePlan,
  }
}

async function gmailProfile(accessToken: string): Promise<{ emailAddress: string }> {
  const res = await fetch(`${endpoints.gmailApi}/gmail/v1/users/me/profile`, {
    headers: { Authorization: `Bearer ${accessToken}` },
  })
  if (!res.ok) throw new DispatchError('auth_failed', `Gmail profile: HTTP ${res.status}`)
  return (await res.json()) as { emailAddress: string }
}

async function graphMe(
  accessToken: string,
): Promise<{ mail?: string | null; userPrincipalName?: string; displayName?: string }> {
  const res = await fetch(`${endpoints.graphApi}/me?$select=mail,userPrincipalName,displayName`, {
    headers: { Authorization: `Bearer ${accessToken}` },
  })
  if (!res.ok) throw new DispatchError('auth_failed', `Microsoft profile: HTTP ${res.status}`)
  return (await res.json()) as { mail?: string | null; userPrincipalName?: string; displayName?: string }
}

function secretFrom(accountId: MailboxId, t: TokenResponse, previous?: AccountSecret, now = Date.now()): AccountSecret {
  return {
    accountId,
    accessToken: t.access_token,
    expiresAt: now + Math.max(60, t.expires_in) * 1000,
    // Google keeps the refresh token (and omits it on refresh); Microsoft rotates it.
    refreshToken: t.refresh_token ?? previous?.refreshToken,
    scope: t.scope ?? previous?.scope,
    refreshExpiresAt: accountId.startsWith('exchange:') ? now + MS_REFRESH_LIFETIME_MS : undefined,
  }
}

/** Interactive sign-in; adds or refreshes the account. */
export async function connect(provider: Provider, loginHint?: string): Promise<MailboxSummary> {
  const c = await clients()
  const now = Date.now()
  let account: Account
  let tokens: TokenResponse
  if (provider === 'gmail') {
    tokens = await googleSignIn(c.google(), { interactive: true, loginHint })
    const claims = jwtClaims(tokens.id_token)
    const { emailAddress } = await gmailProfile(tokens.access_token)
    account = {
      id: mailboxId('gmail', emailAddress),
      provider,
      address: emailAddress,
      displayName: typeof claims.name === 'string' ? claims.name : emailAddress.split('@')[0]!,
      plan: planFor('gmail', emailAddress, c.googlePlan),
      status: 'connected',
      connectedAt: now,
    }
  } else {
    tokens = await microsoftSignIn(c.microsoft(), { interactive: true, loginHint })
    const claims = jwtClaims(tokens.id_token)
    const me = await graphMe(tokens.access_token)
    const address = me.mail || me.userPrincipalName || String(claims.preferred_username ?? '')
    if (!address) throw new DispatchError('auth_failed', 'Microsoft did not return the mailbox address')
    account = {
      id: mailboxId('exchange', address),
      provider,
      address,
      displayName: me.displayName || String(claims.name ?? address),
      plan: planFor('exchange', address, undefined, undefined, typeof claims.tid === 'string' ? claims.tid : undefined),
      status: 'connected',
      connectedAt: now,
    }
  }
  await db().transaction('rw', db().accounts, db().secrets, db().outbox, async () => {
    const previous = await db().secrets.get(account.id)
    await db().accounts.put(account)
    await db().secrets.put(secretFrom(account.id, tokens, previous, now))
    // Sends that waited for this sign-in are due again now.
    await db()
      .outbox.where('[mailboxId+state]')
      .equals([account.id, 'queued'])
      .modify((row) => {
        if (row.error && WAITING_FOR_SIGN_IN.has(row.error.code)) row.nextAttemptAt = Math.max(now, row.notBefore)
      })
  })
  void broadcastContextChanged()
  return summary(account)
}

export async function disconnect(accountId: MailboxId): Promise<void> {
  await db().transaction('rw', db().accounts, db().secrets, async () => {
    await db().secrets.delete(accountId)
    await db().accounts.update(accountId, { status: 'disconnected' })
  })
  void broadcastContextChanged()
}

async function markAccount(accountId: MailboxId, status: Account['status'], err: DispatchError): Promise<void> {
  await db().accounts.update(accountId, { status, lastError: err.toInfo() })
  void broadcastContextChanged()
}

const inflight = new Map<MailboxId, Promise<string>>()

/**
 * A valid access token for the account, renewed silently when needed (refresh token first, then a
 * `prompt=none` sign-in). When neither works the account is marked expired and sends wait for the
 * rep to reconnect: nothing is failed or lost.
 */
export function accessToken(accountId: MailboxId, now = Date.now()): Promise<string> {
  const running = inflight.get(accountId)
  if (running) return running
  const p = renew(accountId, now).finally(() => inflight.delete(accountId))
  inflight.set(accountId, p)
  return p
}

async function renew(accountId: MailboxId, now: number): Promise<string> {
  const [account, secret] = await Promise.all([db().accounts.get(accountId), db().secrets.get(accountId)])
  if (!account || account.status === 'disconnected' || !secret) {
    throw new DispatchError('not_connected', `${accountId} is not connected`)
  }
  const msSessionDue = secret.refreshExpiresAt !== undefined && secret.refreshExpiresAt < now
  if (secret.expiresAt - RENEW_MARGIN_MS > now && !msSessionDue && account.status === 'connected') {
    return secret.accessToken
  }
  const c = await clients()
  let tokens: TokenResponse | undefined
  let lastError: DispatchError | undefined
  if (secret.refreshToken && !msSessionDue) {
    try {
      tokens =
        account.provider === 'gmail'
          ? await googleRefresh(c.google(), secret.refreshToken)
          : await microsoftRefresh(c.microsoft(), secret.refreshToken)
    } catch (err) {
      if (!(err instanceof DispatchError)) throw err
      if (err.code === 'network') throw err
      lastError = err
    }
  }
  if (!tokens) {
    try {
      tokens =
        account.provider === 'gmail'
          ? await googleSignIn(c.google(), { interactive: false, loginHint: account.address })
          : await microsoftSignIn(c.microsoft(), { interactive: false, loginHint: account.address })
    } catch (err) {
      const e = err instanceof DispatchError ? err : new DispatchError('auth_failed', String(err))
      // A silent sign-in that needs consent again means the rep removed Dispatch's access.
      const revoked = e.params?.[0] === 'consent_required'
      const final = new DispatchError(revoked ? 'token_revoked' : 'token_expired', lastError?.message ?? e.message)
      await markAccount(accountId, revoked ? 'revoked' : 'expired', final)
      throw final
    }
  }
  const fresh = secretFrom(accountId, tokens, secret)
  await db().transaction('rw', db().accounts, db().secrets, async () => {
    await db().secrets.put(fresh)
    await db().accounts.update(accountId, { status: 'connected', lastError: undefined })
  })
  return fresh.accessToken
}

/** The API said the token is no longer valid (revoked, password change): force a renewal next time. */
export async function invalidateToken(accountId: MailboxId): Promise<void> {
  await db().secrets.update(accountId, { expiresAt: 0 })
}

export async function connectedAccounts(): Promise<Account[]> {
  return (await db().accounts.toArray()).filter((a) => a.status !== 'disconnected')
}
