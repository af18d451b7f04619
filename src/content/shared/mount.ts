/**
 * Puts the Dispatch sidebar host element beside a compose (⚑ contract 6): one host element per compose,
 * `data-dispatch="sidebar"` with `data-compose-kind`, an open shadow root for the sidebar's own DOM and
 * styles, re-placed (not duplicated) when the compose changes kind.
 *
 * Placement, from the compose's kind and geometry only (no host knowledge here):
 * - popup: a fixed panel beside the compose window (left of it, else right, else over its left edge), so the
 *   host's row of compose windows keeps its layout;
 * - fullscreen: inside the compose, along its right edge (positioned against the full-screen layer);
 * - inline: right after the inline compose, in the flow of the thread or reading pane;
 * - floating: a fixed panel at the bottom right of the window (`mountFloating`, when detection fails).
 *
 * The host element resets inherited styles (`all: initial`) and stops key events at its boundary, so host
 * keyboard shortcuts do not fire while the rep types in the sidebar. Nothing here throws into the page.
 */
import type { ComposeHandle, ComposeKind } from './compose.ts'

export interface SidebarMount {
  readonly host: HTMLElement
  readonly shadow: ShadowRoot
  /** Re-places the host for the compose's current kind and geometry; updates `data-compose-kind`. */
  update(): void
  /** Removes the host element and everything it observes. Safe to call twice. */
  remove(): void
}

export const SIDEBAR_TAG = 'dispatch-sidebar'
const WIDTH = 320
const GAP = 8
const MIN_HEIGHT = 320
const Z_INDEX = '2147483000'

interface MountState {
  readonly mount: SidebarMount
  readonly doc: Document
  readonly handle: ComposeHandle | null
  kind: ComposeKind
  resizeObserver: ResizeObserver | null
}

const byHandle = new WeakMap<ComposeHandle, MountState>()
const floatingByDoc = new WeakMap<Document, MountState>()
const live = new Set<MountState>()
const resizeListeners = new WeakMap<Window, () => void>()

function report(err: unknown): void {
  console.error('[dispatch] sidebar placement failed', err)
}

function setStyles(host: HTMLElement, styles: Record<string, string>): void {
  host.removeAttribute('style')
  host.style.setProperty('all', 'initial', 'important')
  for (const [name, value] of Object.entries(styles)) host.style.setProperty(name, value, 'important')
}

function createHost(
  doc: Document,
  kind: ComposeKind,
  composeId: string | null,
): { host: HTMLElement; shadow: ShadowRoot } {
  const host = doc.createElement(SIDEBAR_TAG)
  host.setAttribute('data-dispatch', 'sidebar')
  host.setAttribute('data-compose-kind', kind)
  if (composeId) host.setAttribute('data-compose-id', composeId)
  const shadow = host.attachShadow({ mode: 'open' })
  const style = doc.createElement('style')
  style.textContent = ':host{all:initial;box-sizing:border-box;font:13px/1.4 system-ui,sans-serif;color:#1f1f1f}'
  shadow.appendChild(style)
  // Key events from the sidebar's inputs would reach the page as events on this element and trigger host
  // shortcuts (Gmail's "c", "e", "#"…); they stop here.
  for (const type of ['keydown', 'keyup', 'keypress'] as const) {
    host.addEventListener(type, (event) => event.stopPropagation())
  }
  return { host, shadow }
}

function viewport(doc: Document): { width: number; height: number } {
  const view = doc.defaultView
  return {
    width: view?.innerWidth || doc.documentElement.clientWidth || 1280,
    height: view?.innerHeight || doc.documentElement.clientHeight || 800,
  }
}

function overlapsOtherCompose(state: MountState, left: number, top: number, height: number): boolean {
  for (const other of live) {
    if (other === state || !other.handle || !other.handle.root.isConnected) continue
    const r = other.handle.root.getBoundingClientRect()
    if (r.width === 0 && r.height === 0) continue
    if (left < r.right && left + WIDTH > r.left && top < r.bottom && top + height > r.top) return true
  }
  return false
}

function placePopup(state: MountState, root: Element, minimized: boolean): void {
  const { host, doc } = { host: state.mount.host, doc: state.doc }
  const parent = doc.body ?? doc.documentElement
  if (host.parentNode !== parent) parent.appendChild(host)
  const r = root.getBoundingClientRect()
  const vp = viewport(doc)
  const height = minimized ? Math.max(r.height, 40) : Math.min(Math.max(r.height, MIN_HEIGHT), vp.height - 2 * GAP)
  const top = Math.min(Math.max(r.bottom - height, GAP), Math.max(vp.height - height - GAP, GAP))
  let left = r.left - WIDTH - GAP
  if (left < GAP || overlapsOtherCompose(state, left, top, height)) {
    const right = r.right + GAP
    left =
      right + WIDTH <= vp.width - GAP && !overlapsOtherCompose(state, right, top, height)
        ? right
        : Math.max(r.left, GAP)
  }
  setStyles(host, {
    display: 'block',
    position: 'fixed',
    left: `${Math.round(left)}px`,
    top: `${Math.round(top)}px`,
    width: `${WIDTH}px`,
    height: `${Math.round(height)}px`,
    'z-index': Z_INDEX,
  })
}

function placeFullscreen(state: MountState, root: Element): void {
  const host = state.mount.host
  if (host.parentNode !== root) root.appendChild(host)
  setStyles(host, {
    display: 'block',
    position: 'absolute',
    top: '0',
    right: '0',
    bottom: '0',
    width: `${WIDTH}px`,
    'z-index': Z_INDEX,
  })
}

function placeInline(state: MountState, root: Element): void {
  const host = state.mount.host
  if (root.nextSibling !== host && root.parentNode) root.after(host)
  setStyles(host, { display: 'block', position: 'relative', margin: `${GAP}px 0`, 'max-width': '100%' })
}

function placeFloating(state: MountState): void {
  const { host, doc } = { host: state.mount.host, doc: state.doc }
  const parent = doc.body ?? doc.documentElement
  if (host.parentNode !== parent) parent.appendChild(host)
  setStyles(host, {
    display: 'block',
    position: 'fixed',
    right: '16px',
    bottom: '16px',
    width: `${WIDTH}px`,
    'max-height': '70vh',
    'z-index': Z_INDEX,
  })
}

function place(state: MountState): void {
  const handle = state.handle
  const kind: ComposeKind = handle ? handle.kind : 'floating'
  state.kind = kind
  const host = state.mount.host
  host.setAttribute('data-compose-kind', kind)
  const minimized = handle ? handle.isMinimized() : false
  if (minimized) host.setAttribute('data-minimized', 'true')
  else host.removeAttribute('data-minimized')
  if (!handle || kind === 'floating' || !handle.root.isConnected) placeFloating(state)
  else if (kind === 'fullscreen') placeFullscreen(state, handle.root)
  else if (kind === 'inline') placeInline(state, handle.root)
  else placePopup(state, handle.root, minimized)
}

function watchWindow(doc: Document): void {
  const view = doc.defaultView
  if (!view || resizeListeners.has(view)) return
  const listener = (): void => updateAllSidebars()
  view.addEventListener('resize', listener)
  resizeListeners.set(view, listener)
}

function unwatchWindowIfIdle(doc: Document): void {
  const view = doc.defaultView
  if (!view) return
  for (const state of live) if (state.doc.defaultView === view) return
  const listener = resizeListeners.get(view)
  if (listener) view.removeEventListener('resize', listener)
  resizeListeners.delete(view)
}

function createMount(doc: Document, handle: ComposeHandle | null): MountState {
  const kind: ComposeKind = handle ? handle.kind : 'floating'
  const { host, shadow } = createHost(doc, kind, handle?.id ?? null)
  let removed = false
  const state: MountState = {
    doc,
    handle,
    kind,
    resizeObserver: null,
    mount: {
      host,
      shadow,
      update(): void {
        if (removed) return
        try {
          place(state)
        } catch (err) {
          report(err)
        }
      },
      remove(): void {
        if (removed) return
        removed = true
        try {
          state.resizeObserver?.disconnect()
          state.resizeObserver = null
          host.remove()
        } catch (err) {
          report(err)
        }
        live.delete(state)
        if (handle && byHandle.get(handle) === state) byHandle.delete(handle)
        if (!handle && floatingByDoc.get(doc) === state) floatingByDoc.delete(doc)
        unwatchWindowIfIdle(doc)
      },
    },
  }
  live.add(state)
  watchWindow(doc)
  const RO = doc.defaultView?.ResizeObserver
  if (handle && RO) {
    // The compose resizing (minimise, restore, window resize) moves a popup's panel.
    state.resizeObserver = new RO(() => state.mount.update())
    state.resizeObserver.observe(handle.root)
  }
  return state
}

/** The one sidebar host for `handle`, created on first call and re-placed on later calls. */
export function mountBeside(handle: ComposeHandle): SidebarMount {
  const existing = byHandle.get(handle)
  if (existing) {
    existing.mount.update()
    return existing.mount
  }
  const doc = handle.root.ownerDocument
  const state = createMount(doc, handle)
  byHandle.set(handle, state)
  state.mount.update()
  return state.mount
}

/** The fallback panel when no compose is recognised: one per page, `data-compose-kind="floating"`. */
export function mountFloating(doc: Document = document): SidebarMount {
  const existing = floatingByDoc.get(doc)
  if (existing?.mount.host.isConnected) return existing.mount
  existing?.mount.remove()
  const state = createMount(doc, null)
  floatingByDoc.set(doc, state)
  state.mount.update()
  return state.mount
}

/** Re-places every sidebar: call after composes open or close, since popups shift their neighbours. */
export function updateAllSidebars(): void {
  for (const state of Array.from(live)) state.mount.update()
}
