/**
 * In-memory mailboxes. One change log per mailbox serves both Gmail history (history ids with gaps,
 * trimmed to a retention) and Graph delta tokens (a position in the log), so an incremental read
 * costs a binary search plus the new entries, however big the mailbox.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import {
  type EmailAddress,
  firstText,
  type Header,
  headerValue,
  messageIds,
  normalizeSubject,
  parseAddressList,
  parseMessageHeaders,
  parseMimeTree,
  snippetOf,
} from './mime.ts'

export type Provider = 'google' | 'microsoft'
export type Folder = 'inbox' | 'sent' | 'drafts'

export class Clock {
  private offset = 0
  now(): number {
    return Date.now() + this.offset
  }
  advance(ms: number): void {
    this.offset += ms
  }
}

let gmailIdCounter = BigInt(Date.now()) << 20n
/** Gmail ids are 16 hex digits that grow with time. */
export function newGmailId(): string {
  gmailIdCounter += 1n + BigInt(Math.floor(Math.random() * 8))
  return gmailIdCounter.toString(16)
}

function exchangeBase64(bytes: number): string {
  return randomBytes(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
}

// Exchange ids of one mailbox share a long prefix; a counter plus noise keeps them unique and
// cheap enough to seed 10,000 messages in milliseconds.
const ID_PREFIX = exchangeBase64(81)
let uniqueCounter = 0

/** 16 base64 characters: a counter and 64 random bits. */
export function uniqueTail(): string {
  const b = Buffer.allocUnsafe(12)
  b.writeUInt32BE(++uniqueCounter >>> 0, 0)
  b.writeUInt32BE((Math.random() * 0x100000000) >>> 0, 4)
  b.writeUInt32BE((Math.random() * 0x100000000) >>> 0, 8)
  return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
}

/** Shaped like Exchange item ids: long base64 with '-' and '_', ending in '='. */
export function newGraphId(): string {
  return `AAMkAG${ID_PREFIX}${uniqueTail()}AAA=`
}

export function newConversationId(): string {
  return `AAQkAG${ID_PREFIX.slice(0, 24)}${uniqueTail()}=`
}

export function newGraphFolderId(): string {
  return `AAMkAG${exchangeBase64(60).slice(0, 70)}AAA=`
}

const EXO_SERVERS = ['DB9PR03MB', 'AM0PR07MB', 'PAXPR10MB', 'BN6PR11MB', 'CH2PR12MB', 'VI1PR02MB']

export function newExchangeServer(): string {
  const prefix = EXO_SERVERS[Math.floor(Math.random() * EXO_SERVERS.length)]!
  const region = prefix.startsWith('B') || prefix.startsWith('C') ? 'namprd' : 'eurprd'
  const n = String(1000 + Math.floor(Math.random() * 8999))
  return `${prefix}${n}.${region}${prefix.slice(5, 7)}.prod.outlook.com`
}

export function newExchangeMessageId(server: string): string {
  const host = server.split('.')[0]!
  return `<${host}${randomBytes(16).toString('hex').toUpperCase()}@${server.toUpperCase()}>`
}

export function newGmailMessageId(): string {
  const body = randomBytes(33).toString('base64').replace(/\//g, '_').replace(/=+$/, '')
  return `<CA${body}@mail.gmail.com>`
}

export function newGuid(): string {
  return randomUUID()
}

export interface GraphDraft {
  subject: string
  body: { contentType: 'text' | 'html'; content: string }
  toRecipients: EmailAddress[]
  ccRecipients: EmailAddress[]
  bccRecipients: EmailAddress[]
  replyTo: EmailAddress[]
  internetMessageHeaders: Header[]
  inReplyTo?: string
  references?: string
}

/** Graph-only state of an item. For drafts `draft` is the truth and MIME is derived from it. */
export interface GraphState {
  internetMessageId: string
  isRead: boolean
  isDraft: boolean
  importance: 'low' | 'normal' | 'high'
  categories: string[]
  flagStatus: 'notFlagged' | 'complete' | 'flagged'
  conversationIndex: string
  createdDateTime: number
  lastModifiedDateTime: number
  sentDateTime: number | null
  changeKey: string
  immutableId: boolean
  /** From / sender set on a draft (a different mailbox needs SendAs rights: refused at send). */
  fromOverride: EmailAddress | null
  draft: GraphDraft | null
}

export class StoredMessage {
  folder: Folder
  labels: Set<string>
  /** Version: Gmail historyId / Graph change sequence of the last change. */
  version = 0
  /** Last log sequence per folder this item appeared in (Graph delta uses it to de-duplicate). */
  lastSeqIn = new Map<Folder, number>()
  deleted = false
  graph: GraphState | null = null
  private rawBytes: Buffer | null
  private rawFactory: (() => Buffer) | null
  private parsedHeaders: Header[] | null
  private textCache: { text: string; html: string | null } | null = null

  constructor(
    public id: string,
    folder: Folder,
    public threadId: string,
    public internalDate: number,
    source: { raw: Buffer } | { headers: Header[]; build: () => Buffer },
    labels: Iterable<string> = [],
  ) {
    this.folder = folder
    this.labels = new Set(labels)
    if ('raw' in source) {
      this.rawBytes = source.raw
      this.rawFactory = null
      this.parsedHeaders = null
    } else {
      this.rawBytes = null
      this.rawFactory = source.build
      this.parsedHeaders = source.headers
    }
  }

  get raw(): Buffer {
    if (!this.rawBytes) this.rawBytes = this.rawFactory!()
    return this.rawBytes
  }

  /** Replaces the MIME source (Graph drafts after PATCH). */
  setSource(build: () => Buffer, headers: Header[] | null = null): void {
    this.rawBytes = null
    this.rawFactory = build
    this.parsedHeaders = headers
    this.textCache = null
  }

  get headers(): Header[] {
    if (!this.parsedHeaders) this.parsedHeaders = parseMessageHeaders(this.raw).headers
    return this.parsedHeaders
  }

  header(name: string): string | undefined {
    return headerValue(this.headers, name)
  }

  get messageId(): string {
    return messageIds(this.header('message-id'))[0] ?? ''
  }

  get subject(): string {
    return this.header('subject') ?? ''
  }

  get from(): EmailAddress | null {
    return parseAddressList(this.header('from')).list[0] ?? null
  }

  addresses(name: 'to' | 'cc' | 'bcc' | 'reply-to'): EmailAddress[] {
    return parseAddressList(this.header(name)).list
  }

  get bodyText(): { text: string; html: string | null } {
    if (!this.textCache) this.textCache = firstText(parseMimeTree(this.raw))
    return this.textCache
  }

  get snippet(): string {
    return snippetOf(this.bodyText.text)
  }
}

export type ChangeKind = 'added' | 'updated' | 'removed' | 'labelAdded' | 'labelRemoved'

export interface ChangeEntry {
  seq: number
  kind: ChangeKind
  item: StoredMessage
  /** The item's id at the time (Graph ids change when an item moves). */
  id: string
  folder: Folder
  labels: string[]
  changedLabels?: string[]
}

export interface SendRecord {
  at: number
  id: string
  messageId: string
  recipients: string[]
  subject: string
}

export class Mailbox {
  readonly items = new Map<string, StoredMessage>()
  /** Chronological order of arrival; deleted items stay with `deleted` set. */
  readonly order: StoredMessage[] = []
  readonly byMessageId = new Map<string, StoredMessage[]>()
  readonly threads = new Map<string, StoredMessage[]>()
  log: ChangeEntry[] = []
  /** Highest sequence ever dropped from the log by retention (Gmail history expiry). */
  droppedThrough = 0
  seq: number

  constructor(
    readonly provider: Provider,
    readonly retention: number,
  ) {
    this.seq = provider === 'google' ? 100_000 + Math.floor(Math.random() * 900_000) : 0
  }

  private nextSeq(): number {
    // Gmail history ids grow with gaps; Graph positions are opaque to clients anyway.
    this.seq += this.provider === 'google' ? 1 + Math.floor(Math.random() * 4) : 1
    return this.seq
  }

  record(item: StoredMessage, kind: ChangeKind, changedLabels?: string[], folder: Folder = item.folder): ChangeEntry {
    const entry: ChangeEntry = {
      seq: this.nextSeq(),
      kind,
      item,
      id: item.id,
      folder,
      labels: [...item.labels],
      changedLabels,
    }
    this.log.push(entry)
    item.version = entry.seq
    item.lastSeqIn.set(folder, entry.seq)
    if (this.log.length > this.retention * 1.25) this.trim(this.retention)
    return entry
  }

  /** Drops all but the newest `keep` log entries (history older than that is gone: Gmail answers 404). */
  trim(keep: number): void {
    const drop = this.log.length - keep
    if (drop <= 0) return
    this.droppedThrough = this.log[drop - 1]!.seq
    this.log = this.log.slice(drop)
  }

  /** Index of the first log entry with seq > after. */
  logIndexAfter(after: number): number {
    let lo = 0
    let hi = this.log.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.log[mid]!.seq <= after) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  add(item: StoredMessage): ChangeEntry {
    this.items.set(item.id, item)
    this.order.push(item)
    this.index(item)
    return this.record(item, 'added')
  }

  index(item: StoredMessage): void {
    const mid = item.messageId
    if (mid) {
      const list = this.byMessageId.get(mid)
      if (list) list.push(item)
      else this.byMessageId.set(mid, [item])
    }
    const thread = this.threads.get(item.threadId)
    if (thread) thread.push(item)
    else this.threads.set(item.threadId, [item])
  }

  unindexMessageId(item: StoredMessage): void {
    const mid = item.messageId
    const list = mid ? this.byMessageId.get(mid) : undefined
    if (!list) return
    const i = list.indexOf(item)
    if (i >= 0) list.splice(i, 1)
    if (!list.length) this.byMessageId.delete(mid)
  }

  /**
   * Thread an incoming or sent message: a referenced message whose subject matches (Gmail's rule).
   * `topic` (Exchange's Thread-Topic) also matches; `anySubject` threads by reference alone, as
   * providers do with their own delivery reports.
   */
  findThread(
    references: string[],
    subject: string,
    opts: { topic?: string; anySubject?: boolean } = {},
  ): string | null {
    const norm = normalizeSubject(subject)
    const topic = opts.topic === undefined ? null : normalizeSubject(opts.topic)
    for (let i = references.length - 1; i >= 0; i--) {
      const hits = this.byMessageId.get(references[i]!)
      if (!hits) continue
      for (const hit of hits) {
        const theirs = normalizeSubject(hit.subject)
        if (opts.anySubject || theirs === norm || theirs === topic) return hit.threadId
      }
    }
    return null
  }

  live(): StoredMessage[] {
    return this.order.filter((m) => !m.deleted)
  }

  inFolder(folder: Folder): StoredMessage[] {
    return this.order.filter((m) => !m.deleted && m.folder === folder)
  }
}
