/** Exchange-side mailbox operations: drafts as properties, MIME derived from them, folder moves. */
import type { Account } from '../core.ts'
import { seedMessage } from '../gmail/mailbox.ts'
import { buildMessage, type EmailAddress, htmlToText, messageIds, parseMessageHeaders } from '../mime.ts'
import {
  type GraphDraft,
  type GraphState,
  newConversationId,
  newExchangeMessageId,
  newGraphId,
  StoredMessage,
  uniqueTail,
} from '../store.ts'

export function newChangeKey(): string {
  return `CQAAABYAAAA${uniqueTail()}`
}

/** Thread-Index: 22 bytes (a FILETIME prefix and a GUID), base64. */
export function newConversationIndex(): string {
  return Buffer.from(`${uniqueTail()}${uniqueTail()}`, 'base64').subarray(0, 22).toString('base64')
}

export function graphState(at: number, internetMessageId: string, partial: Partial<GraphState> = {}): GraphState {
  return {
    internetMessageId,
    isRead: false,
    isDraft: false,
    importance: 'normal',
    categories: [],
    flagStatus: 'notFlagged',
    conversationIndex: newConversationIndex(),
    createdDateTime: at,
    lastModifiedDateTime: at,
    sentDateTime: null,
    changeKey: newChangeKey(),
    immutableId: false,
    fromOverride: null,
    draft: null,
    ...partial,
  }
}

export function graphInsertIncoming(account: Account, raw: Buffer, at: number): StoredMessage {
  const { headers } = parseMessageHeaders(raw)
  const get = (n: string) => headers.find((h) => h.name.toLowerCase() === n)?.value
  const refs = [...messageIds(get('references')), ...messageIds(get('in-reply-to'))]
  // Exchange keys conversations on Thread-Topic/Thread-Index; NDRs carry the original's topic.
  const conversationId =
    account.mailbox.findThread(refs, get('subject') ?? '', { topic: get('thread-topic') }) ?? newConversationId()
  const item = new StoredMessage(newGraphId(), 'inbox', conversationId, at, { raw })
  const sent = Date.parse(get('date') ?? '')
  item.graph = graphState(at, messageIds(get('message-id'))[0] ?? newExchangeMessageId(account.exchangeServer), {
    sentDateTime: Number.isNaN(sent) ? at : sent,
  })
  account.mailbox.add(item)
  return item
}

export function graphSeed(account: Account, n: number, now: number): void {
  const spacing = Math.max(1, Math.floor((30 * 24 * 3600_000) / Math.max(n, 1)))
  for (let i = 0; i < n; i++) {
    const at = now - (n - i) * spacing
    const { headers, build } = seedMessage(account, i, at)
    const item = new StoredMessage(newGraphId(), 'inbox', newConversationId(), at, { headers, build })
    item.graph = graphState(at, headers.find((h) => h.name === 'Message-ID')!.value, { sentDateTime: at, isRead: true })
    account.mailbox.add(item)
  }
}

export function emptyDraft(): GraphDraft {
  return {
    subject: '',
    body: { contentType: 'text', content: '' },
    toRecipients: [],
    ccRecipients: [],
    bccRecipients: [],
    replyTo: [],
    internetMessageHeaders: [],
  }
}

/** The MIME Exchange would produce for a draft's properties. */
export function draftMime(account: Account, item: StoredMessage): Buffer {
  const g = item.graph!
  const d = g.draft!
  const html = d.body.contentType === 'html' ? d.body.content : undefined
  const text = d.body.contentType === 'html' ? htmlToText(d.body.content) : d.body.content
  const from: EmailAddress = g.fromOverride ?? { name: account.displayName, address: account.address }
  const raw = buildMessage({
    from,
    to: d.toRecipients,
    cc: d.ccRecipients,
    bcc: d.bccRecipients,
    replyTo: d.replyTo,
    subject: d.subject,
    date: g.sentDateTime ?? g.createdDateTime,
    messageId: g.internetMessageId,
    inReplyTo: d.inReplyTo,
    references: d.references,
    headers: [
      { name: 'Thread-Topic', value: d.subject.replace(/^\s*(re|fw|aw|wg)\s*:\s*/i, '') },
      { name: 'Thread-Index', value: g.conversationIndex },
      ...d.internetMessageHeaders,
      { name: 'Content-Language', value: account.lang === 'en' ? 'en-US' : account.lang },
      { name: 'X-MS-Has-Attach', value: '' },
    ],
    text,
    html,
  })
  return Buffer.from(raw, 'utf8')
}

export function createDraftItem(
  account: Account,
  at: number,
  draft: GraphDraft,
  conversationId?: string,
): StoredMessage {
  const item = new StoredMessage(newGraphId(), 'drafts', conversationId ?? newConversationId(), at, {
    raw: Buffer.alloc(0),
  })
  item.graph = graphState(at, newExchangeMessageId(account.exchangeServer), { isDraft: true, isRead: true, draft })
  item.setSource(() => draftMime(account, item))
  account.mailbox.add(item)
  return item
}

export function touch(account: Account, item: StoredMessage, at: number): void {
  if (item.graph) {
    item.graph.lastModifiedDateTime = at
    item.graph.changeKey = newChangeKey()
  }
  account.mailbox.record(item, 'updated')
}
