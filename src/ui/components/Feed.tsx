import { useMemo, useState } from 'react'
import { db } from '../../core/db.ts'
import type { FeedEvent } from '../../core/types.ts'
import { formatTime, t, uiLanguage } from '../i18n.ts'
import { useLive } from '../live.ts'
import { call } from '../messaging.ts'

const FEED_PAGE = 200
const OPTIONS_PATH = 'src/options/index.html'

/** The local calendar day of an epoch, as a grouping key. */
function dayKey(at: number): string {
  const d = new Date(at)
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`
}

function dayLabel(at: number, now = Date.now()): string {
  if (dayKey(at) === dayKey(now)) return t('feed_today')
  if (dayKey(at) === dayKey(now - 86_400_000)) return t('feed_yesterday')
  return new Intl.DateTimeFormat(uiLanguage(), { dateStyle: 'full' }).format(new Date(at))
}

/** The options-page address (hash) of what an event concerns: the bounce, the send or the campaign. */
export function eventHash(e: FeedEvent): string {
  if (e.bounceId) return `bounce=${encodeURIComponent(e.bounceId)}`
  if (e.outboxId) return `send=${encodeURIComponent(e.outboxId)}`
  if (e.campaignId) return `campaign=${encodeURIComponent(e.campaignId)}`
  return 'activity'
}

export function eventLink(e: FeedEvent): string {
  return `${chrome.runtime.getURL(OPTIONS_PATH)}#${eventHash(e)}`
}

function inOptionsPage(): boolean {
  return location.pathname.endsWith(`/${OPTIONS_PATH}`)
}

/** Opens what an event concerns: in place inside the options page, else in the options tab. */
async function openEvent(e: FeedEvent): Promise<void> {
  if (e.id !== undefined && e.read === 0) void call('feed.markRead', { ids: [e.id] }).catch(() => undefined)
  if (inOptionsPage()) {
    location.hash = eventHash(e)
    return
  }
  const url = eventLink(e)
  // Reuse an options tab that is already open rather than stacking new ones.
  const base = chrome.runtime.getURL(OPTIONS_PATH)
  const open = await chrome.runtime
    .getContexts({ contextTypes: [chrome.runtime.ContextType.TAB] })
    .then((list) => list.find((c) => c.documentUrl?.startsWith(base) && c.tabId >= 0))
    .catch(() => undefined)
  if (open) {
    await chrome.tabs.update(open.tabId, { url, active: true })
    await chrome.windows.update(open.windowId, { focused: true }).catch(() => undefined)
  } else {
    await chrome.tabs.create({ url })
  }
  if (!inOptionsPage()) window.close()
}

/** Why a person's campaign ended (bounce, reply, soft-bounces, removed), in words. */
export function endReasonText(reason: string | undefined): string {
  const key = `campaigns_reason_${(reason ?? 'removed').replace(/-/g, '_')}`
  const text = t(key)
  return text === key ? t('campaigns_reason_removed') : text
}

function detailText(e: FeedEvent): string | null {
  if (!e.detail) return null
  if (e.kind === 'throttled') return t('feed_throttledUntil', formatTime(Date.parse(e.detail), { timeStyle: 'short' }))
  if (e.kind === 'ended') return t('feed_endedBecause', endReasonText(e.detail))
  if (e.kind === 'queued') return t('feed_queuedFor', formatTime(Date.parse(e.detail)))
  return e.detail
}

/**
 * The live feed: newest first, grouped by day, each event a link to what it concerns. Every text
 * (subjects, NDR wording) comes from mail and is rendered as text by React, never as HTML.
 */
export function Feed({ compact = false }: { compact?: boolean }) {
  const events = useLive(
    () => db().feed.orderBy('at').reverse().limit(FEED_PAGE).toArray(),
    'feed',
    null as FeedEvent[] | null,
  )
  const unread = useLive(
    () => db().feed.where('[read+at]').between([0, -Infinity], [0, Infinity]).count(),
    'feed-unread',
    0,
  )
  const [now] = useState(() => Date.now())
  const groups = useMemo(() => {
    const out: { key: string; label: string; items: FeedEvent[] }[] = []
    for (const e of events ?? []) {
      const key = dayKey(e.at)
      const last = out.at(-1)
      if (last?.key === key) last.items.push(e)
      else out.push({ key, label: dayLabel(e.at, now), items: [e] })
    }
    return out
  }, [events, now])

  if (events === null) return null
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
        <span className="muted small" aria-live="polite" data-dispatch="feed-unread">
          {t('feed_unread', String(unread))}
        </span>
        <button
          type="button"
          className="link"
          onClick={() => void call('feed.markAllRead', {})}
          disabled={unread === 0}
          data-dispatch="feed-mark-all"
        >
          {t('feed_markAllRead')}
        </button>
      </div>
      {groups.map((g) => (
        <section key={g.key} aria-label={g.label}>
          <h3 className="small muted">{g.label}</h3>
          <ul className="list">
            {g.items.map((e) => (
              <li
                key={e.id}
                data-feed-kind={e.kind}
                data-feed-id={e.id}
                data-read={e.read}
                className={e.read ? '' : 'unread'}
              >
                <a
                  href={eventLink(e)}
                  onClick={(ev) => {
                    // Modified clicks keep the browser's own behaviour (new tab, new window).
                    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return
                    ev.preventDefault()
                    void openEvent(e)
                  }}
                >
                  <strong>{t(`feed_kind_${e.kind}`)}</strong>
                  {e.read === 0 && <span className="sr"> ({t('feed_unreadOne')})</span>}
                </a>{' '}
                <span className="muted small">{formatTime(e.at, { timeStyle: 'short' })}</span>
                {e.recipient && <div className={compact ? 'small' : ''}>{e.recipient}</div>}
                {e.subject && <div className="muted small">{e.subject}</div>}
                {detailText(e) && <div className="small">{detailText(e)}</div>}
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
