import { db } from '../../core/db.ts'
import type { FeedEvent } from '../../core/types.ts'

/** Keep the feed bounded: events older than this, or beyond the count, are pruned. */
export const FEED_RETENTION_MS = 90 * 24 * 3600_000
export const FEED_MAX_EVENTS = 5000

/**
 * Adds an event to the live feed. The popup reads the feed table live (Dexie liveQuery across
 * contexts), so storing is all it takes to show up; the badge shows the unread count.
 */
export async function emit(event: Omit<FeedEvent, 'id' | 'read'>): Promise<number> {
  const id = (await db().feed.add({ ...event, read: 0 })) as number
  await refreshBadge()
  return id
}

export async function unreadCount(): Promise<number> {
  return db().feed.where('[read+at]').between([0, -Infinity], [0, Infinity]).count()
}

export async function refreshBadge(): Promise<void> {
  const n = await unreadCount()
  try {
    await chrome.action.setBadgeBackgroundColor({ color: '#c5221f' })
    await chrome.action.setBadgeText({ text: n === 0 ? '' : n > 99 ? '99+' : String(n) })
  } catch {
    // No action API (unit tests): the count is still in the database.
  }
}

export async function markRead(ids: number[]): Promise<void> {
  await db().feed.where('id').anyOf(ids).modify({ read: 1 })
  await refreshBadge()
}

export async function markAllRead(): Promise<void> {
  await db().feed.where('[read+at]').between([0, -Infinity], [0, Infinity]).modify({ read: 1 })
  await refreshBadge()
}

export async function pruneFeed(now = Date.now()): Promise<number> {
  let removed = await db()
    .feed.where('at')
    .below(now - FEED_RETENTION_MS)
    .delete()
  const count = await db().feed.count()
  if (count > FEED_MAX_EVENTS) {
    const oldest = await db()
      .feed.orderBy('at')
      .limit(count - FEED_MAX_EVENTS)
      .primaryKeys()
    await db().feed.bulkDelete(oldest)
    removed += oldest.length
  }
  return removed
}
