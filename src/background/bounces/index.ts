/**
 * The scanner in the service worker: the real fetch, tokens and endpoints, a `chrome.alarms`
 * schedule, the 'scan.now' request, and a notification per bounce that opens the options page at
 * the bounce.
 */
import { endpoints } from '../../config.ts'
import { db } from '../../core/db.ts'
import { DispatchError } from '../../core/errors.ts'
import type { BounceRecord, MailboxId } from '../../core/types.ts'
import { accessToken, invalidateToken } from '../accounts.ts'
import { getSettings } from '../settings.ts'
import { type MailboxScanResult, type ScanDeps, scanMailbox } from './scanner.ts'

export const SCAN_ALARM = 'dispatch.scan'
/** Packed extensions get alarms no more often than every 30 s; a few minutes is plenty for bounces. */
export const SCAN_PERIOD_MINUTES = 3
export const BOUNCE_NOTIFICATION_PREFIX = 'dispatch.bounce:'

/** Creates the periodic alarm unless it exists (re-creating would push the next scan back). */
export async function ensureScanAlarm(): Promise<void> {
  const existing = await chrome.alarms.get(SCAN_ALARM)
  if (!existing) await chrome.alarms.create(SCAN_ALARM, { periodInMinutes: SCAN_PERIOD_MINUTES, delayInMinutes: 0.5 })
}

async function notifyBounce(bounce: BounceRecord, subject: string | undefined): Promise<void> {
  const settings = await getSettings()
  if (settings.notifyBounces === false) return
  const title =
    bounce.kind === 'hard'
      ? chrome.i18n.getMessage('notify_bounceHardTitle', bounce.recipient)
      : chrome.i18n.getMessage('notify_bounceSoftTitle', bounce.recipient)
  const reason = bounce.status ? `${bounce.reason} · ${bounce.status}` : bounce.reason
  const message = subject
    ? chrome.i18n.getMessage('notify_bounceMessage', [subject, reason])
    : chrome.i18n.getMessage('notify_bounceMessageNoSubject', reason)
  await chrome.notifications.create(`${BOUNCE_NOTIFICATION_PREFIX}${bounce.id}`, {
    type: 'basic',
    iconUrl: chrome.runtime.getURL('icons/128.png'),
    title: title || bounce.recipient,
    message: message || reason,
    priority: 0,
  })
}

export function workerScanDeps(): ScanDeps {
  return {
    fetch: (input, init) => fetch(input, init),
    token: (mailboxId) => accessToken(mailboxId),
    invalidate: (mailboxId) => invalidateToken(mailboxId),
    endpoints: { gmailApi: endpoints.gmailApi, graphApi: endpoints.graphApi },
    notify: notifyBounce,
  }
}

export interface ScanTotals {
  scanned: number
  bounces: number
  replies: number
}

/**
 * Scans every connected mailbox (or the one asked for). One mailbox failing does not stop the
 * others; its error is kept on its cursor. When a single mailbox was asked for, its error is thrown.
 */
export async function scanConnected(mailboxId?: MailboxId, deps: ScanDeps = workerScanDeps()): Promise<ScanTotals> {
  const accounts = (await db().accounts.toArray()).filter(
    (a) => a.status === 'connected' && (mailboxId === undefined || a.id === mailboxId),
  )
  if (mailboxId !== undefined && accounts.length === 0) {
    throw new DispatchError('not_connected', `${mailboxId} is not a connected mailbox`)
  }
  const totals: ScanTotals = { scanned: 0, bounces: 0, replies: 0 }
  for (const account of accounts) {
    let r: MailboxScanResult
    try {
      r = await scanMailbox(account, deps)
    } catch (err) {
      if (mailboxId !== undefined) throw toDispatchError(err)
      console.warn(`[dispatch] scan of ${account.id} failed`, err)
      continue
    }
    totals.scanned += r.scanned
    totals.bounces += r.bounces
    totals.replies += r.replies
  }
  return totals
}

function toDispatchError(err: unknown): DispatchError {
  if (err instanceof DispatchError) return err
  const message = err instanceof Error ? err.message : String(err)
  const kind = (err as { kind?: string }).kind
  if (kind === 'rate') return new DispatchError('rate_limited', message, undefined, true)
  if (kind === 'auth') return new DispatchError('token_expired', message)
  return new DispatchError('provider_error', message, undefined, true)
}

/** The alarm or a browser start: scan quietly, never throw into the event. */
export function scanInBackground(): void {
  void scanConnected().catch((err) => console.warn('[dispatch] scan failed', err))
}

/** A click on a bounce notification opens the options page at that bounce. */
export function onNotificationClicked(notificationId: string): void {
  if (!notificationId.startsWith(BOUNCE_NOTIFICATION_PREFIX)) return
  const id = notificationId.slice(BOUNCE_NOTIFICATION_PREFIX.length)
  const url = `${chrome.runtime.getURL('src/options/index.html')}#bounce=${encodeURIComponent(id)}`
  void chrome.tabs.create({ url })
  void chrome.notifications.clear(notificationId)
}
