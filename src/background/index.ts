import { buildKind } from '../config.ts'
import { db } from '../core/db.ts'
import { installBenchGlobals } from './bench-hooks.ts'
import { ensureScanAlarm, onNotificationClicked, SCAN_ALARM, scanInBackground } from './bounces/index.ts'
import { onCampaignAlarm, startCampaigns } from './campaigns/index.ts'
import { installTestGlobals } from './campaigns/test-hooks.ts'
import { refreshBadge } from './feed/feed.ts'
import { handlers } from './handlers.ts'
import { ALARM, kick } from './outbox/scheduler.ts'
import { createRouter } from './router.ts'

/**
 * The service worker. Every listener is registered synchronously at the top level so Chrome can
 * wake the worker for any of them; all state lives in IndexedDB, so a worker killed at any instant
 * resumes from the database on the next event.
 */
const route = createRouter(handlers, chrome.runtime.id)
if (buildKind !== 'production') {
  installTestGlobals()
  installBenchGlobals()
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  route(message, sender).then(sendResponse, (err) =>
    sendResponse({ ok: false, error: { code: 'internal', message: String(err) } }),
  )
  return true
})

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) void kick()
  else onCampaignAlarm(alarm.name)
})

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === SCAN_ALARM) scanInBackground()
})

chrome.notifications.onClicked.addListener(onNotificationClicked)

chrome.runtime.onStartup.addListener(() => {
  void kick()
  scanInBackground()
})

chrome.runtime.onInstalled.addListener(() => {
  void refreshBadge()
  void kick()
})

// Every start of the worker recomputes what is due (a killed worker may have left work behind).
void db()
  .open()
  .then(() => {
    void kick()
    startCampaigns()
    void ensureScanAlarm().catch((err) => console.warn('[dispatch] scan alarm', err))
  })
  .catch((err) => console.error('[dispatch] database failed to open', err))
