// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { gmailRegistry } from '../gmail/selectors.ts'
import { outlookRegistry } from '../outlook/selectors.ts'
import type { ComposeHandle, HostRegistry } from './compose.ts'
import { type ComposeWatcher, watchComposes } from './compose-watcher.ts'
import { loadFixture, settle } from './fixture-loader.ts'

const GMAIL_URL = 'https://mail.google.com/mail/u/0/#inbox'
const OWA_URL = 'https://outlook.office.com/mail/inbox'

interface Log {
  events: string[]
  live: Set<ComposeHandle>
}

let watcher: ComposeWatcher | null = null

function buttonWithIcon(icon: string, within = 'body'): HTMLElement {
  const button = document.querySelector(`${within} button [data-icon-name="${icon}"]`)?.closest('button')
  if (!button) throw new Error(`no button with icon ${icon}`)
  return button
}

function watch(registry: HostRegistry): Log {
  const log: Log = { events: [], live: new Set() }
  watcher = watchComposes(document, registry, {
    added(h) {
      log.events.push(`added ${h.kind}`)
      log.live.add(h)
    },
    changed(h) {
      log.events.push(`changed ${h.kind}`)
    },
    removed(h) {
      log.events.push(`removed ${h.kind}`)
      log.live.delete(h)
    },
  })
  return log
}

afterEach(() => {
  watcher?.stop()
  watcher = null
})

describe('watchComposes on Gmail', () => {
  it('reports the composes already open when it starts', () => {
    loadFixture('gmail-2026-11-compose-two-popups.html', { url: GMAIL_URL })
    const log = watch(gmailRegistry)
    expect(log.events).toEqual(['added popup', 'added popup'])
    expect(new Set([...log.live].map((h) => h.id)).size).toBe(2)
  })

  it('sees a popup created lazily in div.dw, a second one, and each one closing', async () => {
    const fixture = loadFixture('gmail-2026-11-inbox.html', { url: GMAIL_URL, behaviour: true })
    const log = watch(gmailRegistry)
    expect(log.events).toEqual([])
    ;(document.querySelector('[gh="cm"]') as HTMLElement).click()
    await settle()
    expect(log.events).toEqual(['added popup'])
    const second = String(fixture?.openCompose?.())
    await settle()
    expect(log.events).toEqual(['added popup', 'added popup'])
    fixture?.closeCompose?.(second)
    await settle()
    expect(log.events).toEqual(['added popup', 'added popup', 'removed popup'])
    ;(document.querySelector('[role="dialog"] td.Hm .Ha') as HTMLElement).click()
    await settle()
    expect(log.events.at(-1)).toBe('removed popup')
    expect(log.live.size).toBe(0)
  })

  it('reports a popup going full screen and back as a change of the same compose', async () => {
    const fixture = loadFixture('gmail-2026-11-inbox.html', { url: GMAIL_URL, behaviour: true })
    const log = watch(gmailRegistry)
    const id = String(fixture?.openCompose?.())
    await settle()
    const [handle] = [...log.live]
    fixture?.toggleFullscreen?.(id)
    await settle()
    fixture?.toggleFullscreen?.(id)
    await settle()
    expect(log.events).toEqual(['added popup', 'changed fullscreen', 'changed popup'])
    expect([...log.live]).toEqual([handle])
  })

  it('ignores minimising, and treats a full-screen compose closed while saving as removed', async () => {
    const fixture = loadFixture('gmail-2026-11-compose-fullscreen.html', { url: GMAIL_URL, behaviour: true })
    const log = watch(gmailRegistry)
    fixture?.minimize?.('8', true)
    await settle()
    fixture?.minimize?.('8', false)
    await settle()
    expect(log.events).toEqual(['added fullscreen'])
    fixture?.closeWhileSaving?.('8')
    await settle()
    expect(log.events).toEqual(['added fullscreen', 'removed fullscreen'])
    expect(document.querySelector('.aSt [role="dialog"]')).not.toBeNull()
  })

  it('waits for the inline reply Gmail adds a tick after marking the message, and sees it close', async () => {
    const fixture = loadFixture('gmail-2026-11-thread.html', { url: GMAIL_URL, behaviour: true })
    const log = watch(gmailRegistry)
    ;(document.querySelector('.h7:last-child [role="button"].aaq') as HTMLElement).click()
    await settle()
    expect(log.events).toEqual(['added inline'])
    fixture?.closeReply?.()
    await settle()
    expect(log.events).toEqual(['added inline', 'removed inline'])
  })

  it('does not report a compose briefly detached and re-attached within a frame', async () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: GMAIL_URL })
    const log = watch(gmailRegistry)
    const dialog = document.querySelector('.AD [role="dialog"]') as Element
    const wrapper = dialog.parentElement as Element
    const home = wrapper.parentElement as Element
    wrapper.remove()
    // Re-attached in the frame after the watcher saw it gone (its pass was requested first, so runs first).
    await new Promise<void>((resolve) =>
      requestAnimationFrame(() => {
        home.appendChild(wrapper)
        resolve()
      }),
    )
    await settle(4)
    expect(log.events).toEqual(['added popup'])
  })

  it('finds a compose put into the page by rescan() without waiting for a frame', () => {
    const fixture = loadFixture('gmail-2026-11-inbox.html', { url: GMAIL_URL, behaviour: true })
    const log = watch(gmailRegistry)
    fixture?.openCompose?.()
    watcher?.rescan()
    expect(log.events).toEqual(['added popup'])
  })

  it('stop() reports what is open as removed and then stays silent', async () => {
    const fixture = loadFixture('gmail-2026-11-compose-two-popups.html', { url: GMAIL_URL, behaviour: true })
    const log = watch(gmailRegistry)
    watcher?.stop()
    expect(log.events).toEqual(['added popup', 'added popup', 'removed popup', 'removed popup'])
    fixture?.openCompose?.()
    await settle()
    watcher?.rescan()
    expect(log.events).toHaveLength(4)
  })

  it('keeps going when a listener throws', async () => {
    const fixture = loadFixture('gmail-2026-11-inbox.html', { url: GMAIL_URL, behaviour: true })
    const removed: string[] = []
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    watcher = watchComposes(document, gmailRegistry, {
      added() {
        throw new Error('listener bug')
      },
      changed() {},
      removed(h) {
        removed.push(h.id)
      },
    })
    const id = String(fixture?.openCompose?.())
    await settle()
    fixture?.closeCompose?.(id)
    await settle()
    expect(removed).toHaveLength(1)
    expect(error).toHaveBeenCalled()
    error.mockRestore()
  })
})

describe('watchComposes on Outlook', () => {
  it('sees a new message in the reading pane, an inline reply, and Discard', async () => {
    loadFixture('outlook-2026-11-mail.html', { url: OWA_URL, behaviour: true })
    const log = watch(outlookRegistry)
    buttonWithIcon('ArrowReplyRegular').click()
    await settle()
    ;(document.querySelector('.ribbon button') as HTMLElement).click()
    await settle()
    expect(log.events).toEqual(['added inline', 'added inline'])
    const discard = document
      .querySelector('#docking_InitVisiblePart_0 [data-icon-name="DeleteRegular"]')
      ?.closest('button')
    ;(discard as HTMLElement).click()
    await settle()
    expect(log.events).toEqual(['added inline', 'added inline', 'removed inline'])
    expect([...log.live].map((h) => h.root.id)).toEqual(['docking_InitVisiblePart_1'])
  })
})

describe('watchComposes cost', () => {
  it('handles 10,000 host mutations with one pass per frame, only over added subtrees', async () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: GMAIL_URL })
    const calls = { find: 0, within: 0 }
    const counting: HostRegistry = {
      ...gmailRegistry,
      findComposes(doc) {
        calls.find++
        return gmailRegistry.findComposes(doc)
      },
      composesIn(node) {
        calls.within++
        return gmailRegistry.composesIn(node)
      },
    }
    const log = watch(counting)
    const wholeDocument = vi.spyOn(Document.prototype, 'querySelectorAll')
    const elementQueries = vi.spyOn(Element.prototype, 'querySelectorAll')
    const list = document.querySelector('[role="main"]') as Element
    let mutations = 0
    for (let batch = 0; batch < 100; batch++) {
      const added: Element[] = []
      for (let i = 0; i < 50; i++) {
        const row = document.createElement('div')
        row.className = 'zA'
        row.textContent = `row ${batch}.${i}`
        list.appendChild(row)
        added.push(row)
        mutations++
      }
      for (const row of added.slice(0, 50)) {
        row.remove()
        mutations++
      }
      await settle(1)
    }
    expect(mutations).toBe(10_000)
    expect(calls.find).toBe(1)
    // Rows added and removed within the same frame are never even looked at.
    expect(calls.within).toBe(0)
    expect(wholeDocument).not.toHaveBeenCalled()
    const onRoots = elementQueries.mock.contexts.filter((el) => el === document.body || el === document.documentElement)
    expect(onRoots).toHaveLength(0)
    expect(log.events).toEqual(['added popup'])
    wholeDocument.mockRestore()
    elementQueries.mockRestore()
  })

  it('looks at each added subtree once, even when it shows up in several records', async () => {
    loadFixture('gmail-2026-11-inbox.html', { url: GMAIL_URL })
    let within = 0
    const counting: HostRegistry = {
      ...gmailRegistry,
      composesIn(node) {
        within++
        return gmailRegistry.composesIn(node)
      },
    }
    watch(counting)
    const list = document.querySelector('[role="main"]') as Element
    const kept = Array.from({ length: 200 }, () => document.createElement('div'))
    for (const el of kept) list.appendChild(el)
    for (const el of kept) el.setAttribute('class', 'zA yO')
    await settle(1)
    expect(within).toBe(200)
    await settle(2)
    expect(within).toBe(200)
  })
})
