import type { ContextChangedPush, OutboxChangedPush, OutboxStatus } from '../core/messages.ts'
import type { OutboxRow } from '../core/types.ts'

export function statusOf(row: OutboxRow): OutboxStatus {
  const s: OutboxStatus = { id: row.id, state: row.state }
  if (row.state === 'queued') s.eta = Math.max(row.nextAttemptAt, row.notBefore)
  if (row.error) s.error = row.error
  if (row.sentAt) s.sentAt = row.sentAt
  return s
}

/** Tells the compose tab that asked for a send how it is going (drives the page toast). */
export function pushStatus(row: OutboxRow): void {
  if (row.tabId === undefined) return
  const push: OutboxChangedPush = { type: 'push.outbox', status: statusOf(row), composeId: row.composeId }
  // The tab may be gone or navigated away: the state is in the outbox either way.
  chrome.tabs.sendMessage(row.tabId, push).catch(() => undefined)
}

/**
 * Tells every tab's sidebars that a mailbox was connected, disconnected or lost its sign-in. Tabs
 * without Dispatch's content script simply do not answer.
 */
export async function broadcastContextChanged(): Promise<void> {
  const push: ContextChangedPush = { type: 'push.context' }
  const tabs = await chrome.tabs.query({}).catch(() => [] as chrome.tabs.Tab[])
  for (const tab of tabs) if (tab.id !== undefined) chrome.tabs.sendMessage(tab.id, push).catch(() => undefined)
}
