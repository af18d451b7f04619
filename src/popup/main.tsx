import { StrictMode, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { db } from '../core/db.ts'
import type { Account } from '../core/types.ts'
import { Feed } from '../ui/components/Feed.tsx'
import { Failed, Queue } from '../ui/components/Outbox.tsx'
import { TabList } from '../ui/components/Tabs.tsx'
import { t, uiLanguage } from '../ui/i18n.ts'
import { useLive } from '../ui/live.ts'
import { PAGE_CSS } from '../ui/page.css.ts'

type Tab = 'activity' | 'queue' | 'failed'

const optionsUrl = (hash: string) => `${chrome.runtime.getURL('src/options/index.html')}#${hash}`

function Popup() {
  const [tab, setTab] = useState<Tab>('activity')
  const accounts = useLive(() => db().accounts.toArray(), 'accounts', [] as Account[])
  const counts = useLive(
    async () => ({
      queued: await db().outbox.where('state').equals('queued').count(),
      failed: await db().outbox.where('state').equals('failed').count(),
    }),
    '',
    { queued: 0, failed: 0 },
  )
  const connected = accounts.filter((a) => a.status !== 'disconnected')
  return (
    <main className="popup">
      <header className="row" style={{ justifyContent: 'space-between' }}>
        <h1>{t('extName')}</h1>
        <nav className="row" aria-label={t('popup_settings')}>
          <a href={optionsUrl('campaigns')} target="_blank" rel="noreferrer">
            {t('popup_campaigns')}
          </a>
          <a href={optionsUrl('analytics')} target="_blank" rel="noreferrer" data-dispatch="popup-analytics">
            {t('popup_analytics')}
          </a>
          <button type="button" className="link" onClick={() => chrome.runtime.openOptionsPage()}>
            {t('popup_settings')}
          </button>
        </nav>
      </header>
      {connected.length === 0 ? (
        <p className="warn" data-dispatch="no-mailbox">
          {t('popup_noMailbox')}{' '}
          <button type="button" className="link" onClick={() => chrome.runtime.openOptionsPage()}>
            {t('popup_connect')}
          </button>
        </p>
      ) : (
        <ul className="mailboxes small" aria-label={t('popup_mailboxes')} data-dispatch="popup-mailboxes">
          {connected.map((a) => (
            <li key={a.id} data-account={a.address} data-status={a.status}>
              <span className={`dot ${a.status === 'connected' ? 'on' : 'off'}`} aria-hidden="true" />
              <span className="muted">{t(`channel_${a.provider}`)}</span> {a.address}
              {a.status !== 'connected' && (
                <>
                  {' — '}
                  <a className="warn" href={optionsUrl('connections')} target="_blank" rel="noreferrer">
                    {t(`account_status_${a.status}`)}
                  </a>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <TabList
        label={t('popup_tabs')}
        current={tab}
        onChange={setTab}
        tabs={[
          { id: 'activity', label: t('popup_tab_activity') },
          { id: 'queue', label: `${t('popup_tab_queue')}${counts.queued ? ` (${counts.queued})` : ''}` },
          { id: 'failed', label: `${t('popup_tab_failed')}${counts.failed ? ` (${counts.failed})` : ''}` },
        ]}
      />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="panel">
        {tab === 'activity' && <Feed compact />}
        {tab === 'queue' && <Queue />}
        {tab === 'failed' && <Failed />}
      </div>
    </main>
  )
}

const style = document.createElement('style')
style.textContent = `${PAGE_CSS}
body { width: 380px; min-height: 420px; }
.popup { padding: 12px 14px; }
.panel { max-height: 480px; overflow: auto; padding-top: 6px; }
li.unread { border-left: 3px solid var(--accent); padding-left: 8px; }
.mailboxes { list-style: none; padding: 0; margin: 4px 0 8px; }
.mailboxes li { padding: 2px 0; overflow-wrap: anywhere; }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; vertical-align: middle; }
.dot.on { background: #188038; } .dot.off { background: #e37400; }`
document.head.append(style)
document.documentElement.lang = uiLanguage()
document.title = t('extName')
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Popup />
  </StrictMode>,
)
