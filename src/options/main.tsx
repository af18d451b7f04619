import { StrictMode, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { Feed } from '../ui/components/Feed.tsx'
import { Failed, Queue } from '../ui/components/Outbox.tsx'
import { TabList } from '../ui/components/Tabs.tsx'
import { t, uiLanguage } from '../ui/i18n.ts'
import { PAGE_CSS } from '../ui/page.css.ts'
import { Analytics } from './Analytics.tsx'
import { Campaigns } from './Campaigns.tsx'
import { Connections } from './Connections.tsx'
import { EmailSettings } from './EmailSettings.tsx'
import { Sending } from './Sending.tsx'
import { BounceDetail, SendDetail } from './Details.tsx'
import { Templates } from './Templates.tsx'

const TABS = ['connections', 'email', 'sending', 'templates', 'campaigns', 'analytics', 'activity', 'outbox'] as const
type Tab = (typeof TABS)[number]

/**
 * The page's address says what is open, so feed links and notifications can point at one item:
 * `#send=<outbox id>` (Outbox), `#bounce=<bounce id>` (Activity), `#campaign=<id>` (Campaigns).
 */
interface Route {
  tab: Tab
  send?: string
  bounce?: string
  campaign?: string
}

function param(h: string, name: string): string | undefined {
  if (!h.startsWith(`${name}=`)) return undefined
  try {
    return decodeURIComponent(h.slice(name.length + 1))
  } catch {
    return undefined
  }
}

function routeFromHash(): Route {
  const h = location.hash.slice(1)
  const send = param(h, 'send')
  if (send) return { tab: 'outbox', send }
  const bounce = param(h, 'bounce')
  if (bounce) return { tab: 'activity', bounce }
  const campaign = param(h, 'campaign')
  if (campaign) return { tab: 'campaigns', campaign }
  return { tab: (TABS as readonly string[]).includes(h) ? (h as Tab) : 'connections' }
}

function go(hash: string) {
  if (location.hash !== `#${hash}`) location.hash = hash
}

function Options() {
  const [route, setRoute] = useState<Route>(routeFromHash)
  const tab = route.tab
  useEffect(() => {
    const on = () => setRoute(routeFromHash())
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  useEffect(() => {
    // An item opened from a link gets the focus, so keyboard and screen-reader users land on it.
    if (route.send || route.bounce || route.campaign)
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[role=tabpanel] h2[tabindex]')?.focus())
  }, [route.send, route.bounce, route.campaign])
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
          setRoute({ tab: id })
          history.replaceState(null, '', `#${id}`)
        }}
        tabs={TABS.map((id) => ({ id, label: t(`options_tab_${id}`) }))}
      />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'connections' && <Connections />}
        {tab === 'email' && <EmailSettings />}
        {tab === 'sending' && <Sending />}
        {tab === 'templates' && <Templates />}
        {tab === 'campaigns' && (
          <Campaigns
            openId={route.campaign ?? null}
            onOpen={(id) => go(id ? `campaign=${encodeURIComponent(id)}` : 'campaigns')}
          />
        )}
        {tab === 'analytics' && <Analytics />}
        {tab === 'activity' && (
          <>
            {route.bounce && <BounceDetail id={route.bounce} onClose={() => go('activity')} />}
            <Feed />
          </>
        )}
        {tab === 'outbox' && (
          <>
            {route.send && <SendDetail id={route.send} onClose={() => go('outbox')} />}
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
.options { max-width: 920px; margin: 0 auto; padding: 20px 24px 60px; }
label.option { font-weight: normal; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin: 6px 0; }
label.option:has(input:disabled) { opacity: .7; }
[role=tabpanel] h2[tabindex] { outline-offset: 4px; }`
document.head.append(style)
document.documentElement.lang = uiLanguage()
document.title = t('options_title')
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Options />
  </StrictMode>,
)
