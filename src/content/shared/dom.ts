/**
 * Host-agnostic DOM operations the selector registries share: clicking host controls, writing into host
 * inputs and rich-text bodies the way the host's own listeners expect, reading a body as text, and
 * formatting addresses. No host knowledge here.
 */

const EMAIL =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/

/** The first email address in `s`, or null. */
export function findEmail(s: string | null | undefined): string | null {
  if (!s) return null
  const m = EMAIL.exec(s)
  return m ? m[0] : null
}

/** `Name <addr>` (the name quoted when RFC 5322 needs it), or just `addr` when there is no distinct name. */
export function formatAddress(name: string | null | undefined, address: string): string {
  const display = (name ?? '').replace(/\s+/g, ' ').trim()
  if (!display || display.toLowerCase() === address.toLowerCase()) return address
  const quoted = /[",;:<>@()[\]\\]/.test(display) ? `"${display.replace(/(["\\])/g, '\\$1')}"` : display
  return `${quoted} <${address}>`
}

/** Splits typed recipient text ("a@x.com, Bo <b@y.com>; c@z.com") into entries, dropping blanks. */
export function splitTypedAddresses(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .flatMap((part) => {
      const s = part.trim()
      // "a@x.com b@y.com": several bare addresses typed with spaces (a name with spaces stays whole).
      const words = s.split(/\s+/)
      return words.length > 1 && words.every((w) => /^[^\s@<>]+@[^\s@<>]+$/.test(w)) ? words : [s]
    })
    .filter((s) => s.length > 0)
}

/**
 * Clicks a host control the way a user does. Gmail's buttons act on mousedown/mouseup (Closure
 * components), React-based Outlook on click: send all three.
 */
export function activate(el: Element): void {
  const view = el.ownerDocument.defaultView
  for (const type of ['mousedown', 'mouseup', 'click'] as const) {
    el.dispatchEvent(new (view?.MouseEvent ?? MouseEvent)(type, { bubbles: true, cancelable: true, view, button: 0 }))
  }
}

/**
 * Sets an input's value so that frameworks tracking the value through the prototype setter (React in
 * Outlook) and plain `input` listeners (Gmail) both notice.
 */
export function setFieldValue(input: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  const proto = Object.getPrototypeOf(input) as object
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set
  if (setter) setter.call(input, value)
  else input.value = value
  const view = input.ownerDocument.defaultView
  input.dispatchEvent(new (view?.Event ?? Event)('input', { bubbles: true }))
  input.dispatchEvent(new (view?.Event ?? Event)('change', { bubbles: true }))
}

const DROPPED_ELEMENTS =
  'script,style,iframe,object,embed,link,meta,base,frame,frameset,form,input,button,textarea,select'

/**
 * Makes template HTML safe to put into a host's live editor: no scripts, frames, form controls, event
 * handler attributes or `javascript:` URLs (inserting into the live page would run them).
 */
export function sanitizeHtml(html: string, doc: Document): string {
  const tpl = doc.createElement('template')
  tpl.innerHTML = html
  for (const el of Array.from(tpl.content.querySelectorAll(DROPPED_ELEMENTS))) el.remove()
  for (const el of Array.from(tpl.content.querySelectorAll('*'))) {
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase()
      const value = attr.value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase()
      if (name.startsWith('on')) el.removeAttribute(attr.name)
      else if (
        /^(href|src|action|formaction|xlink:href)$/.test(name) &&
        /^(javascript|vbscript|data:text\/html)/.test(value)
      )
        el.removeAttribute(attr.name)
    }
  }
  return tpl.innerHTML
}

const BLOCK =
  /^(ADDRESS|ARTICLE|ASIDE|BLOCKQUOTE|DIV|DL|DT|DD|FIELDSET|FIGURE|FOOTER|FORM|H[1-6]|HEADER|HR|LI|MAIN|NAV|OL|P|PRE|SECTION|TABLE|TR|UL)$/

/** The text a reader sees in a rich-text body: blocks and `<br>` become line breaks, runs of blank lines collapse. */
export function editableText(root: Element): string {
  let out = ''
  const walk = (node: Node): void => {
    if (node.nodeType === 3) {
      out += (node.nodeValue ?? '').replace(/\u00a0/g, ' ')
      return
    }
    if (node.nodeType !== 1) return
    const el = node as Element
    const tag = el.tagName
    if (tag === 'BR') {
      out += '\n'
      return
    }
    if (tag === 'SCRIPT' || tag === 'STYLE' || tag === 'TEMPLATE') return
    const block = BLOCK.test(tag)
    if (block && out.length > 0 && !out.endsWith('\n')) out += '\n'
    for (const child of Array.from(el.childNodes)) walk(child)
    if (block && out.length > 0 && !out.endsWith('\n')) out += '\n'
  }
  for (const child of Array.from(root.childNodes)) walk(child)
  // Trailing blanks go, except in the "-- " signature delimiter, which mail readers key on.
  return out
    .split('\n')
    .map((line) => (line === '-- ' ? line : line.replace(/[ \t]+$/, '')))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\s+|\s+$/g, '')
}

// The caret the rep last left in each editable body, so that clicking in the sidebar (which moves focus)
// does not lose the insertion point. One listener per document, installed while a watcher runs.
const lastCaret = new WeakMap<Element, Range>()
const caretListeners = new WeakMap<Document, { count: number; listener: () => void }>()

function editableHost(node: Node | null): Element | null {
  const el = node && (node.nodeType === 1 ? (node as Element) : node.parentElement)
  if (!el) return null
  let host: Element | null = el.closest(
    '[contenteditable="true"], [contenteditable=""], [contenteditable="plaintext-only"]',
  )
  // The body is the outermost editable element: inner blocks may repeat the attribute.
  while (host?.parentElement?.closest('[contenteditable="true"], [contenteditable=""]')) {
    host = host.parentElement.closest('[contenteditable="true"], [contenteditable=""]')
  }
  return host
}

/** Remembers, per editable body, where the caret was last. Returns a function that stops it. */
export function trackCaret(doc: Document): () => void {
  const existing = caretListeners.get(doc)
  if (existing) {
    existing.count++
  } else {
    const listener = (): void => {
      try {
        const sel = doc.getSelection()
        if (!sel || sel.rangeCount === 0) return
        const range = sel.getRangeAt(0)
        const host = editableHost(range.startContainer)
        if (host) lastCaret.set(host, range.cloneRange())
      } catch {
        // A selection we cannot read is not worth breaking the page for.
      }
    }
    doc.addEventListener('selectionchange', listener)
    caretListeners.set(doc, { count: 1, listener })
  }
  let stopped = false
  return () => {
    if (stopped) return
    stopped = true
    const entry = caretListeners.get(doc)
    if (!entry) return
    entry.count--
    if (entry.count === 0) {
      doc.removeEventListener('selectionchange', entry.listener)
      caretListeners.delete(doc)
    }
  }
}

function rangeInside(range: Range | null | undefined, body: Element): boolean {
  if (!range) return false
  const start = range.startContainer
  const end = range.endContainer
  return start.isConnected && body.contains(start) && body.contains(end)
}

/** The insertion point: the live caret if in the body, else the remembered one, else the start of the body. */
export function insertionRange(body: Element): Range {
  const doc = body.ownerDocument
  const sel = doc.getSelection()
  if (sel && sel.rangeCount > 0) {
    const live = sel.getRangeAt(0)
    if (rangeInside(live, body)) return live.cloneRange()
  }
  const remembered = lastCaret.get(body)
  if (remembered && rangeInside(remembered, body)) return remembered.cloneRange()
  const start = doc.createRange()
  start.setStart(body, 0)
  start.collapse(true)
  return start
}

const BLOCK_TAGS = new Set(['DIV', 'P', 'LI', 'BLOCKQUOTE', 'PRE', 'TD', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6'])

/**
 * True when a collapsed insertion point starts a line that already has text after it. Chromium's
 * insertHTML merges the last inserted block into that line ("…pricing.Hi Maya,"), so the caller ends
 * the insertion with a line break.
 */
export function startsNonEmptyLine(range: Range, body: Element): boolean {
  if (!range.collapsed) return false
  const isBlock = (n: Node) => n.nodeType === 1 && BLOCK_TAGS.has((n as Element).tagName)
  let container = range.startContainer
  let offset = range.startOffset
  // A caret between the body's children stands at the start of the block that follows it.
  const next = container === body ? body.childNodes[offset] : undefined
  if (next && isBlock(next)) {
    container = next
    offset = 0
  }
  let line: Node = container
  while (line !== body && !isBlock(line) && line.parentNode) line = line.parentNode
  const doc = body.ownerDocument
  const before = doc.createRange()
  before.setStart(line, 0)
  before.setEnd(container, offset)
  const after = doc.createRange()
  after.setStart(container, offset)
  after.setEnd(line, line.childNodes.length)
  return before.toString().trim() === '' && after.toString().trim() !== ''
}

/**
 * Inserts into a contenteditable body at `insertionRange(body)`. In a browser this goes through
 * `execCommand('insertHTML')`, which fires `input` (Chromium sends no `beforeinput` for it) and keeps the
 * host editor's undo stack; where that is missing or refused it inserts the nodes itself and fires
 * `beforeinput` and `input`.
 */
export function insertIntoEditable(body: HTMLElement, html: string, text: string): void {
  const doc = body.ownerDocument
  const view = doc.defaultView
  const plainOnly = body.getAttribute('contenteditable') === 'plaintext-only'
  const range = insertionRange(body)
  const breakAfter = startsNonEmptyLine(range, body)
  const safeHtml = plainOnly ? '' : sanitizeHtml(html, doc) + (breakAfter ? '<br>' : '')
  if (plainOnly && breakAfter) text += '\n'
  const sel = doc.getSelection()
  try {
    body.focus({ preventScroll: true })
  } catch {
    // Focus can fail on detached or inert bodies; the insertion below does not need it.
  }
  if (sel) {
    sel.removeAllRanges()
    sel.addRange(range)
  }
  const exec = (doc as Document & { execCommand?: Document['execCommand'] }).execCommand
  if (typeof exec === 'function') {
    let done: boolean
    try {
      done = plainOnly ? exec.call(doc, 'insertText', false, text) : exec.call(doc, 'insertHTML', false, safeHtml)
    } catch {
      done = false
    }
    if (done) return
  }
  const live = sel && sel.rangeCount > 0 && rangeInside(sel.getRangeAt(0), body) ? sel.getRangeAt(0) : range
  const InputEventCtor = view?.InputEvent ?? InputEvent
  body.dispatchEvent(
    new InputEventCtor('beforeinput', {
      bubbles: true,
      cancelable: true,
      inputType: 'insertFromPaste',
      data: plainOnly ? text : null,
    }),
  )
  live.deleteContents()
  const fragment = plainOnly ? doc.createDocumentFragment() : live.createContextualFragment(safeHtml)
  if (plainOnly) fragment.appendChild(doc.createTextNode(text))
  const last = fragment.lastChild
  live.insertNode(fragment)
  if (last && sel) {
    const after = doc.createRange()
    after.setStartAfter(last)
    after.collapse(true)
    sel.removeAllRanges()
    sel.addRange(after)
    lastCaret.set(body, after.cloneRange())
  }
  body.dispatchEvent(
    new InputEventCtor('input', { bubbles: true, inputType: 'insertFromPaste', data: plainOnly ? text : null }),
  )
}
