/**
 * What every host integration (Gmail, Outlook on the web) offers the compose sidebar.
 *
 * Host DOM knowledge lives only in the two selector registries (`content/gmail/selectors.ts`,
 * `content/outlook/selectors.ts`); everything above them speaks these types.
 */

/**
 * Where a compose sits, which decides where its sidebar goes (⚑ contract 6):
 * - `popup`: a Gmail compose window ("mole") or an Outlook pop-out window;
 * - `fullscreen`: Gmail's full-screen compose (and Gmail's own pop-out compose window);
 * - `inline`: a Gmail reply/forward inside a thread, or an Outlook compose in the reading pane or in a
 *   conversation;
 * - `floating`: no compose was recognised; Dispatch shows a floating panel instead.
 */
export type ComposeKind = 'popup' | 'fullscreen' | 'inline' | 'floating'

/** The message as the rep wrote it in the host's compose. */
export interface ComposeFields {
  /** Addresses as the chips hold them: `Ana Silva <ana@x.com>` or `ana@x.com`, then any typed, uncommitted text. */
  to: string[]
  cc: string[]
  bcc: string[]
  /** Empty for an Outlook inline reply, which has no subject field (the reply endpoint supplies "RE: …"). */
  subject: string
  /** The body's HTML as the host's editor holds it (signature and quoted reply included). */
  html: string
  /** The body as plain text: block elements and `<br>` become line breaks. */
  text: string
}

/** What the host page shows about the conversation a compose belongs to. All fields are optional. */
export interface ThreadHint {
  /** Gmail: the thread's legacy (hex) id, the one the Gmail API calls `threadId`. Outlook: the conversation id. */
  providerThreadId?: string
  /** Gmail: the legacy (hex) id of the message being replied to, the Gmail API's message id. */
  providerMessageId?: string
  /** The RFC 5322 Message-ID being replied to, when the page shows it (neither host does today). */
  inReplyTo?: string
}

export interface ComposeHandle {
  /** Stable for the compose's life, also across a popup → full-screen switch. */
  readonly id: string
  /** Read live: a popup that goes full screen reports `fullscreen` from then on. */
  readonly kind: ComposeKind
  /** The node that identifies the compose (Gmail: the compose dialog or inline compose; Outlook: the compose part). */
  readonly root: Element
  read(): ComposeFields
  /** The editable message body (also where the sidebar aligns when it sits over a full-screen compose). */
  body(): HTMLElement | null
  /**
   * Inserts at the caret when the caret is in the body, or was there when focus left it (e.g. for a click in
   * the sidebar; tracked while a watcher runs), else at the start of the body. Goes through the browser's
   * editing command so the host's editor gets its `input` event and undo step. `text` is used where the
   * body only takes plain text. The HTML is stripped of scripts and handlers first.
   */
  insertAtCursor(html: string, text: string): void
  setSubject(subject: string): void
  /** Closes the native compose without sending, as a user would: Gmail "Discard draft", Outlook "Discard". */
  close(): void
  isOpen(): boolean
  /** A minimised Gmail compose is still open; its sidebar should collapse. */
  isMinimized(): boolean
  nativeSendButton(): HTMLElement | null
  threadHint(): ThreadHint
}

export interface MailboxHint {
  /** The signed-in address the page shows, or null when it shows none. */
  address: string | null
  /** Gmail: N of `/mail/u/N/`. Outlook: N of `/mail/N/` (outlook.live.com), otherwise null. */
  accountIndex: number | null
}

export interface HostRegistry {
  readonly host: 'gmail' | 'outlook'
  /** The node to observe for composes appearing and disappearing. */
  observeRoot(doc: Document): Node
  /** Every open compose in the page (a full scan; the watcher uses it once, then `composesIn`). */
  findComposes(doc: Document): ComposeHandle[]
  /**
   * The composes an added subtree brings, completes or moves: inside `node`, or `node`'s own compose when
   * `node` is a late part of one (its body or its form). Cheap for subtrees without compose parts.
   */
  composesIn(node: Element): ComposeHandle[]
  mailboxHint(doc: Document, url: URL): MailboxHint
}
