/**
 * Gmail's compose DOM, in one place.
 *
 * Detection anchors on structure that Gmail has kept for years and that does not depend on the UI
 * language: the body is `[g_editable=true][contenteditable=true]`, and a compose is the region that holds
 * that body together with a `form` carrying `input[name=subjectbox]` / `input[name=composeid]`. A popup or
 * full-screen compose is the `[role=dialog]` around it; an inline reply has no dialog. Gmail's obfuscated
 * class names are used only where no structure exists (which container a dialog sits in, the discard and
 * send buttons), always with a structural fallback. aria-labels are localized and never matched.
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

const POPUP = [
  'gmail-2026-11-compose-popup.html',
  'gmail-2026-11-compose-two-popups.html',
  'gmail-2026-11-multi-account.html',
]
const MINIMIZED = ['gmail-2026-11-compose-minimized.html']
const FULLSCREEN = ['gmail-2026-11-compose-fullscreen.html']
const INLINE = ['gmail-2026-11-de-thread-inline-reply.html']
const ALL_COMPOSES = [...POPUP, ...MINIMIZED, ...FULLSCREEN, ...INLINE]

export const GMAIL_SELECTORS = {
  /** The message body: Gmail's editable, in every compose kind and language. */
  body: { css: '[g_editable="true"][contenteditable="true"]', fixtures: ALL_COMPOSES },
  /** The compose's form fields that only a mail compose has (the search form and label dialogs lack them). */
  composeForm: { css: 'form input[name="subjectbox"], form input[name="composeid"]', fixtures: ALL_COMPOSES },
  /** Popup and full-screen composes are dialogs; inline replies are not. */
  dialog: { css: '[role="dialog"]', fixtures: [...POPUP, ...MINIMIZED, ...FULLSCREEN] },
  /** The compose region inside the dialog or the inline reply (`div.aoI`). */
  region: { css: '[role="region"]', fixtures: ALL_COMPOSES },
  subject: { css: 'input[name="subjectbox"]', fixtures: ALL_COMPOSES },
  /** Hidden form fields a reply carries: the thread's and the replied message's legacy ids. */
  replyThreadField: { css: 'input[name="lts"]', fixtures: [...POPUP, ...INLINE] },
  replyMessageField: { css: 'input[name="rm"]', fixtures: [...INLINE] },
  /** A recipient row (peoplekit, since 2021): `div[name=to|cc|bcc]`. */
  recipientRow: {
    css: 'div[name="to"], div[name="cc"], div[name="bcc"]',
    fixtures: [...POPUP, ...FULLSCREEN, ...INLINE],
  },
  /** A recipient chip: address in data-hovercard-id, display name in data-name. */
  recipientChip: { css: '[role="option"][data-hovercard-id]', fixtures: [...POPUP, ...FULLSCREEN, ...INLINE] },
  /** What the rep typed but has not turned into a chip yet. */
  recipientTyped: { css: 'input[peoplekit-id]', fixtures: [...POPUP, ...FULLSCREEN, ...INLINE] },
  legacyRecipientField: {
    css: 'textarea[name="to"], textarea[name="cc"], textarea[name="bcc"]',
    fixtures: MINIMIZED,
    removeAfter:
      '2027-06: the pre-2021 recipient textarea (chips `.vR span[email]`) still renders for some accounts in 2026',
  },
  legacyRecipientChip: {
    css: '.vR span[email]',
    fixtures: MINIMIZED,
    removeAfter: '2027-06: goes with legacyRecipientField',
  },
  /** Send: the first button of the send group, not the "more send options" arrow (aria-haspopup). */
  sendButton: {
    css: '.IZ .Up div > div[role="button"]:not(.Uo):not([aria-haspopup="true"])',
    fixtures: ALL_COMPOSES,
  },
  sendButtonFallback: {
    css: 'table[role="group"] [role="button"][data-tooltip-delay]:not([aria-haspopup])',
    fixtures: ALL_COMPOSES,
  },
  /** "Discard draft" (trash) in the bottom toolbar. */
  discardButton: { css: 'table[role="group"] .oh[role="button"]', fixtures: ALL_COMPOSES },
  /** Title-bar close ("Save & close"): a `<button>` since 2026, an `<img>` before. */
  titleBarClose: { css: 'td.Hm .Ha', fixtures: [...POPUP, ...MINIMIZED, ...FULLSCREEN] },
  titleBarCloseImg: {
    css: 'td.Hm > img.Ha',
    fixtures: MINIMIZED,
    removeAfter: '2027-03: the `<img>` title-bar controls were still served next to the 2026 `<button>` ones',
  },
  /** Full-screen composes live under `body > div.aSs > div.aSt`. */
  fullscreenContainer: { css: '.aSs .aSt', fixtures: FULLSCREEN },
  /** Popup composes ("moles") live under `div.dw … div.no`, created on the first compose. */
  moleContainer: { css: '.dw .nH > .nH > .no', fixtures: [...POPUP, ...MINIMIZED] },
  /** Inline reply: the message's `.ip` gains `adB` while a reply is open. */
  inlineReplyOpen: { css: '.ip.adB', fixtures: INLINE },
  /** The compose container of an inline reply (`.M9`; since 2025 wrapped in one more div inside `.ip`). */
  inlineCompose: { css: '.ip.adB > div > .M9', fixtures: INLINE },
  threadLegacyId: { css: 'h2[data-legacy-thread-id]', fixtures: ['gmail-2026-11-thread.html', ...INLINE] },
  messageLegacyId: {
    css: '[data-message-id][data-legacy-message-id]',
    fixtures: ['gmail-2026-11-thread.html', ...INLINE],
  },
  /** The account button: its aria-label and image alt end with "(address)" in every UI language. */
  accountButton: {
    css: 'a[href*="accounts.google.com/SignOutOptions"][aria-label]',
    fixtures: ['gmail-2026-11-inbox.html', 'gmail-2026-11-multi-account.html', ...INLINE],
  },
  composeButton: {
    css: '[gh="cm"][role="button"]',
    fixtures: ['gmail-2026-11-inbox.html', 'gmail-2026-11-thread.html'],
  },
} as const satisfies Record<string, SelectorEntry>

const S = GMAIL_SELECTORS
const MARKERS = `${S.body.css}, ${S.composeForm.css}`

function resolveRoot(marker: Element): Element | null {
  // The compose unit holds the body and the form (siblings under td.I5), and no other compose's body: that
  // stops the walk at a common ancestor when one compose is still missing its form.
  const unit = closestWhere(
    marker,
    (el) => el.querySelector(S.composeForm.css) !== null && el.querySelectorAll(S.body.css).length === 1,
    25,
  )
  if (!unit) return null
  const dialog = unit.closest(S.dialog.css)
  if (dialog) return dialog
  const region = unit.closest(S.region.css)
  return unit.closest('.M9') ?? region?.parentElement ?? unit
}

/** Gmail shows ids as "thread-f:<decimal>" / "#msg-f:<decimal>"; the API's ids are the same numbers in hex. */
export function legacyIdFromPermId(value: string | null | undefined): string | undefined {
  const m = value ? /(?:thread|msg)-f:(\d+)/.exec(value) : null
  return m?.[1] ? BigInt(m[1]).toString(16) : undefined
}

const HEX_ID = /^[0-9a-f]{10,20}$/

class GmailCompose implements ComposeHandle {
  constructor(
    readonly root: Element,
    readonly id: string,
  ) {}

  get kind(): ComposeKind {
    const doc = this.root.ownerDocument
    if (this.root.matches(S.dialog.css)) {
      if (this.root.closest('.aSt, .aSs')) return 'fullscreen'
      if (this.root.closest('.dw, .no')) return 'popup'
    }
    // Gmail's own pop-out compose window (body.xE.xp) shows the compose across the whole window.
    if (doc.body?.classList.contains('xE') && doc.body.classList.contains('xp')) return 'fullscreen'
    return this.root.matches(S.dialog.css) ? 'popup' : 'inline'
  }

  body(): HTMLElement | null {
    return this.root.querySelector<HTMLElement>(S.body.css)
  }

  #subject(): HTMLInputElement | null {
    return this.root.querySelector<HTMLInputElement>(S.subject.css)
  }

  #recipients(field: 'to' | 'cc' | 'bcc'): string[] {
    const out: string[] = []
    const row = this.root.querySelector(`div[name="${field}"]`)
    if (row) {
      for (const chip of Array.from(
        row.querySelectorAll('[role="option"][data-hovercard-id], [role="option"][data-name]'),
      )) {
        const address = findEmail(chip.getAttribute('data-hovercard-id')) ?? findEmail(chip.getAttribute('data-name'))
        if (address) out.push(formatAddress(chip.getAttribute('data-name'), address))
        else if (chip.getAttribute('data-name')) out.push(chip.getAttribute('data-name') as string)
      }
      const typed = row.querySelector<HTMLInputElement>(S.recipientTyped.css)
      if (typed?.value) out.push(...splitTypedAddresses(typed.value))
      return out
    }
    const legacy = this.root.querySelector<HTMLTextAreaElement>(`textarea[name="${field}"]`)
    if (legacy) {
      const legacyRow = legacy.closest('tr') ?? legacy.parentElement
      for (const chip of Array.from(legacyRow?.querySelectorAll(S.legacyRecipientChip.css) ?? [])) {
        const address = chip.getAttribute('email')
        if (address) out.push(formatAddress(chip.getAttribute('name') ?? chip.textContent, address))
      }
      if (legacy.value) out.push(...splitTypedAddresses(legacy.value))
    }
    return out
  }

  read(): ComposeFields {
    const body = this.body()
    const subjectBox = this.#subject()
    const hiddenSubject = this.root.querySelector<HTMLInputElement>('form input[name="subject"]')
    return {
      to: this.#recipients('to'),
      cc: this.#recipients('cc'),
      bcc: this.#recipients('bcc'),
      subject: subjectBox?.value || hiddenSubject?.value || '',
      html: body?.innerHTML ?? '',
      text: body ? editableText(body) : '',
    }
  }

  insertAtCursor(html: string, text: string): void {
    const body = this.body()
    if (body) insertIntoEditable(body, html, text)
  }

  setSubject(subject: string): void {
    const box = this.#subject()
    if (box) setFieldValue(box, subject)
  }

  close(): void {
    const discard = this.root.querySelector(S.discardButton.css) ?? this.root.querySelector('.gU .oh')
    if (discard) {
      activate(discard)
      return
    }
    const titleClose = this.root.querySelector(S.titleBarClose.css)
    if (titleClose) activate(titleClose)
  }

  isOpen(): boolean {
    if (!this.root.isConnected) return false
    // A full-screen compose closed while saving keeps its dialog and only loses div.aaZ's content.
    if (!this.body() || !this.root.querySelector(S.composeForm.css)) return false
    const replyContainer = this.root.closest('.ip')
    if (replyContainer && !replyContainer.classList.contains('adB')) return false
    return true
  }

  isMinimized(): boolean {
    if (!this.root.matches(S.dialog.css)) return false
    const body = this.body()
    if (!body) return false
    const holder = Array.from(this.root.children).find((child) => child.contains(body)) as HTMLElement | undefined
    return holder ? holder.style.display !== '' : false
  }

  nativeSendButton(): HTMLElement | null {
    return (
      this.root.querySelector<HTMLElement>(S.sendButton.css) ??
      this.root.querySelector<HTMLElement>(S.sendButtonFallback.css)
    )
  }

  threadHint(): ThreadHint {
    const hint: ThreadHint = {}
    const lts = this.root.querySelector<HTMLInputElement>(S.replyThreadField.css)?.value.trim()
    if (lts && HEX_ID.test(lts)) hint.providerThreadId = lts
    const rm = this.root.querySelector<HTMLInputElement>(S.replyMessageField.css)?.value.trim()
    if (rm && HEX_ID.test(rm)) hint.providerMessageId = rm
    if (this.kind !== 'inline') return hint
    // Inline: the thread heading and the message the reply hangs under.
    const main = this.root.closest('[role="main"]') ?? this.root.ownerDocument
    const heading = main.querySelector('[data-legacy-thread-id], [data-thread-perm-id]')
    hint.providerThreadId ??=
      heading?.getAttribute('data-legacy-thread-id') ?? legacyIdFromPermId(heading?.getAttribute('data-thread-perm-id'))
    const messageEl = closestWhere(this.root, (el) => el.querySelector('[data-message-id]') !== null, 30)
    const messages = messageEl ? Array.from(messageEl.querySelectorAll('[data-message-id]')) : []
    const message = messages[messages.length - 1]
    if (message) {
      hint.providerMessageId ??=
        message.getAttribute('data-legacy-message-id') ?? legacyIdFromPermId(message.getAttribute('data-message-id'))
    }
    return hint
  }
}

const handles = new HandleCache<GmailCompose>('gmail', (root, id) => new GmailCompose(root, id), resolveRoot)

function accountIndex(url: URL): number | null {
  const m = /^\/mail\/u\/(\d+)(?:\/|$)/.exec(url.pathname)
  if (m?.[1]) return Number(m[1])
  return url.pathname.startsWith('/mail') ? 0 : null
}

function accountAddress(doc: Document): string | null {
  const button = doc.querySelector(S.accountButton.css)
  const fromButton =
    findEmail(button?.getAttribute('aria-label')) ?? findEmail(button?.querySelector('img[alt]')?.getAttribute('alt'))
  if (fromButton) return fromButton
  for (const el of Array.from(doc.querySelectorAll('header [aria-label*="@"]'))) {
    const found = findEmail(el.getAttribute('aria-label'))
    if (found) return found
  }
  // The tab title reads "Inbox (3) - ana@x.com - Gmail".
  return findEmail(doc.title)
}

export const gmailRegistry: HostRegistry = {
  host: 'gmail',
  observeRoot(doc: Document): Node {
    // Popup moles (div.dw) and the full-screen layer (div.aSs) are created lazily as children of body.
    return doc.body ?? doc.documentElement
  },
  findComposes(doc: Document): ComposeHandle[] {
    return handles.openFor(Array.from(doc.querySelectorAll(S.body.css)))
  },
  composesIn(node: Element): ComposeHandle[] {
    return handles.openFor(selfAndDescendants(node, MARKERS))
  },
  mailboxHint(doc: Document, url: URL): MailboxHint {
    return { address: accountAddress(doc), accountIndex: accountIndex(url) }
  },
}
