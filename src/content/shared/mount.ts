/**
 * Puts the Dispatch sidebar host element beside a compose (⚑ contract 6): one host element per compose,
 * `data-dispatch="sidebar"` with `data-compose-kind`, an open shadow root for the sidebar's own DOM and
 * styles, re-placed (not duplicated) when the compose changes kind.
 *
 * Placement, from the compose's kind and geometry only (no host knowledge here):
 * - popup: a fixed panel beside the compose window (left, right or above it, never over another compose;
 *   over its body only when the row of compose windows fills the page), so the host's layout is untouched;
 * - fullscreen: inside the compose, along its right edge, level with the message body (clear of the
 *   compose's title bar and toolbar);
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

interface Box {
  left: number
  top: number
  width: number
  height: number
}

function overlapsAnyCompose(box: Box): boolean {
  for (const other of live) {
    const root = other.handle?.root
    if (!root?.isConnected) continue
    const r = root.getBoundingClientRect()
    if (r.width === 0 && r.height === 0) continue
    if (box.left < r.right && box.left + box.width > r.left && box.top < r.bottom && box.top + box.height > r.top)
      return true
  }
  return false
}

const MIN_ABOVE = 160
const MAX_ABOVE = 480

/**
 * A popup compose sits in a row of compose windows along the bottom of the page. The panel goes beside it
 * where the window has room and no compose is covered: left, right, then above it; when the row fills the
 * width, it lies over the compose's body (keeping the compose's header and toolbar usable).
 */
function popupBox(state: MountState, handle: ComposeHandle, minimized: boolean): Box {
  const r = handle.root.getBoundingClientRect()
  const vp = viewport(state.doc)
  const height = minimized ? Math.max(r.height, 40) : Math.min(Math.max(r.height, MIN_HEIGHT), vp.height - 2 * GAP)
  const top = Math.min(Math.max(r.bottom - height, GAP), Math.max(vp.height - height - GAP, GAP))
  const candidates: Box[] = [
    { left: r.left - WIDTH - GAP, top, width: WIDTH, height },
    { left: r.right + GAP, top, width: WIDTH, height },
  ]
  const above = Math.min(r.top - 2 * GAP, MAX_ABOVE)
  if (!minimized && above >= MIN_ABOVE) {
    candidates.push({ left: Math.max(GAP, r.right - WIDTH), top: r.top - GAP - above, width: WIDTH, height: above })
  }
  for (const box of candidates) {
    const fits =
      box.left >= GAP && box.left + box.width <= vp.width - GAP && box.top >= 0 && box.top + box.height <= vp.height
    if (fits && !overlapsAnyCompose(box)) return box
  }
  const area = (handle.body() ?? handle.root).getBoundingClientRect()
  const width = Math.min(WIDTH, r.width)
  return { left: r.right - width, top: area.top, width, height: Math.max(area.height, 120) }
}

/**
 * The stacking level of the page layer holding `el` (its outermost positioned ancestor's z-index), so a panel
 * placed on <body> stacks with its compose: above the page, below layers the host puts over the composes
 * (a full-screen compose, a modal dialog).
 */
function layerZIndex(el: Element): string {
  const view = el.ownerDocument.defaultView
  let z = 'auto'
  for (let cur: Element | null = el; cur && cur !== el.ownerDocument.body; cur = cur.parentElement) {
    const style = view?.getComputedStyle(cur)
    if (style && style.position !== 'static' && style.zIndex && style.zIndex !== 'auto') z = style.zIndex
  }
  return z
}

function placePopup(state: MountState, handle: ComposeHandle, minimized: boolean): void {
  const { host, doc } = { host: state.mount.host, doc: state.doc }
  const parent = doc.body ?? doc.documentElement
  if (host.parentNode !== parent) parent.appendChild(host)
  const box = popupBox(state, handle, minimized)
  setStyles(host, {
    display: 'block',
    position: 'fixed',
    left: `${Math.round(box.left)}px`,
    top: `${Math.round(box.top)}px`,
    width: `${Math.round(box.width)}px`,
    height: `${Math.round(box.height)}px`,
    'z-index': layerZIndex(handle.root),
  })
}

// A full-screen compose keeps its controls in a title bar along the top (minimise, exit full screen, close)
// and a toolbar along the bottom (send, discard): the panel lines up with the message body between them.
function placeFullscreen(state: MountState, handle: ComposeHandle): void {
  const host = state.mount.host
  const root = handle.root
  if (host.parentNode !== root) root.appendChild(host)
  setStyles(host, {
    display: 'block',
    position: 'absolute',
    top: '0',
    right: '0',
    width: `${WIDTH}px`,
    'z-index': Z_INDEX,
  })
  const area = (handle.body() ?? root).getBoundingClientRect()
  const edge = root.getBoundingClientRect()
  // Offsets are relative to whatever box the host is positioned against (the compose or the full-screen layer).
  const frame = (host.offsetParent ?? state.doc.documentElement).getBoundingClientRect()
  if (area.height > 0) {
    host.style.setProperty('top', `${Math.round(area.top - frame.top)}px`, 'important')
    host.style.setProperty('height', `${Math.round(area.height)}px`, 'important')
    host.style.setProperty('right', `${Math.round(frame.right - edge.right)}px`, 'important')
  }
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
  else if (kind === 'fullscreen') placeFullscreen(state, handle)
  else if (kind === 'inline') placeInline(state, handle.root)
  else placePopup(state, handle, minimized)
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
