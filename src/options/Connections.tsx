import { useState } from 'react'
import { db } from '../core/db.ts'
import type { Account, ErrorInfo, Provider } from '../core/types.ts'
import { errorText, formatTime, t } from '../ui/i18n.ts'
import { useLive } from '../ui/live.ts'
import { call, RequestFailed } from '../ui/messaging.ts'

/** Email Connection: the rep's Gmail and Outlook mailboxes, their sign-in state, connect and disconnect. */
export function Connections() {
  const accounts = useLive(() => db().accounts.toArray(), '', [] as Account[])
  const [busy, setBusy] = useState<Provider | string | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const run = async (key: string, fn: () => Promise<unknown>) => {
    setBusy(key)
    setError(null)
    try {
      await fn()
    } catch (err) {
      setError(err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) })
    } finally {
      setBusy(null)
    }
  }
  const active = accounts.filter((a) => a.status !== 'disconnected')
  return (
    <section aria-labelledby="conn-h" data-dispatch="connections">
      <h2 id="conn-h">{t('options_connections')}</h2>
      <p className="muted">{t('options_connectionsHelp')}</p>
      {error && (
        <p className="error" role="alert" data-dispatch="connect-error">
          {errorText(error)}
        </p>
      )}
      <div className="row">
        <button
          type="button"
          className="primary"
          data-dispatch="connect-gmail"
          disabled={busy !== null}
          onClick={() => run('gmail', () => call('auth.connectProvider', { provider: 'gmail' }))}
        >
          {busy === 'gmail' ? t('sidebar_connecting') : t('sidebar_connectGmail')}
        </button>
        <button
          type="button"
          className="primary"
          data-dispatch="connect-outlook"
          disabled={busy !== null}
          onClick={() => run('exchange', () => call('auth.connectProvider', { provider: 'exchange' }))}
        >
          {busy === 'exchange' ? t('sidebar_connecting') : t('sidebar_connectOutlook')}
        </button>
      </div>
      <p className="muted small">{t('options_onPremNote')}</p>
      {active.length === 0 ? (
        <p data-dispatch="no-accounts">{t('options_noAccounts')}</p>
      ) : (
        <ul className="list">
          {active.map((a) => (
            <li key={a.id} data-account={a.address} data-status={a.status}>
              <div className="row" style={{ justifyContent: 'space-between' }}>
                <div>
                  <strong>{a.address}</strong> <span className="badge">{t(`plan_${a.plan.replace(/-/g, '_')}`)}</span>
                  <div className={a.status === 'connected' ? 'ok small' : 'warn small'}>
                    {t(`account_status_${a.status}`)} · {t('options_connectedSince', formatTime(a.connectedAt))}
                  </div>
                  {a.lastError && a.status !== 'connected' && <div className="small">{errorText(a.lastError)}</div>}
                </div>
                <div className="row">
                  {a.status !== 'connected' && (
                    <button
                      type="button"
                      disabled={busy !== null}
                      onClick={() =>
                        run(a.id, () => call('auth.connectProvider', { provider: a.provider, loginHint: a.address }))
                      }
                    >
                      {t('options_reconnect')}
                    </button>
                  )}
                  <button
                    type="button"
                    disabled={busy !== null}
                    onClick={() => run(a.id, () => call('auth.disconnect', { accountId: a.id }))}
                  >
                    {t('options_disconnect')}
                  </button>
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
