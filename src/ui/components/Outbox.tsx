import { useState } from 'react'
import { db } from '../../core/db.ts'
import type { Account, ErrorInfo, OutboxRow } from '../../core/types.ts'
import { errorText, formatRelative, formatTime, t } from '../i18n.ts'
import { useLive } from '../live.ts'
import { call, RequestFailed } from '../messaging.ts'

function useAction() {
  const [error, setError] = useState<ErrorInfo | null>(null)
  const run = async (fn: () => Promise<unknown>) => {
    setError(null)
    try {
      await fn()
    } catch (err) {
      setError(err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) })
    }
  }
  return { error, run }
}

function recipientsOf(r: OutboxRow): string {
  const all = [...r.message.to, ...r.message.cc, ...r.message.bcc]
  return all.length > 2 ? `${all.slice(0, 2).join(', ')} +${all.length - 2}` : all.join(', ')
}

/** Queued and sending messages per mailbox, with their ETA and Cancel. */
export function Queue() {
  const rows = useLive(
    async () => {
      const [queued, sending] = await Promise.all([
        db().outbox.where('state').equals('queued').toArray(),
        db().outbox.where('state').equals('sending').toArray(),
      ])
      return [...sending, ...queued].sort(
        (a, b) => Math.max(a.nextAttemptAt, a.notBefore) - Math.max(b.nextAttemptAt, b.notBefore),
      )
    },
    'queue',
    [] as OutboxRow[],
  )
  const accounts = useLive(() => db().accounts.toArray(), 'accounts', [] as Account[])
  const { error, run } = useAction()
  const byMailbox = new Map<string, OutboxRow[]>()
  for (const r of rows) byMailbox.set(r.mailboxId, [...(byMailbox.get(r.mailboxId) ?? []), r])
  const nameOf = (id: string) => accounts.find((a) => a.id === id)?.address ?? t(`mailbox_${id.split(':')[0]}`)

  return (
    <section aria-label={t('queue_title')} data-dispatch="queue">
      <p className="muted small">{t('queue_browserRunning')}</p>
      {error && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
      {rows.length === 0 && <p data-dispatch="queue-empty">{t('queue_empty')}</p>}
      {[...byMailbox].map(([mailbox, list]) => (
        <section key={mailbox} aria-label={nameOf(mailbox)}>
          <h3>
            {nameOf(mailbox)} <span className="badge">{list.length}</span>
          </h3>
          <ul className="list">
            {list.map((r) => {
              const eta = Math.max(r.nextAttemptAt, r.notBefore)
              return (
                <li key={r.id} data-outbox-id={r.id} data-state={r.state}>
                  <div>
                    <strong>{r.message.subject || t('toast_noSubject')}</strong>
                  </div>
                  <div className="small">{recipientsOf(r)}</div>
                  <div className="row small muted">
                    {r.state === 'sending'
                      ? t('toast_sending')
                      : t('queue_eta', [formatTime(eta), formatRelative(eta)])}
                    {r.error && <span className="warn">{errorText(r.error)}</span>}
                    {r.state === 'queued' && (
                      <button
                        type="button"
                        onClick={() => run(() => call('outbox.cancel', { id: r.id }))}
                        data-dispatch="cancel"
                      >
                        {t('queue_cancel')}
                      </button>
                    )}
                  </div>
                </li>
              )
            })}
          </ul>
        </section>
      ))}
    </section>
  )
}

/** Sends that failed for good, with the provider's reason and Resend. */
export function Failed() {
  const rows = useLive(
    () => db().outbox.where('state').equals('failed').reverse().sortBy('createdAt'),
    '',
    [] as OutboxRow[],
  )
  const { error, run } = useAction()
  return (
    <section aria-label={t('failed_title')} data-dispatch="failed">
      {error && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
      {rows.length === 0 && <p data-dispatch="failed-empty">{t('failed_empty')}</p>}
      <ul className="list">
        {rows.map((r) => (
          <li key={r.id} data-outbox-id={r.id}>
            <div>
              <strong>{r.message.subject || t('toast_noSubject')}</strong>
            </div>
            <div className="small">{recipientsOf(r)}</div>
            {r.error && (
              <div className="error small" data-dispatch="failed-error">
                {errorText(r.error)}
                {r.error.message && errorText(r.error) !== r.error.message && (
                  <div className="muted">{r.error.message}</div>
                )}
              </div>
            )}
            <div className="row small">
              <span className="muted">{formatTime(r.log.at(-1)?.at ?? r.createdAt)}</span>
              <button
                type="button"
                onClick={() => run(() => call('outbox.resend', { id: r.id }))}
                data-dispatch="resend"
              >
                {t('failed_resend')}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}
