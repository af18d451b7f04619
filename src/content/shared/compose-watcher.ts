/**
 * Watches a host page for composes opening, changing kind and closing, with one MutationObserver per page.
 *
 * Cost model (the host page must not slow down): the observer callback only queues its records; once per
 * animation frame the queue is processed. Only added element subtrees are searched for compose parts
 * (`registry.composesIn`, a selector query on that subtree), each added node once per life in the page
 * (a WeakSet), never the whole document. Closing and kind changes are found by re-checking the composes
 * already known (a handful), not by scanning.
 */
import type { ComposeHandle, ComposeKind, HostRegistry } from './compose.ts'
import { trackCaret } from './dom.ts'

export interface ComposeEvents {
  added(handle: ComposeHandle): void
  /** The compose's kind changed (a popup went full screen or back); same handle, same id. */
  changed(handle: ComposeHandle): void
  removed(handle: ComposeHandle): void
}

export interface ComposeWatcher {
  /** Disconnects the observer, cancels the pending frame and reports every known compose as removed. */
  stop(): void
  /** A full scan now (for when the page changed in ways the observer cannot see, e.g. after an error). */
  rescan(): void
}

interface Tracked {
  readonly handle: ComposeHandle
  kind: ComposeKind
  /** Set when the compose looked closed: a node Gmail moves between containers may be briefly detached. */
  missingSince: number | null
}

// Gmail moves a compose to the full-screen layer by detaching and re-attaching it; the two halves may land
// in different frames. A compose is reported removed only if it is still gone two frames later (~33 ms).
const REMOVAL_GRACE_FRAMES = 2

export function watchComposes(doc: Document, registry: HostRegistry, events: ComposeEvents): ComposeWatcher {
  const view = doc.defaultView
  const tracked = new Map<ComposeHandle, Tracked>()
  const processed = new WeakSet<Node>()
  let queue: MutationRecord[][] = []
  let frameRequested: number | null = null
  let frameCount = 0
  let stopped = false

  const requestFrame = (cb: () => void): number =>
    view?.requestAnimationFrame ? view.requestAnimationFrame(cb) : (setTimeout(cb, 16) as unknown as number)
  const cancelFrame = (id: number): void => {
    if (view?.cancelAnimationFrame) view.cancelAnimationFrame(id)
    else clearTimeout(id)
  }

  const emit = (kind: keyof ComposeEvents, handle: ComposeHandle): void => {
    try {
      events[kind](handle)
    } catch (err) {
      // A failing listener must not stop the watcher nor reach the host page.
      console.error('[dispatch] compose event handler failed', err)
    }
  }

  const safely = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn()
    } catch (err) {
      console.error('[dispatch] compose detection failed', err)
      return fallback
    }
  }

  const consider = (handle: ComposeHandle): void => {
    const known = tracked.get(handle)
    if (known) {
      known.missingSince = null
      return
    }
    tracked.set(handle, { handle, kind: handle.kind, missingSince: null })
    emit('added', handle)
  }

  const recheckTracked = (): void => {
    for (const entry of Array.from(tracked.values())) {
      const open = safely(() => entry.handle.isOpen(), false)
      if (!open) {
        entry.missingSince ??= frameCount
        if (frameCount - entry.missingSince >= REMOVAL_GRACE_FRAMES) {
          tracked.delete(entry.handle)
          emit('removed', entry.handle)
        }
        continue
      }
      entry.missingSince = null
      const kind = safely(() => entry.handle.kind, entry.kind)
      if (kind !== entry.kind) {
        entry.kind = kind
        emit('changed', entry.handle)
      }
    }
  }

  const flush = (): void => {
    frameRequested = null
    if (stopped) return
    frameCount++
    const batches = queue
    queue = []
    const added: Element[] = []
    const madeEditable = new Set<Element>()
    for (const records of batches) {
      for (const record of records) {
        if (record.type === 'childList') {
          for (const node of Array.from(record.removedNodes)) processed.delete(node)
          for (const node of Array.from(record.addedNodes)) if (node.nodeType === 1) added.push(node as Element)
        } else if (record.attributeName !== 'class') {
          // An editor may be made editable after it was inserted (and after its subtree was processed).
          madeEditable.add(record.target as Element)
        }
      }
    }
    for (const el of added) {
      if (processed.has(el) || !el.isConnected) continue
      processed.add(el)
      for (const handle of safely(() => registry.composesIn(el), [])) consider(handle)
    }
    for (const el of madeEditable) {
      if (!el.isConnected) continue
      for (const handle of safely(() => registry.composesIn(el), [])) consider(handle)
    }
    recheckTracked()
    // Keep checking while a compose looks closed but is still in its grace period.
    if (Array.from(tracked.values()).some((entry) => entry.missingSince !== null)) schedule()
  }

  const schedule = (): void => {
    if (frameRequested === null && !stopped) frameRequested = requestFrame(flush)
  }

  const MutationObserverCtor = view?.MutationObserver ?? MutationObserver
  const observer = new MutationObserverCtor((records) => {
    queue.push(records)
    schedule()
  })

  const rescan = (): void => {
    if (stopped) return
    const found = new Set(safely(() => registry.findComposes(doc), []))
    for (const handle of found) consider(handle)
    for (const entry of Array.from(tracked.values())) {
      if (!found.has(entry.handle)) entry.missingSince ??= frameCount - REMOVAL_GRACE_FRAMES
    }
    recheckTracked()
  }

  const stopCaret = trackCaret(doc)
  // Besides insertions and removals: a Gmail inline reply closes by losing `adB` on its container (class),
  // and an editor can become one after insertion (contenteditable, g_editable).
  observer.observe(registry.observeRoot(doc), {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['class', 'contenteditable', 'g_editable'],
  })
  rescan()

  return {
    stop(): void {
      if (stopped) return
      stopped = true
      observer.disconnect()
      if (frameRequested !== null) cancelFrame(frameRequested)
      frameRequested = null
      queue = []
      stopCaret()
      const leaving = Array.from(tracked.keys())
      tracked.clear()
      for (const handle of leaving) emit('removed', handle)
    },
    rescan,
  }
}
