import type { ComposeHandle, HostRegistry } from '../shared/compose.ts'
import { watchComposes } from '../shared/compose-watcher.ts'
import { editableText, insertIntoEditable } from '../shared/dom.ts'
import { mountBeside, mountFloating, type SidebarMount, updateAllSidebars } from '../shared/mount.ts'

/**
 * The part of the content script every Gmail/Outlook page load pays for: the compose watcher and
 * sidebar placement. React and the sidebar load lazily on the first compose, so a page where the
 * rep never composes costs a few kilobytes and one narrowed MutationObserver.
 */

type SidebarModule = typeof import('../sidebar/index.tsx')

interface Entry {
  mount: SidebarMount
  unmount?: () => void
}

let ui: Promise<SidebarModule> | null = null
function loadUi(): Promise<SidebarModule> {
  ui ??= import('../sidebar/index.tsx').then((m) => {
    m.listenForPushes()
    return m
  })
  return ui
}

/** A placeholder while the sidebar code loads the first time, so the sidebar is visible at once. */
function placeholder(mount: SidebarMount): void {
  const p = document.createElement('div')
  p.setAttribute('data-dispatch', 'placeholder')
  p.textContent = chrome.i18n.getMessage('sidebar_loading') || '…'
  p.style.cssText =
    'font:13px system-ui,sans-serif;padding:10px 12px;border:1px solid #dadce0;border-radius:8px;background:#fff;color:#5f6368;width:260px'
  mount.shadow.append(p)
}

export function boot(registry: HostRegistry): void {
  const entries = new Map<string, Entry>()
  const mailboxHint = () => registry.mailboxHint(document, new URL(location.href))

  const attach = (handle: ComposeHandle, mount: SidebarMount, floating: boolean) => {
    const entry: Entry = { mount }
    entries.set(handle.id, entry)
    placeholder(mount)
    loadUi()
      .then((m) => {
        if (entries.get(handle.id) !== entry) return
        mount.shadow.querySelector('[data-dispatch=placeholder]')?.remove()
        entry.unmount = m.renderSidebar(mount.shadow, { handle, host: registry.host, mailboxHint, floating })
      })
      .catch((err) => console.error('[dispatch] sidebar failed to load', err))
  }

  const detach = (id: string) => {
    const entry = entries.get(id)
    if (!entry) return
    entries.delete(id)
    try {
      entry.unmount?.()
    } finally {
      entry.mount.remove()
    }
  }

  let floatingId: string | null = null
  const detachFloating = () => {
    if (floatingId) detach(floatingId)
    floatingId = null
  }

  watchComposes(document, registry, {
    added(handle) {
      if (entries.has(handle.id)) return
      detachFloating()
      attach(handle, mountBeside(handle), false)
      updateAllSidebars()
    },
    changed(handle) {
      entries.get(handle.id)?.mount.update()
    },
    removed(handle) {
      detach(handle.id)
      updateAllSidebars()
    },
  })

  // Fallback: a multi-line editor the registry did not recognise as a compose (a host redesign)
  // gets a floating panel when the rep starts writing in it, so Dispatch keeps working.
  document.addEventListener(
    'focusin',
    (event) => {
      try {
        const el = event.target
        if (!(el instanceof HTMLElement) || !el.isContentEditable) return
        if (el.closest('[data-dispatch]')) return
        if (registry.composesIn(el).length > 0) return
        const multiLine = el.getAttribute('aria-multiline') === 'true' || el.getBoundingClientRect().height >= 120
        if (!multiLine || el.closest('[contenteditable=true][role=textbox]:not([aria-multiline=true])') === el) return
        if (floatingId) return
        const handle = genericHandle(el)
        floatingId = handle.id
        attach(handle, mountFloating(document), true)
      } catch (err) {
        console.error('[dispatch] floating panel failed', err)
      }
    },
    true,
  )
}

let genericCount = 0
/** A compose Dispatch does not understand: the body is the editor; recipients come from the panel. */
function genericHandle(body: HTMLElement): ComposeHandle {
  const id = `floating-${++genericCount}`
  return {
    id,
    kind: 'floating',
    root: body,
    read: () => ({ to: [], cc: [], bcc: [], subject: '', html: body.innerHTML, text: editableText(body) }),
    insertAtCursor: (html, text) => insertIntoEditable(body, html, text),
    setSubject: () => undefined,
    close: () => undefined,
    isOpen: () => body.isConnected,
    isMinimized: () => false,
    body: () => body,
    nativeSendButton: () => null,
    threadHint: () => ({}),
  }
}
