/** Gmail-side mailbox operations: labels, threads, history entries. */
import type { Account } from '../core.ts'
import { type Header, messageIds, parseMessageHeaders, rfc2822Date } from '../mime.ts'
import { newGmailId, StoredMessage } from '../store.ts'

export const SYSTEM_LABELS = [
  'INBOX',
  'SENT',
  'DRAFT',
  'UNREAD',
  'STARRED',
  'IMPORTANT',
  'SPAM',
  'TRASH',
  'CHAT',
  'CATEGORY_PERSONAL',
  'CATEGORY_SOCIAL',
  'CATEGORY_PROMOTIONS',
  'CATEGORY_UPDATES',
  'CATEGORY_FORUMS',
]

/** Thread for a new message: the requested thread if the headers and subject fit, else by references. */
export function gmailThreadFor(account: Account, headers: Header[], requested?: string): string {
  const mailbox = account.mailbox
  const refs = [
    ...messageIds(headers.find((h) => h.name.toLowerCase() === 'references')?.value),
    ...messageIds(headers.find((h) => h.name.toLowerCase() === 'in-reply-to')?.value),
  ]
  const subject = headers.find((h) => h.name.toLowerCase() === 'subject')?.value ?? ''
  // Gmail files its own delivery reports in the conversation of the message that bounced.
  const fromDaemon = /mailer-daemon@googlemail\.com/i.test(
    headers.find((h) => h.name.toLowerCase() === 'from')?.value ?? '',
  )
  const found = mailbox.findThread(refs, subject, { anySubject: fromDaemon })
  if (requested) return found === requested ? requested : ''
  return found ?? ''
}

export function gmailInsert(
  account: Account,
  raw: Buffer,
  labels: string[],
  at: number,
  requestedThread?: string,
): StoredMessage {
  const id = newGmailId()
  const { headers } = parseMessageHeaders(raw)
  const threadId = gmailThreadFor(account, headers, requestedThread) || id
  const item = new StoredMessage(
    id,
    labels.includes('SENT') ? 'sent' : labels.includes('DRAFT') ? 'drafts' : 'inbox',
    threadId,
    at,
    { raw },
    labels,
  )
  account.mailbox.add(item)
  return item
}

export function gmailInsertIncoming(account: Account, raw: Buffer, at: number): StoredMessage {
  return gmailInsert(account, raw, ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'], at)
}

const SEED_SENDERS = [
  ['Ada Lindqvist', 'ada.lindqvist@northwind.example'],
  ['Bruno Costa', 'bruno@costa-trading.example'],
  ['Chen Wei', 'chen.wei@lotus-partners.example'],
  ['Dörte Krüger', 'd.krueger@beispiel-gmbh.example'],
  ['Emma de Vries', 'emma.devries@tulp.example'],
  ['Fatima Rahman', 'fatima@brightlane.example'],
]
const SEED_TOPICS = [
  'Quarterly review',
  'Pricing question',
  'Follow-up on our call',
  'Intro',
  'Invoice 2291',
  'Next steps',
]

/** Ordinary mail, generated cheaply: headers are known up front, MIME is built only when read. */
export function seedMessage(account: Account, i: number, at: number) {
  const [name, address] = SEED_SENDERS[i % SEED_SENDERS.length]!
  const subject = `${SEED_TOPICS[i % SEED_TOPICS.length]} #${i + 1}`
  const messageId = `<seed.${i + 1}.${at.toString(36)}@${address!.split('@')[1]}>`
  const date = rfc2822Date(at)
  const headers: Header[] = [
    { name: 'From', value: `${name} <${address}>` },
    { name: 'To', value: account.address },
    { name: 'Subject', value: subject },
    { name: 'Date', value: date },
    { name: 'Message-ID', value: messageId },
    { name: 'MIME-Version', value: '1.0' },
    { name: 'Content-Type', value: 'text/plain; charset="UTF-8"' },
  ]
  const text = `Hello,\r\n\r\nthis is message ${i + 1} about "${subject}".\r\n\r\nBest,\r\n${name}\r\n`
  const build = () => Buffer.from(`${headers.map((h) => `${h.name}: ${h.value}`).join('\r\n')}\r\n\r\n${text}`, 'utf8')
  return { headers, build, subject, name: name!, address: address!, text }
}

export function gmailSeed(account: Account, n: number, now: number): void {
  const spacing = Math.max(1, Math.floor((30 * 24 * 3600_000) / Math.max(n, 1)))
  for (let i = 0; i < n; i++) {
    const at = now - (n - i) * spacing
    const { headers, build } = seedMessage(account, i, at)
    const id = newGmailId()
    const item = new StoredMessage(id, 'inbox', id, at, { headers, build }, ['INBOX', 'CATEGORY_PERSONAL'])
    account.mailbox.add(item)
  }
}
