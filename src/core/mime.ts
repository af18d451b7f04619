import { createMimeMessage } from 'mimetext/browser'
import { parseAddressList } from './address.ts'
import type { OutgoingMessage } from './types.ts'

/**
 * Builds the RFC 5322 message the Gmail API sends (`raw`) and the relay forwards. The structure
 * (headers, multipart/alternative, boundaries) comes from mimetext; three of its defaults are not
 * safe for international mail and are set here instead: bodies go out base64 (it would label UTF-8
 * text "7bit"), the subject is folded into encoded-words of at most 75 characters (RFC 2047 §2),
 * and addresses are parsed by a real address parser before mimetext sees them.
 */

export interface MimeInput {
  from: { name: string; address: string }
  message: OutgoingMessage
  /** Our outbox id, sent as `X-Dispatch-Id` so bounces and the Sent folder can be matched. */
  dispatchId: string
  /** `<…@…>`; Gmail may replace it, so the final one is read back after sending. */
  messageId: string
  date?: Date
}

const MAX_WORD = 75
const ENCODED_OVERHEAD = '=?UTF-8?B??='.length

function isPlainAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s) && !/=\?/.test(s)
}

function base64Utf8(s: string): string {
  const bytes = new TextEncoder().encode(s)
  let bin = ''
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(bin)
}

/**
 * Folds an unstructured header value: plain ASCII stays readable, anything else becomes B-words.
 * `nameLength` is the header name plus ": ", so the first line also stays within 76 characters.
 */
export function encodeHeaderValue(value: string, nameLength = 'Subject: '.length): string {
  if (isPlainAscii(value)) return foldAscii(value)
  // Each word carries whole characters (never a split UTF-8 sequence), ≤ 75 chars once encoded.
  const room = Math.min(MAX_WORD, 76 - nameLength)
  const maxBytes = Math.floor((room - ENCODED_OVERHEAD) / 4) * 3
  const words: string[] = []
  let chunk = ''
  let chunkBytes = 0
  for (const ch of value) {
    const n = new TextEncoder().encode(ch).length
    if (chunkBytes + n > maxBytes && chunk) {
      words.push(`=?UTF-8?B?${base64Utf8(chunk)}?=`)
      chunk = ''
      chunkBytes = 0
    }
    chunk += ch
    chunkBytes += n
  }
  if (chunk || words.length === 0) words.push(`=?UTF-8?B?${base64Utf8(chunk)}?=`)
  return words.join('\r\n ')
}

function foldAscii(value: string): string {
  if (value.length <= 70) return value
  const out: string[] = []
  let line = ''
  for (const word of value.split(' ')) {
    if (line && line.length + 1 + word.length > 70) {
      out.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  out.push(line)
  return out.join('\r\n ')
}

function wrapBase64(b64: string): string {
  return b64.replace(/.{1,76}/g, '$&\r\n').trimEnd()
}

function mailboxes(list: string[]): { name: string; addr: string }[] {
  return parseAddressList(list).map((p) => ({ name: p.name, addr: p.address }))
}

export function buildMime(input: MimeInput): string {
  const { message: m } = input
  const mime = createMimeMessage()
  mime.setSender({ name: input.from.name, addr: input.from.address })
  if (m.to.length) mime.setTo(mailboxes(m.to))
  if (m.cc.length) mime.setCc(mailboxes(m.cc))
  // Gmail delivers to Bcc from the raw header and strips it from delivered copies.
  if (m.bcc.length) mime.setBcc(mailboxes(m.bcc))
  mime.setSubject(m.subject)
  const subjectField = mime.headers.fields.find((f) => f.name === 'Subject')
  if (subjectField) subjectField.dump = (v) => (typeof v === 'string' ? encodeHeaderValue(v) : '')
  const dateField = mime.headers.fields.find((f) => f.name === 'Date')
  if (dateField && input.date) dateField.value = input.date.toUTCString().replace(/GMT|UTC/i, '+0000')
  mime.setHeader('Message-ID', input.messageId)
  mime.setHeader('X-Dispatch-Id', input.dispatchId)
  if (m.inReplyTo) mime.setHeader('In-Reply-To', m.inReplyTo)
  if (m.references?.length) mime.setHeader('References', m.references.join('\r\n '))
  const text = m.text || htmlToText(m.html)
  mime.addMessage({ contentType: 'text/plain', encoding: 'base64', data: wrapBase64(base64Utf8(text)) })
  if (m.html) mime.addMessage({ contentType: 'text/html', encoding: 'base64', data: wrapBase64(base64Utf8(m.html)) })
  return mime.asRaw()
}

/** base64url without padding, as Gmail's `raw` field wants. */
export function toBase64Url(raw: string): string {
  return base64Utf8(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A plain-text alternative for an HTML body, good enough for text-only clients and previews. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|tr|blockquote)>/gi, '\n')
    .replace(/<li[^>]*>/gi, '• ')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

export function newMessageId(dispatchId: string, fromAddress: string): string {
  const domain = fromAddress.split('@')[1] || 'dispatch.invalid'
  return `<dispatch.${dispatchId}@${domain}>`
}
