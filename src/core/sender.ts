import type { HostKind } from './types.ts'

/** The host pages Dispatch's content scripts run in, and which host each one is. */
export const HOST_ORIGINS: Readonly<Record<string, HostKind>> = {
  'https://mail.google.com': 'gmail',
  'https://outlook.office.com': 'outlook',
  'https://outlook.office365.com': 'outlook',
  'https://outlook.live.com': 'outlook',
}

export type SenderInfo =
  { kind: 'page'; url: string } | { kind: 'content'; host: HostKind; origin: string; url: string; tabId: number }

/** The subset of chrome.runtime.MessageSender the check reads (easy to forge in tests). */
export interface RawSender {
  id?: string
  url?: string
  origin?: string
  frameId?: number
  tab?: { id?: number; url?: string }
}

function originOf(url: string | undefined): string | null {
  if (!url) return null
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

/**
 * Who sent a message, or null when it must be refused. Extension pages are trusted; content scripts
 * only from the top frame of a tab on one of the four host origins, where the frame's own origin and
 * the tab's origin agree (the plugin rule reads the host from here, never from the payload).
 */
export function classifySender(sender: RawSender, extensionId: string): SenderInfo | null {
  if (!sender || sender.id !== extensionId) return null
  const extensionOrigin = `chrome-extension://${extensionId}`
  const frameOrigin = sender.origin ?? originOf(sender.url)
  // Not every URL parser gives chrome-extension:// URLs an origin, so compare the prefix.
  const fromExtension = sender.origin
    ? sender.origin === extensionOrigin
    : (sender.url ?? '').startsWith(`${extensionOrigin}/`)
  if (fromExtension) {
    return { kind: 'page', url: sender.url ?? extensionOrigin }
  }
  if (!sender.tab || typeof sender.tab.id !== 'number' || sender.tab.id < 0) return null
  if (sender.frameId !== undefined && sender.frameId !== 0) return null
  if (!frameOrigin || !Object.hasOwn(HOST_ORIGINS, frameOrigin)) return null
  const tabOrigin = originOf(sender.tab.url)
  // The tab URL is absent only without the "tabs" permission on a non-host tab; a content script's
  // tab is always a host tab, so a mismatch means something is off: refuse.
  if (tabOrigin !== null && tabOrigin !== frameOrigin) return null
  return {
    kind: 'content',
    host: HOST_ORIGINS[frameOrigin]!,
    origin: frameOrigin,
    url: sender.tab.url ?? sender.url ?? frameOrigin,
    tabId: sender.tab.id,
  }
}
