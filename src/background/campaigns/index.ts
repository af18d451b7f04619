import { pruneFeed } from '../feed/feed.ts'
import { CAMPAIGN_ALARM, runCampaigns } from './engine.ts'

/**
 * The worker's entry points for campaigns and the feed's upkeep, for index.ts to wire to Chrome's
 * events. Importing this registers the engine's domain-event handlers (bounces, replies, settled
 * sends).
 */

export const FEED_PRUNE_ALARM = 'feed-prune'

/** Handles the campaign and feed alarms; false for anyone else's alarm. */
export function onCampaignAlarm(name: string): boolean {
  if (name === CAMPAIGN_ALARM) void runCampaigns()
  else if (name === FEED_PRUNE_ALARM) void pruneFeed().catch((err) => console.warn('[dispatch] feed pruning', err))
  else return false
  return true
}

/** Keeps the feed bounded: prunes a minute after start and every six hours while the browser runs. */
async function scheduleFeedPruning(): Promise<void> {
  // Re-creating an existing periodic alarm would push it back on every worker start.
  if (!(await chrome.alarms.get(FEED_PRUNE_ALARM))) {
    await chrome.alarms.create(FEED_PRUNE_ALARM, { delayInMinutes: 1, periodInMinutes: 360 })
  }
}

/** Every worker start: catch up on steps that fell due while the browser was closed. */
export function startCampaigns(): void {
  void runCampaigns()
  void scheduleFeedPruning().catch((err) => console.warn('[dispatch] feed pruning alarm', err))
}
