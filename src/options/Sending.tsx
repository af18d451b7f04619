import { useEffect, useState } from 'react'
import { db } from '../core/db.ts'
import type { SendLimits, SendWindow } from '../core/limits.ts'
import { mergeSettings } from '../core/settings.ts'
import type { BudgetSnapshot } from '../core/throttle.ts'
import type { Account, ErrorInfo } from '../core/types.ts'
import { limitsForMailbox } from '../background/mailboxes.ts'
import { readBudget } from '../background/outbox/budget.ts'
import { errorText, t } from '../ui/i18n.ts'
import { useLive } from '../ui/live.ts'
import { call, RequestFailed } from '../ui/messaging.ts'
import { LockedNote, usePolicy } from './EmailSettings.tsx'

/**
 * Sending: each connected mailbox's limits and what is left of them now, the admin's Email
 * Connection Throttling card (this page is its fallback when no enterprise policy sets it; it can
 * only make sending slower), and the rep's own preferences.
 */

function windowText(w: SendWindow): string {
  const unit = t(w.counts === 'recipients' ? 'sending_unitRecipients' : 'sending_unitMessages')
  if (w.kind === 'batch') return t('sending_windowBatch', [w.max, Math.round(w.windowMs / 1000)])
  return t(`sending_window_${w.kind}`, [w.max, unit])
}

function MailboxLimits({ account, limits }: { account: Account; limits: SendLimits }) {
  const [budget, setBudget] = useState<BudgetSnapshot | null>(null)
  useEffect(() => {
    let live = true
    const read = () =>
      void readBudget(db(), account.id, limits, Date.now()).then((b) => {
        if (live) setBudget(b)
      })
    read()
    const timer = setInterval(read, 5000)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [account.id, limits])
  return (
    <li data-dispatch="mailbox-limits" data-account={account.address}>
      <strong>{account.address}</strong> <span className="badge">{t(`plan_${account.plan.replace(/-/g, '_')}`)}</span>
      <ul className="small">
        <li>{t('sending_perMessage', String(limits.perMessageRecipients))}</li>
        {limits.windows.map((w) => (
          <li key={`${w.kind}-${w.windowMs}`}>{windowText(w)}</li>
        ))}
      </ul>
      {budget && (
        <p className="small" aria-live="polite">
          {t('sidebar_budget', [budget.minuteRemaining, budget.dayRemaining])}
        </p>
      )}
    </li>
  )
}

export function Sending() {
  const policy = usePolicy()
  const rows = useLive(() => db().settings.toArray(), 'settings', [] as { key: string; value: unknown }[])
  const accounts = useLive(() => db().accounts.toArray(), 'accounts', [] as Account[])
  const { settings, locked } = mergeSettings(policy, Object.fromEntries(rows.map((r) => [r.key, r.value])))
  const throttleLocked = locked.includes('throttle')
  const stored = settings.throttle ?? { enabled: false, batchSize: 25, waitSeconds: 45 }
  const [draft, setDraft] = useState<typeof stored | null>(null)
  const card = draft ?? stored
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [saved, setSaved] = useState(false)

  const save = async (patch: Record<string, unknown>) => {
    setError(null)
    setSaved(false)
    try {
      await call('settings.set', { patch })
      setDraft(null)
      setSaved(true)
    } catch (err) {
      setError(err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) })
    }
  }
  const connected = accounts.filter((a) => a.status !== 'disconnected')

  return (
    <section aria-labelledby="sending-h" data-dispatch="sending">
      <h2 id="sending-h">{t('sending_title')}</h2>
      <p className="muted">{t('queue_browserRunning')}</p>
      {connected.length === 0 ? (
        <p>{t('options_noAccounts')}</p>
      ) : (
        <ul className="list">
          {connected.map((a) => (
            <MailboxLimits key={a.id} account={a} limits={limitsForMailbox(a.id, a, settings)} />
          ))}
        </ul>
      )}

      <div className="card" data-dispatch="throttle-card">
        <h3>{t('sending_throttleTitle')}</h3>
        <p className="small muted">{t('sending_throttleHelp')}</p>
        <LockedNote locked={throttleLocked} />
        <label className="row" style={{ fontWeight: 400 }}>
          <input
            type="checkbox"
            checked={card.enabled}
            disabled={throttleLocked}
            onChange={(e) => setDraft({ ...card, enabled: e.target.checked })}
            data-dispatch="throttle-enabled"
          />
          {t('sending_throttleEnable')}
        </label>
        <div className="row">
          <label htmlFor="throttle-batch">{t('sending_batchSize')}</label>
          <input
            id="throttle-batch"
            type="number"
            min={1}
            max={10000}
            value={card.batchSize}
            disabled={throttleLocked || !card.enabled}
            onChange={(e) => setDraft({ ...card, batchSize: Number(e.target.value) })}
            style={{ width: 90 }}
          />
          <label htmlFor="throttle-wait">{t('sending_waitSeconds')}</label>
          <input
            id="throttle-wait"
            type="number"
            min={1}
            max={86400}
            value={card.waitSeconds}
            disabled={throttleLocked || !card.enabled}
            onChange={(e) => setDraft({ ...card, waitSeconds: Number(e.target.value) })}
            style={{ width: 90 }}
          />
        </div>
        {card.enabled && <p className="small">{t('sending_throttleSummary', [card.batchSize, card.waitSeconds])}</p>}
        {!throttleLocked && (
          <button
            type="button"
            className="primary"
            disabled={!draft}
            onClick={() =>
              save({
                throttle: {
                  enabled: card.enabled,
                  batchSize: Math.round(card.batchSize),
                  waitSeconds: Math.round(card.waitSeconds),
                },
              })
            }
          >
            {t('options_save')}
          </button>
        )}
      </div>

      <div className="card">
        <h3>{t('sending_preferences')}</h3>
        <label className="row" style={{ fontWeight: 400 }}>
          <input
            type="checkbox"
            checked={settings.interceptNativeSend === true}
            onChange={(e) => void save({ interceptNativeSend: e.target.checked })}
            data-dispatch="intercept-native-send"
          />
          {t('sending_interceptNativeSend')}
        </label>
        <label className="row" style={{ fontWeight: 400 }}>
          <input
            type="checkbox"
            checked={settings.notifyBounces !== false}
            onChange={(e) => void save({ notifyBounces: e.target.checked })}
          />
          {t('sending_notifyBounces')}
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
      {saved && !error && (
        <p className="ok" role="status">
          {t('sending_saved')}
        </p>
      )}
    </section>
  )
}
