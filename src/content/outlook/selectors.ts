/**
 * Outlook on the web's compose DOM, in one place (outlook.office.com, outlook.office365.com,
 * outlook.live.com).
 *
 * Outlook's class names are hashed per build, so detection anchors on ids and structure: the body is the
 * editable inside `#editorParent_N` (N = 1 for a new message, 2+ for replies in a conversation), and the
 * compose is the `#docking_InitVisiblePart_N` part around it. If a build drops those ids, a structural
 * fallback takes over: an `aria-multiline` editable textbox that is the last of several editable
 * textboxes (recipient wells come first) in its part. Traps it must not take: the To/Cc wells (editable
 * textboxes themselves), the read-mode body (`role=document`, not editable) and the settings signature
 * editor (editable, but with no recipient well around it). aria-labels and placeholders are localized and
 * never used for detection.
 *
 * Every selector names the dated fixtures (e2e/fixtures/) where it must match; selectors.test.ts checks them.
 * Public evidence: ../../../e2e/fixtures/README.md.
 */
import type {
  ComposeFields,
  ComposeHandle,
  ComposeKind,
  HostRegistry,
  MailboxHint,
  ThreadHint,
} from '../shared/compose.ts'
import {
  activate,
  editableText,
  findEmail,
  formatAddress,
  insertIntoEditable,
  setFieldValue,
  splitTypedAddresses,
} from '../shared/dom.ts'
import { closestWhere, HandleCache, type SelectorEntry, selfAndDescendants } from '../shared/selector-entry.ts'

const NEW = ['outlook-2026-11-compose-new.html', 'outlook-2026-11-de-compose-new.html']
const REPLY = ['outlook-2026-11-conversation-reply.html']
const POPOUT = ['outlook-2026-11-popout-compose.html']
const ALL_COMPOSES = [...NEW, ...REPLY, ...POPOUT]
const READING = ['outlook-2026-11-mail.html', ...REPLY]

export const OUTLOOK_SELECTORS = {
  editorParent: { css: '[id^="editorParent_"]', fixtures: ALL_COMPOSES },
  /** The body: the editable inside #editorParent_N. */
  body: { css: '[id^="editorParent_"] [contenteditable="true"]', fixtures: ALL_COMPOSES },
  /** The same body found by structure alone, for builds without the id. */
  bodyByStructure: { css: '[role="textbox"][contenteditable="true"][aria-multiline="true"]', fixtures: ALL_COMPOSES },
  /** An editable textbox: the body or a recipient well. */
  editableTextbox: { css: '[role="textbox"][contenteditable="true"]', fixtures: ALL_COMPOSES },
  /** The compose part around the headers, the toolbar and the body. */
  composePart: { css: '[id^="docking_InitVisiblePart_"]', fixtures: ALL_COMPOSES },
  /** A recipient inside a well (persona hover target). */
  recipientChip: { css: '[data-lpc-hover-target-id]', fixtures: ALL_COMPOSES },
  /** Subject: the text input of a new message (inline replies have none since 2024). */
  subject: { css: 'input[type="text"], input:not([type])', fixtures: [...NEW, ...POPOUT] },
  /** Send: the primary button of the compose toolbar, carrying the Send icon. */
  sendButton: { css: 'button.ms-Button--primary', fixtures: ALL_COMPOSES },
  sendIcon: { css: '[data-icon-name^="Send"]', fixtures: ALL_COMPOSES },
  discardIcon: { css: '[data-icon-name^="Delete"]', fixtures: ALL_COMPOSES },
  readingPane: { css: '#ReadingPaneContainerId', fixtures: [...READING, ...NEW] },
  conversation: { css: '[data-app-section="ConversationContainer"]', fixtures: READING },
  conversationId: { css: '[data-convid]', fixtures: READING },
  /** The read-mode body: same label as the compose body, but a document, not an editor. */
  readModeBody: { css: '[role="document"]', fixtures: READING },
  /** Reply quote markers Outlook writes into a reply body. */
  replyQuote: { css: '#appendonsend, #divRplyFwdMsg', fixtures: REPLY },
  /** The account manager shows the signed-in address. */
  accountAddress: {
    css: '#mectrl_currentAccount_secondary',
    fixtures: [...READING, 'outlook-2026-11-compose-new.html'],
  },
  /** The app name link carries the address as login_hint. */
  appNameLink: { css: 'a#O365_AppName[href*="login_hint="]', fixtures: [...READING, ...NEW] },
} as const satisfies Record<string, SelectorEntry>

const S = OUTLOOK_SELECTORS
const MARKERS = `${S.editorParent.css}, ${S.bodyByStructure.css}`

function isWell(el: Element, body: Element): boolean {
  return el !== body && !el.contains(body) && !body.contains(el) && !el.closest(S.editorParent.css)
}

/** The compose part for a body found without #editorParent: the nearest ancestor holding a recipient well. */
function partByStructure(body: Element): Element | null {
  return closestWhere(
    body,
    (el) => {
      const boxes = Array.from(el.querySelectorAll(S.editableTextbox.css))
      if (!boxes.some((box) => isWell(box, body))) return false
      // Exactly one message body in the part, and it comes last: wells precede the body in every layout.
      const bodies = boxes.filter((box) => box.matches(S.bodyByStructure.css))
      return bodies.length === 1 && boxes[boxes.length - 1] === body
    },
    14,
  )
}

function bodyFor(marker: Element): Element | null {
  const parent = marker.closest(S.editorParent.css) ?? (marker.matches(S.editorParent.css) ? marker : null)
  if (parent) return parent.querySelector('[contenteditable="true"]')
  if (marker.matches(S.bodyByStructure.css)) return marker
  return null
}

function resolveRoot(marker: Element): Element | null {
  const body = bodyFor(marker)
  if (!body) return null
  const viaId = body.closest(S.editorParent.css) !== null
  const part = body.closest(S.composePart.css) ?? partByStructure(body)
  if (part) return part
  // An #editorParent without a recognisable part around it is still a compose: use its parent.
  return viaId ? (body.closest(S.editorParent.css)?.parentElement ?? null) : null
}

/** A compose in its own window: `/mail/deeplink/compose` or `?popoutv2=1`. */
function isPopoutWindow(doc: Document): boolean {
  const loc = doc.defaultView?.location
  if (!loc) return false
  return /\/deeplink\/compose/.test(loc.pathname) || /[?&]popoutv2=1\b/.test(loc.search)
}

// Recipient wells come in a fixed order (To, Cc, Bcc), but Cc and Bcc are shown on demand, so the second
// well may be either. Only then is its (localized) label consulted, in the languages Dispatch ships.
const BCC_LABEL = /\bbcc\b|\bcco\b|blindkopie|hemlig kopia|密件抄送/i

interface Wells {
  to: Element | null
  cc: Element | null
  bcc: Element | null
}

class OutlookCompose implements ComposeHandle {
  constructor(
    readonly root: Element,
    readonly id: string,
  ) {}

  get kind(): ComposeKind {
    return isPopoutWindow(this.root.ownerDocument) ? 'popup' : 'inline'
  }

  body(): HTMLElement | null {
    const viaId = this.root.querySelector<HTMLElement>(S.body.css)
    if (viaId) return viaId
    const candidates = Array.from(this.root.querySelectorAll<HTMLElement>(S.bodyByStructure.css))
    return candidates[candidates.length - 1] ?? null
  }

  #wells(): Wells {
    const body = this.body()
    const wells = body
      ? Array.from(this.root.querySelectorAll(S.editableTextbox.css)).filter((el) => isWell(el, body))
      : []
    const out: Wells = { to: wells[0] ?? null, cc: null, bcc: null }
    for (const well of wells.slice(1)) {
      if (BCC_LABEL.test(well.getAttribute('aria-label') ?? '')) out.bcc ??= well
      else out.cc ??= well
    }
    return out
  }

  #subject(): HTMLInputElement | null {
    for (const input of Array.from(this.root.querySelectorAll<HTMLInputElement>(S.subject.css))) {
      if (!input.closest('[contenteditable="true"]')) return input
    }
    return null
  }

  #recipients(well: Element | null): string[] {
    if (!well) return []
    const out: string[] = []
    const chips = Array.from(well.querySelectorAll(S.recipientChip.css)).filter(
      (chip) => !chip.parentElement?.closest(S.recipientChip.css),
    )
    for (const chip of chips) {
      const name = (chip.textContent ?? '').replace(/\s+/g, ' ').trim()
      const withTitle = chip.matches('[title]') ? chip : chip.querySelector('[title]')
      const address =
        findEmail(withTitle?.getAttribute('title')) ??
        findEmail(chip.getAttribute('aria-label')) ??
        findEmail(chip.getAttribute('data-lpc-hover-target-id')) ??
        findEmail(name)
      if (address) out.push(formatAddress(findEmail(name) ? '' : name, address))
      else if (name) out.push(name)
    }
    // Text typed after the last chip that Outlook has not resolved yet.
    const typed = well.cloneNode(true) as Element
    for (const chip of Array.from(typed.querySelectorAll(S.recipientChip.css))) {
      ;(chip.closest('[draggable="true"]') ?? chip).remove()
    }
    out.push(...splitTypedAddresses(typed.textContent ?? ''))
    return out
  }

  read(): ComposeFields {
    const body = this.body()
    const wells = this.#wells()
    return {
      to: this.#recipients(wells.to),
      cc: this.#recipients(wells.cc),
      bcc: this.#recipients(wells.bcc),
      subject: this.#subject()?.value ?? '',
      html: body?.innerHTML ?? '',
      text: body ? editableText(body) : '',
    }
  }

  insertAtCursor(html: string, text: string): void {
    const body = this.body()
    if (body) insertIntoEditable(body, html, text)
  }

  setSubject(subject: string): void {
    const input = this.#subject()
    if (input) setFieldValue(input, subject)
  }

  close(): void {
    const discard = this.root.querySelector(S.discardIcon.css)?.closest('button')
    if (discard) activate(discard)
  }

  isOpen(): boolean {
    return this.root.isConnected && this.body() !== null
  }

  isMinimized(): boolean {
    return false
  }

  nativeSendButton(): HTMLElement | null {
    return (
      this.root.querySelector<HTMLElement>(S.sendButton.css) ??
      this.root.querySelector(S.sendIcon.css)?.closest<HTMLElement>('button') ??
      null
    )
  }

  threadHint(): ThreadHint {
    const conversation = this.root.closest(S.conversation.css)
    const carrier =
      this.root.closest(S.conversationId.css) ??
      (conversation?.matches(S.conversationId.css) ? conversation : conversation?.querySelector(S.conversationId.css))
    const convid = carrier?.getAttribute('data-convid')
    return convid ? { providerThreadId: convid } : {}
  }
}

const handles = new HandleCache<OutlookCompose>('outlook', (root, id) => new OutlookCompose(root, id), resolveRoot)

function accountAddress(doc: Document): string | null {
  const secondary = findEmail(doc.querySelector(S.accountAddress.css)?.textContent)
  if (secondary) return secondary
  const href = doc.querySelector(S.appNameLink.css)?.getAttribute('href')
  if (href) {
    try {
      const hint = new URL(href, 'https://outlook.office.com/').searchParams.get('login_hint')
      const found = findEmail(hint)
      if (found) return found
    } catch {
      // An unparsable href just gives no hint.
    }
  }
  return null
}

export const outlookRegistry: HostRegistry = {
  host: 'outlook',
  observeRoot(doc: Document): Node {
    // Composes open in the reading pane, in a conversation, or as the whole pop-out window.
    return doc.body ?? doc.documentElement
  },
  findComposes(doc: Document): ComposeHandle[] {
    return handles.openFor(Array.from(doc.querySelectorAll(MARKERS)))
  },
  composesIn(node: Element): ComposeHandle[] {
    return handles.openFor(selfAndDescendants(node, MARKERS))
  },
  mailboxHint(doc: Document, url: URL): MailboxHint {
    const m = /^\/mail\/(\d+)(?:\/|$)/.exec(url.pathname)
    return { address: accountAddress(doc), accountIndex: m?.[1] ? Number(m[1]) : null }
  },
}
