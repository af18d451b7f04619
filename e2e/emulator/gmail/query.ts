/**
 * A useful subset of Gmail's search syntax for `messages.list?q=`: from:, to:, cc:, bcc:, subject:,
 * rfc822msgid:, deliveredto:, newer_than:/older_than:, after:/before:, in:, label:, is:, has:attachment,
 * category:, bare words and "phrases", `-` negation, OR, ( ) and { } groups.
 */
import { messageIds } from '../mime.ts'
import type { StoredMessage } from '../store.ts'

export type Predicate = (m: StoredMessage, now: number) => boolean

interface Token {
  kind: 'word' | '(' | ')' | '{' | '}' | '-' | 'OR'
  text: string
  quoted: boolean
}

function tokenize(q: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < q.length) {
    const c = q[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    if ('(){}'.includes(c)) {
      tokens.push({ kind: c as Token['kind'], text: c, quoted: false })
      i++
      continue
    }
    if (c === '-' && i + 1 < q.length && !/\s/.test(q[i + 1]!)) {
      tokens.push({ kind: '-', text: c, quoted: false })
      i++
      continue
    }
    let text = ''
    let quoted = false
    while (i < q.length && !/\s/.test(q[i]!) && !'(){}'.includes(q[i]!)) {
      if (q[i] === '"') {
        const end = q.indexOf('"', i + 1)
        const stop = end < 0 ? q.length : end
        // A leading quote makes a phrase; key:"value" stays an operator.
        if (text === '') quoted = true
        text += q.slice(i + 1, stop)
        i = stop + 1
      } else text += q[i++]
    }
    if (text === 'OR' && !quoted) tokens.push({ kind: 'OR', text, quoted })
    else tokens.push({ kind: 'word', text, quoted })
  }
  return tokens
}

const contains = (hay: string | undefined, needle: string) => (hay ?? '').toLowerCase().includes(needle.toLowerCase())

function addressField(m: StoredMessage, names: string[], value: string): boolean {
  return names.some((n) => contains(m.header(n), value))
}

function durationMs(value: string): number | null {
  const match = /^(\d+)([dmyh])$/i.exec(value)
  if (!match) return null
  const n = Number(match[1])
  const unit = match[2]!.toLowerCase()
  const day = 24 * 3600_000
  return n * (unit === 'h' ? 3600_000 : unit === 'd' ? day : unit === 'm' ? 30 * day : 365 * day)
}

function dateMs(value: string): number | null {
  if (/^\d{9,}$/.test(value)) return Number(value) * 1000
  const match = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value)
  if (!match) return null
  // Gmail reads dates in the user's time zone; the emulator's users live in UTC.
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
}

const IN_LABEL: Record<string, string> = {
  inbox: 'INBOX',
  sent: 'SENT',
  draft: 'DRAFT',
  drafts: 'DRAFT',
  spam: 'SPAM',
  trash: 'TRASH',
  starred: 'STARRED',
  important: 'IMPORTANT',
  unread: 'UNREAD',
  chats: 'CHAT',
}

function fullText(m: StoredMessage, word: string): boolean {
  if (contains(m.subject, word) || contains(m.header('from'), word) || contains(m.header('to'), word)) return true
  return contains(m.bodyText.text, word)
}

function term(key: string | null, value: string): Predicate {
  if (key === null) return (m) => fullText(m, value)
  switch (key) {
    case 'from':
      return (m) => addressField(m, ['from'], value)
    case 'to':
      return (m) => addressField(m, ['to', 'cc', 'bcc'], value)
    case 'cc':
      return (m) => addressField(m, ['cc'], value)
    case 'bcc':
      return (m) => addressField(m, ['bcc'], value)
    case 'deliveredto':
      return (m) => addressField(m, ['delivered-to', 'to'], value)
    case 'subject':
      return (m) => contains(m.subject, value)
    case 'rfc822msgid': {
      const id = value.startsWith('<') ? value : `<${value}>`
      return (m) => messageIds(m.header('message-id')).includes(id)
    }
    case 'newer_than':
    case 'older_than': {
      const span = durationMs(value)
      if (span === null) return () => false
      return key === 'newer_than' ? (m, now) => m.internalDate > now - span : (m, now) => m.internalDate < now - span
    }
    case 'after':
    case 'before': {
      const at = dateMs(value)
      if (at === null) return () => false
      return key === 'after' ? (m) => m.internalDate >= at : (m) => m.internalDate < at
    }
    case 'in': {
      const v = value.toLowerCase()
      if (v === 'anywhere' || v === 'all') return () => true
      const label = IN_LABEL[v] ?? value.toUpperCase()
      return (m) => m.labels.has(label)
    }
    case 'label': {
      const label = IN_LABEL[value.toLowerCase()] ?? value.toUpperCase().replace(/-/g, '_')
      return (m) => m.labels.has(label) || m.labels.has(value)
    }
    case 'is': {
      const v = value.toLowerCase()
      if (v === 'read') return (m) => !m.labels.has('UNREAD')
      const label = IN_LABEL[v] ?? v.toUpperCase()
      return (m) => m.labels.has(label)
    }
    case 'category':
      return (m) => m.labels.has(`CATEGORY_${value.toUpperCase() === 'PRIMARY' ? 'PERSONAL' : value.toUpperCase()}`)
    case 'has':
      return value.toLowerCase() === 'attachment'
        ? (m) => contains(m.header('content-type'), 'multipart/mixed')
        : () => false
    default:
      return (m) => fullText(m, `${key}:${value}`)
  }
}

const and =
  (ps: Predicate[]): Predicate =>
  (m, now) =>
    ps.every((p) => p(m, now))
const or =
  (ps: Predicate[]): Predicate =>
  (m, now) =>
    ps.some((p) => p(m, now))

export interface ParsedQuery {
  predicate: Predicate
  /** True when the query itself reaches into SPAM/TRASH (in:anywhere, in:spam, in:trash). */
  reachesSpamTrash: boolean
}

export function parseGmailQuery(q: string): ParsedQuery {
  const tokens = tokenize(q)
  let pos = 0
  let reachesSpamTrash = false

  const parseSequence = (close: string | null): Predicate[] => {
    const list: Predicate[] = []
    while (pos < tokens.length && tokens[pos]!.kind !== close) {
      let p = parseUnary()
      while (tokens[pos]?.kind === 'OR') {
        pos++
        p = or([p, parseUnary()])
      }
      list.push(p)
    }
    if (close && tokens[pos]?.kind === close) pos++
    return list
  }

  const parseUnary = (): Predicate => {
    const t = tokens[pos++]
    if (!t) return () => true
    if (t.kind === '-') {
      const inner = parseUnary()
      return (m, now) => !inner(m, now)
    }
    if (t.kind === '(') return and(parseSequence(')'))
    if (t.kind === '{') return or(parseSequence('}'))
    if (t.kind === ')' || t.kind === '}' || t.kind === 'OR') return () => true
    const match = t.quoted ? null : /^([a-z0-9_]+):(.*)$/i.exec(t.text)
    if (!match) return term(null, t.text)
    const key = match[1]!.toLowerCase()
    const value = match[2]!
    if (key === 'in' && ['anywhere', 'all', 'spam', 'trash'].includes(value.toLowerCase())) reachesSpamTrash = true
    if (value === '' && tokens[pos]?.kind === '(') {
      pos++
      const words: Predicate[] = []
      while (pos < tokens.length && tokens[pos]!.kind !== ')') {
        const w = tokens[pos++]!
        if (w.kind === 'word') words.push(term(key, w.text))
      }
      pos++
      return and(words)
    }
    if (value === '' && tokens[pos]?.kind === 'word' && tokens[pos]!.quoted) return term(key, tokens[pos++]!.text)
    return term(key, value)
  }

  const parts = parseSequence(null)
  return { predicate: and(parts), reachesSpamTrash }
}
