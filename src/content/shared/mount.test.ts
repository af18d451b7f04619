// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { gmailRegistry } from '../gmail/selectors.ts'
import { outlookRegistry } from '../outlook/selectors.ts'
import type { ComposeHandle, HostRegistry } from './compose.ts'
import { type ComposeWatcher, watchComposes } from './compose-watcher.ts'
import { loadFixture, settle } from './fixture-loader.ts'
import { mountBeside, mountFloating, type SidebarMount, updateAllSidebars } from './mount.ts'

const GMAIL_URL = 'https://mail.google.com/mail/u/0/#inbox'
const OWA_URL = 'https://outlook.office.com/mail/inbox'

const sidebars = (): Element[] => Array.from(document.querySelectorAll('[data-dispatch="sidebar"]'))
const onlyCompose = (registry: HostRegistry): ComposeHandle => {
  const found = registry.findComposes(document)
  expect(found).toHaveLength(1)
  return found[0] as ComposeHandle
}

const mounted: SidebarMount[] = []
let watcher: ComposeWatcher | null = null

afterEach(() => {
  watcher?.stop()
  watcher = null
  for (const m of mounted.splice(0)) m.remove()
})

function mount(h: ComposeHandle): SidebarMount {
  const m = mountBeside(h)
  mounted.push(m)
  return m
}

describe('mountBeside', () => {
  it('puts one host beside a popup compose, outside the mole row, with an open shadow root', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: GMAIL_URL })
    const h = onlyCompose(gmailRegistry)
    const m = mount(h)
    expect(m.host.getAttribute('data-dispatch')).toBe('sidebar')
    expect(m.host.getAttribute('data-compose-kind')).toBe('popup')
    expect(m.host.parentElement).toBe(document.body)
    expect(m.host.style.getPropertyValue('position')).toBe('fixed')
    expect(m.host.shadowRoot).toBe(m.shadow)
    expect(m.shadow.mode).toBe('open')
    expect(document.querySelector('.no')?.contains(m.host)).toBe(false)
    expect(mountBeside(h)).toBe(m)
    expect(sidebars()).toEqual([m.host])
  })

  it('puts the host inside a full-screen compose, at its edge', () => {
    loadFixture('gmail-2026-11-compose-fullscreen.html', { url: GMAIL_URL })
    const h = onlyCompose(gmailRegistry)
    const m = mount(h)
    expect(m.host.getAttribute('data-compose-kind')).toBe('fullscreen')
    expect(m.host.parentElement).toBe(h.root)
    expect(m.host.style.getPropertyValue('position')).toBe('absolute')
    expect(m.host.style.getPropertyValue('right')).toBe('0px')
  })

  it('puts the host right after an inline compose, in Gmail threads and Outlook reading panes', () => {
    loadFixture('gmail-2026-11-de-thread-inline-reply.html', { url: GMAIL_URL })
    const gmail = onlyCompose(gmailRegistry)
    const inGmail = mount(gmail)
    expect(inGmail.host.getAttribute('data-compose-kind')).toBe('inline')
    expect(gmail.root.nextElementSibling).toBe(inGmail.host)
    inGmail.remove()
    loadFixture('outlook-2026-11-conversation-reply.html', { url: OWA_URL })
    const owa = onlyCompose(outlookRegistry)
    const inOwa = mount(owa)
    expect(inOwa.host.getAttribute('data-compose-kind')).toBe('inline')
    expect(owa.root.nextElementSibling).toBe(inOwa.host)
  })

  it('marks an Outlook pop-out compose as popup', () => {
    loadFixture('outlook-2026-11-popout-compose.html', {
      url: 'https://outlook.office.com/mail/deeplink/compose?popoutv2=1',
    })
    const m = mount(onlyCompose(outlookRegistry))
    expect(m.host.getAttribute('data-compose-kind')).toBe('popup')
  })

  it('moves the same host when the compose goes full screen, and marks a minimised compose', () => {
    const fixture = loadFixture('gmail-2026-11-inbox.html', { url: GMAIL_URL, behaviour: true })
    const id = String(fixture?.openCompose?.())
    const h = onlyCompose(gmailRegistry)
    const m = mount(h)
    fixture?.toggleFullscreen?.(id)
    m.update()
    expect(sidebars()).toEqual([m.host])
    expect(m.host.getAttribute('data-compose-kind')).toBe('fullscreen')
    expect(m.host.parentElement).toBe(h.root)
    fixture?.toggleFullscreen?.(id)
    fixture?.minimize?.(id, true)
    updateAllSidebars()
    expect(m.host.getAttribute('data-compose-kind')).toBe('popup')
    expect(m.host.getAttribute('data-minimized')).toBe('true')
    expect(m.host.parentElement).toBe(document.body)
  })

  it('removes the host once, and mounts anew afterwards', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: GMAIL_URL })
    const h = onlyCompose(gmailRegistry)
    const first = mount(h)
    first.remove()
    first.remove()
    expect(sidebars()).toEqual([])
    const second = mount(h)
    expect(second).not.toBe(first)
    expect(sidebars()).toEqual([second.host])
  })

  it('keeps the rep’s typing from reaching host keyboard shortcuts', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: GMAIL_URL })
    const m = mount(onlyCompose(gmailRegistry))
    const input = document.createElement('input')
    m.shadow.appendChild(input)
    const shortcuts = vi.fn()
    document.addEventListener('keydown', shortcuts)
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'c', bubbles: true, composed: true }))
    document.removeEventListener('keydown', shortcuts)
    expect(shortcuts).not.toHaveBeenCalled()
  })

  it('never throws into the page, even for a compose whose DOM misbehaves', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: GMAIL_URL })
    const real = onlyCompose(gmailRegistry)
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    let explode = false
    const broken: ComposeHandle = {
      ...real,
      id: 'broken',
      root: real.root,
      get kind() {
        if (explode) throw new Error('host changed')
        return 'popup' as const
      },
      isMinimized: () => false,
      read: () => real.read(),
      body: () => real.body(),
      insertAtCursor: () => undefined,
      setSubject: () => undefined,
      close: () => undefined,
      isOpen: () => true,
      nativeSendButton: () => null,
      threadHint: () => ({}),
    }
    const m = mount(broken)
    explode = true
    expect(() => m.update()).not.toThrow()
    expect(() => updateAllSidebars()).not.toThrow()
    expect(error).toHaveBeenCalled()
    error.mockRestore()
  })
})

describe('mountFloating', () => {
  it('shows one floating panel per page', () => {
    loadFixture('outlook-2026-11-mail.html', { url: OWA_URL })
    const panel = mountFloating(document)
    mounted.push(panel)
    expect(panel.host.getAttribute('data-compose-kind')).toBe('floating')
    expect(panel.host.parentElement).toBe(document.body)
    expect(mountFloating(document)).toBe(panel)
    expect(sidebars()).toHaveLength(1)
  })
})

describe('one sidebar per open compose, driven by the watcher (contract 6)', () => {
  function wire(registry: HostRegistry): void {
    const byHandle = new Map<ComposeHandle, SidebarMount>()
    watcher = watchComposes(document, registry, {
      added: (h) => {
        const m = mountBeside(h)
        byHandle.set(h, m)
        mounted.push(m)
        updateAllSidebars()
      },
      changed: (h) => byHandle.get(h)?.update(),
      removed: (h) => {
        byHandle.get(h)?.remove()
        byHandle.delete(h)
      },
    })
  }
  const kinds = (): string[] =>
    sidebars()
      .map((s) => s.getAttribute('data-compose-kind') as string)
      .sort()

  it('tracks Gmail popups, full screen, close-while-saving and an inline reply', async () => {
    const fixture = loadFixture('gmail-2026-11-thread.html', { url: GMAIL_URL, behaviour: true })
    wire(gmailRegistry)
    const a = String(fixture?.openCompose?.())
    const b = String(fixture?.openCompose?.())
    await settle()
    expect(kinds()).toEqual(['popup', 'popup'])
    fixture?.toggleFullscreen?.(a)
    await settle()
    expect(kinds()).toEqual(['fullscreen', 'popup'])
    fixture?.reply?.()
    await settle()
    expect(kinds()).toEqual(['fullscreen', 'inline', 'popup'])
    fixture?.closeWhileSaving?.(a)
    fixture?.sendCompose?.(b)
    await settle()
    expect(kinds()).toEqual(['inline'])
    fixture?.closeReply?.()
    await settle()
    expect(kinds()).toEqual([])
  })

  it('tracks Outlook composes in the reading pane and the conversation', async () => {
    const fixture = loadFixture('outlook-2026-11-mail.html', { url: OWA_URL, behaviour: true })
    wire(outlookRegistry)
    fixture?.reply?.()
    fixture?.openCompose?.()
    await settle()
    expect(kinds()).toEqual(['inline', 'inline'])
    fixture?.send?.('docking_InitVisiblePart_1')
    fixture?.discard?.('docking_InitVisiblePart_0')
    await settle()
    expect(kinds()).toEqual([])
  })
})
