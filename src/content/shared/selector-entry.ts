/**
 * A host selector with the dated fixtures it must match (checked by each registry's test), so a host
 * redesign shows up as a failing fixture rather than a silent miss in the field.
 */
export interface SelectorEntry {
  readonly css: string
  /** File names in e2e/fixtures/ where `css` must match at least one element (static DOM, before any script). */
  readonly fixtures: readonly string[]
  /** For a selector kept only for an older host version: when to check whether it can go, and why it stays. */
  readonly removeAfter?: string
}

/** Walks up from `el` (inclusive) at most `maxSteps` ancestors and returns the first that satisfies `test`. */
export function closestWhere(el: Element, test: (candidate: Element) => boolean, maxSteps = 20): Element | null {
  let cur: Element | null = el
  for (let i = 0; cur && i <= maxSteps; i++) {
    if (test(cur)) return cur
    cur = cur.parentElement
  }
  return null
}

/** Elements in `node`'s subtree (itself included) matching `css`. */
export function selfAndDescendants(node: Element, css: string): Element[] {
  const found = Array.from(node.querySelectorAll(css))
  if (node.matches(css)) found.unshift(node)
  return found
}

/** A per-root cache of handles, so one compose keeps one handle (and one id) for its whole life. */
export class HandleCache<H extends { isOpen(): boolean }> {
  readonly #byRoot = new WeakMap<Element, H>()
  #seq = 0
  constructor(
    private readonly prefix: string,
    private readonly make: (root: Element, id: string) => H,
    private readonly resolveRoot: (marker: Element) => Element | null,
  ) {}
  get(root: Element): H {
    let handle = this.#byRoot.get(root)
    if (!handle) {
      handle = this.make(root, `${this.prefix}-${++this.#seq}`)
      this.#byRoot.set(root, handle)
    }
    return handle
  }
  /** The open composes that these compose parts (bodies, forms…) belong to, each once. */
  openFor(markers: Iterable<Element>): H[] {
    const roots = new Set<Element>()
    for (const marker of markers) {
      const root = this.resolveRoot(marker)
      if (root) roots.add(root)
    }
    return [...roots].map((root) => this.get(root)).filter((handle) => handle.isOpen())
  }
}
