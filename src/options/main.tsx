import { StrictMode, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { Feed } from '../ui/components/Feed.tsx'
import { Failed, Queue } from '../ui/components/Outbox.tsx'
import { TabList } from '../ui/components/Tabs.tsx'
import { t, uiLanguage } from '../ui/i18n.ts'
import { PAGE_CSS } from '../ui/page.css.ts'
import { Connections } from './Connections.tsx'
import { Templates } from './Templates.tsx'

const TABS = ['connections', 'templates', 'activity', 'outbox'] as const
type Tab = (typeof TABS)[number]

function tabFromHash(): Tab {
  const h = location.hash.slice(1)
  if (h.startsWith('send=')) return 'outbox'
  if (h.startsWith('bounce=') || h === 'activity') return 'activity'
  return (TABS as readonly string[]).includes(h) ? (h as Tab) : 'connections'
}

function Options() {
  const [tab, setTab] = useState<Tab>(tabFromHash)
  useEffect(() => {
    const on = () => setTab(tabFromHash())
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return (
    <main className="options">
      <header>
        <h1>{t('options_title')}</h1>
        <p className="muted">{t('options_browserRunning')}</p>
      </header>
      <TabList
        label={t('options_sections')}
        current={tab}
        onChange={(id) => {
          setTab(id)
          history.replaceState(null, '', `#${id}`)
        }}
        tabs={TABS.map((id) => ({ id, label: t(`options_tab_${id}`) }))}
      />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'connections' && <Connections />}
        {tab === 'templates' && <Templates />}
        {tab === 'activity' && <Feed />}
        {tab === 'outbox' && (
          <>
            <h2>{t('queue_title')}</h2>
            <Queue />
            <h2>{t('failed_title')}</h2>
            <Failed />
          </>
        )}
      </div>
    </main>
  )
}

const style = document.createElement('style')
style.textContent = `${PAGE_CSS}
.options { max-width: 920px; margin: 0 auto; padding: 20px 24px 60px; }`
document.head.append(style)
document.documentElement.lang = uiLanguage()
document.title = t('options_title')
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Options />
  </StrictMode>,
)
