import type { ContextChangedPush, OutboxChangedPush, OutboxStatus } from '../../core/messages.ts'
import { errorText, formatRelative, formatTime, t } from '../../ui/i18n.ts'
import { call } from '../../ui/messaging.ts'
import { TOAST_CSS } from './styles.ts'

/**
 * The page toast that follows a send after its compose has closed (⚑ contract 7): one host element
 * `data-dispatch="toast"` per page; each send is an item carrying `data-dispatch="state"` and
 * `data-state`. Fed by worker pushes, with a slow poll as a safety net (a push can be lost when
 * the worker restarts).
 */

const SENT_VISIBLE_MS = 6000
const QUEUED_VISIBLE_MS = 15_000
const POLL_MS = 4000

interface Item {
  el: HTMLElement
  text: HTMLElement
  /** Why a queued send is waiting after a failed attempt (offline, signed out, provider busy). */
  detail: HTMLElement
  subject: string
  status: OutboxStatus
  hideTimer?: ReturnType<typeof setTimeout>
}

const items = new Map<string, Item>()
let host: HTMLElement | null = null
let list: HTMLElement | null = null
let poll: ReturnType<typeof setInterval> | undefined

function ensureHost(): HTMLElement {
  if (host?.isConnected && list) return list
  host = document.createElement('div')
  host.setAttribute('data-dispatch', 'toast')
  const shadow = host.attachShadow({ mode: 'open' })
  const style = document.createElement('style')
  style.textContent = TOAST_CSS
  list = document.createElement('div')
  list.className = 'tst'
  list.setAttribute('role', 'status')
  list.setAttribute('aria-live', 'polite')
  shadow.append(style, list)
  document.body.append(host)
  return list
}

function label(s: OutboxStatus): string {
  switch (s.state) {
    case 'queued':
      if (s.eta && s.eta > Date.now() + 2000)
        return t('toast_queued', [formatTime(s.eta, { timeStyle: 'short' }), formatRelative(s.eta)])
      return t('toast_queuedNow')
    case 'sending':
      return t('toast_sending')
    case 'sent':
      return t('toast_sent')
    case 'failed':
      return t('toast_failed', s.error ? errorText(s.error) : '')
    case 'cancelled':
      return t('toast_cancelled')
    default:
      return s.state
  }
}

function remove(id: string) {
  const item = items.get(id)
  if (!item) return
  clearTimeout(item.hideTimer)
  item.el.remove()
  items.delete(id)
  if (items.size === 0) {
    clearInterval(poll)
    poll = undefined
    host?.remove()
    host = null
    list = null
  }
}

function render(item: Item) {
  const s = item.status
  // The contract's states; a cancelled send shows as idle.
  item.el.setAttribute('data-state', s.state === 'cancelled' || s.state === 'ended' ? 'idle' : s.state)
  item.text.textContent = label(s)
  const why = s.state === 'queued' && s.error ? errorText(s.error) : ''
  item.detail.textContent = why
  item.detail.hidden = !why
  clearTimeout(item.hideTimer)
  if (s.state === 'sent' || s.state === 'cancelled') item.hideTimer = setTimeout(() => remove(s.id), SENT_VISIBLE_MS)
  // A long wait hides after a while (the popup lists the queue); a wait caused by a problem stays until dismissed.
  if (s.state === 'queued' && !s.error && s.eta && s.eta > Date.now() + 60_000) {
    item.hideTimer = setTimeout(() => remove(s.id), QUEUED_VISIBLE_MS)
  }
}

export function showSend(status: OutboxStatus, subject: string): void {
  const parent = ensureHost()
  let item = items.get(status.id)
  if (!item) {
    const el = document.createElement('div')
    el.className = 'tst-item'
    el.setAttribute('data-dispatch', 'state')
    el.setAttribute('data-outbox-id', status.id)
    const text = document.createElement('span')
    text.className = 'tst-text'
    const detail = document.createElement('span')
    detail.className = 'tst-detail'
    detail.setAttribute('data-dispatch', 'toast-detail')
    detail.hidden = true
    const subj = document.createElement('span')
    subj.className = 'tst-subject'
    // Subjects are shown as text, never as markup.
    subj.textContent = subject || t('toast_noSubject')
    const wrap = document.createElement('span')
    wrap.className = 'tst-text'
    wrap.append(text, detail, subj)
    const close = document.createElement('button')
    close.className = 'tst-close'
    close.type = 'button'
    close.textContent = '×'
    close.setAttribute('aria-label', t('toast_dismiss'))
    close.addEventListener('click', () => remove(status.id))
    el.append(wrap, close)
    parent.append(el)
    item = { el, text, detail, subject, status }
    items.set(status.id, item)
  }
  item.status = status
  render(item)
  poll ??= setInterval(() => void refresh(), POLL_MS)
}

async function refresh() {
  const open = [...items.values()].filter((i) => i.status.state === 'queued' || i.status.state === 'sending')
  if (open.length === 0) return
  try {
    for (const s of await call('outbox.status', { ids: open.map((i) => i.status.id) })) update(s)
  } catch {
    // The next poll or push will catch up.
  }
}

function update(status: OutboxStatus) {
  const item = items.get(status.id)
  if (!item) return
  item.status = status
  render(item)
}

/** Worker pushes: only from this extension's worker (no tab), only the push type. */
export function listenForPushes(): void {
  chrome.runtime.onMessage.addListener((message: unknown, sender) => {
    if (sender.id !== chrome.runtime.id || sender.tab) return
    const push = message as Partial<OutboxChangedPush> | Partial<ContextChangedPush> | null
    if (push?.type === 'push.context') {
      for (const listener of contextListeners) listener()
      return
    }
    if (push?.type !== 'push.outbox' || !push.status || typeof push.status.id !== 'string') return
    update(push.status)
  })
}

const contextListeners = new Set<() => void>()

/** Sidebars refresh their mailbox and budget when the worker says a mailbox changed. */
export function onContextChanged(listener: () => void): () => void {
  contextListeners.add(listener)
  return () => contextListeners.delete(listener)
}
