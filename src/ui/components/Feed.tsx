import { useMemo } from 'react'
import { db } from '../../core/db.ts'
import type { FeedEvent } from '../../core/types.ts'
import { formatTime, t, uiLanguage } from '../i18n.ts'
import { useLive } from '../live.ts'
import { call } from '../messaging.ts'

const FEED_PAGE = 200

function dayLabel(at: number): string {
  const d = new Date(at)
  const today = new Date()
  const yesterday = new Date(Date.now() - 86_400_000)
  if (d.toDateString() === today.toDateString()) return t('feed_today')
  if (d.toDateString() === yesterday.toDateString()) return t('feed_yesterday')
  return new Intl.DateTimeFormat(uiLanguage(), { dateStyle: 'full' }).format(d)
}

/** Where a feed event leads: the send, the bounce or the campaign in the options page. */
export function eventLink(e: FeedEvent): string {
  const base = chrome.runtime.getURL('src/options/index.html')
  if (e.bounceId) return `${base}#bounce=${encodeURIComponent(e.bounceId)}`
  if (e.outboxId) return `${base}#send=${encodeURIComponent(e.outboxId)}`
  if (e.campaignId) return `${base}#campaign=${encodeURIComponent(e.campaignId)}`
  return `${base}#activity`
}

/** The live feed: newest first, grouped by day; every text comes from mail and is rendered as text. */
export function Feed({ compact = false }: { compact?: boolean }) {
  const events = useLive(() => db().feed.orderBy('at').reverse().limit(FEED_PAGE).toArray(), '', [] as FeedEvent[])
  const groups = useMemo(() => {
    const out: { day: string; items: FeedEvent[] }[] = []
    for (const e of events) {
      const day = dayLabel(e.at)
      const last = out.at(-1)
      if (last?.day === day) last.items.push(e)
      else out.push({ day, items: [e] })
    }
    return out
  }, [events])
  const unread = events.filter((e) => e.read === 0).length

  if (events.length === 0) {
    return (
      <div className="empty" data-dispatch="feed-empty">
        <p>{t('feed_empty')}</p>
        <p className="muted small">{t('feed_emptyHelp')}</p>
      </div>
    )
  }
  return (
    <section aria-label={t('feed_title')} data-dispatch="feed">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <span className="muted small" aria-live="polite">
          {t('feed_unread', String(unread))}
        </span>
        <button
          type="button"
          className="link"
          onClick={() => void call('feed.markAllRead', {})}
          disabled={unread === 0}
        >
          {t('feed_markAllRead')}
        </button>
      </div>
      {groups.map((g) => (
        <section key={g.day} aria-label={g.day}>
          <h3 className="small muted">{g.day}</h3>
          <ul className="list">
            {g.items.map((e) => (
              <li key={e.id} data-feed-kind={e.kind} data-read={e.read} className={e.read ? '' : 'unread'}>
                <a
                  href={eventLink(e)}
                  target="_blank"
                  rel="noreferrer"
                  onClick={() => e.id !== undefined && void call('feed.markRead', { ids: [e.id] })}
                >
                  <strong>{t(`feed_kind_${e.kind}`)}</strong>
                </a>{' '}
                <span className="muted small">{formatTime(e.at, { timeStyle: 'short' })}</span>
                {e.recipient && <div className={compact ? 'small' : ''}>{e.recipient}</div>}
                {e.subject && <div className="muted small">{e.subject}</div>}
                {e.detail && e.kind !== 'throttled' && <div className="small">{e.detail}</div>}
                {e.kind === 'throttled' && e.detail && (
                  <div className="small">
                    {t('feed_throttledUntil', formatTime(Date.parse(e.detail), { timeStyle: 'short' }))}
                  </div>
                )}
                {e.read === 0 && e.id !== undefined && (
                  <button
                    type="button"
                    className="link small"
                    onClick={() => void call('feed.markRead', { ids: [e.id!] })}
                  >
                    {t('feed_markRead')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </section>
  )
}
