/**
 * Just enough MIME for the emulator: header parsing that notices malformed or injected lines, a
 * MIME tree for Gmail's `format=full`, address lists, and a small message builder for the mail the
 * emulator writes itself (Graph sends, seeded inboxes, replies, NDRs).
 */
import { randomBytes } from 'node:crypto'
import { addressParser, decodeWords } from 'postal-mime'

export interface Header {
  name: string
  /** Unfolded, RFC 2047 decoded value. */
  value: string
}

export interface EmailAddress {
  name: string
  address: string
}

const B64URL = /^[A-Za-z0-9_-]*={0,2}$/

/** Gmail accepts only the URL-safe alphabet for `raw` (padding optional). */
export function decodeBase64Url(value: string): Buffer | null {
  if (!B64URL.test(value)) return null
  const body = value.replace(/=+$/, '')
  if (body.length % 4 === 1) return null
  return Buffer.from(body, 'base64url')
}

export function encodeBase64Url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

/** Index of the first byte of the body, and the header block (as latin1 text so bytes survive). */
export function splitMessage(raw: Buffer): { head: string; bodyStart: number } {
  const crlf = raw.indexOf('\r\n\r\n')
  const lf = raw.indexOf('\n\n')
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { head: raw.subarray(0, crlf).toString('latin1'), bodyStart: crlf + 4 }
  if (lf >= 0) return { head: raw.subarray(0, lf).toString('latin1'), bodyStart: lf + 2 }
  return { head: raw.toString('latin1'), bodyStart: raw.length }
}

function latin1ToText(value: string): string {
  // Header bytes above 0x7f are usually UTF-8 (RFC 6532); keep latin1 when they are not.
  if (!/[\x80-\xff]/.test(value)) return value
  const bytes = Buffer.from(value, 'latin1')
  const text = bytes.toString('utf8')
  return text.includes('\ufffd') ? value : text
}

export function decodeHeaderValue(value: string): string {
  const text = latin1ToText(value)
  if (!text.includes('=?')) return text
  try {
    return decodeWords(text)
  } catch {
    return text
  }
}

export interface ParsedHeaders {
  headers: Header[]
  /** Raw (undecoded, unfolded) values, parallel to `headers`. */
  rawValues: string[]
  /** Problems a strict receiver would refuse: lines that are not headers, bare CR, NUL. */
  problems: string[]
}

const HEADER_NAME = /^[!-9;-~]+$/

const ADDRESS_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'sender',
  'resent-from',
  'resent-to',
  'resent-cc',
])

/** Decodes encoded-word display names while keeping the field parseable (names quoted as needed). */
function decodeAddressField(raw: string): string {
  if (!raw.includes('=?')) return raw
  const out: string[] = []
  const walk = (entries: ReturnType<typeof addressParser>) => {
    for (const entry of entries) {
      if ('group' in entry && Array.isArray(entry.group)) {
        walk(entry.group)
        continue
      }
      const address = (entry as { address?: string }).address ?? ''
      const name = entry.name ?? ''
      if (!name) out.push(address)
      else if (/^[\w\s.'-]*$/u.test(name)) out.push(`${name} <${address}>`)
      else out.push(`"${name.replace(/(["\\])/g, '\\$1')}" <${address}>`)
    }
  }
  walk(addressParser(raw))
  return out.join(', ')
}

export function parseHeaderBlock(head: string): ParsedHeaders {
  const headers: Header[] = []
  const rawValues: string[] = []
  const problems: string[] = []
  if (head.includes('\0')) problems.push('NUL character in the header section')
  const lines = head.split(/\r?\n/)
  let current: { name: string; value: string } | null = null
  const flush = () => {
    if (!current) return
    rawValues.push(current.value)
    // Address fields are decoded address by address: decoding the whole field first would turn an
    // encoded display name with a comma ("Rivera, Sam") into two broken addresses.
    const value = ADDRESS_HEADERS.has(current.name.toLowerCase())
      ? decodeAddressField(current.value.trim())
      : decodeHeaderValue(current.value.trim())
    headers.push({ name: current.name, value })
    current = null
  }
  for (const line of lines) {
    if (line.includes('\r')) problems.push(`bare CR in header line "${line.slice(0, 40)}"`)
    if (/^[ \t]/.test(line)) {
      if (!current) {
        problems.push('continuation line before the first header')
        continue
      }
      current.value += ` ${line.trim()}`
      continue
    }
    flush()
    if (line === '') continue
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon).trimEnd() : ''
    if (colon <= 0 || !HEADER_NAME.test(name)) {
      problems.push(`not a header line: "${line.slice(0, 60)}"`)
      continue
    }
    current = { name, value: line.slice(colon + 1) }
  }
  flush()
  return { headers, rawValues, problems }
}

export function parseMessageHeaders(raw: Buffer): ParsedHeaders & { bodyStart: number } {
  const { head, bodyStart } = splitMessage(raw)
  return { ...parseHeaderBlock(head), bodyStart }
}

export function headerValue(headers: readonly Header[], name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const h of headers) if (h.name.toLowerCase() === lower) return h.value
  return undefined
}

export function headerValues(headers: readonly Header[], name: string): string[] {
  const lower = name.toLowerCase()
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value)
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/

export function isValidAddress(address: string): boolean {
  return ADDRESS.test(address)
}

/** Every mailbox in an address list (groups flattened). `invalid` lists entries without a valid address. */
export function parseAddressList(value: string | undefined): { list: EmailAddress[]; invalid: string[] } {
  const list: EmailAddress[] = []
  const invalid: string[] = []
  if (!value?.trim()) return { list, invalid }
  const walk = (entries: ReturnType<typeof addressParser>) => {
    for (const entry of entries) {
      if ('group' in entry && Array.isArray(entry.group)) {
        walk(entry.group)
        continue
      }
      const address = (entry as { address?: string }).address ?? ''
      if (isValidAddress(address)) list.push({ name: entry.name ?? '', address })
      else invalid.push(address || entry.name || '')
    }
  }
  walk(addressParser(value))
  return { list, invalid }
}

export function formatAddress(a: EmailAddress): string {
  if (!a.name) return a.address
  const name = /^[\x20-\x7e]*$/.test(a.name) ? `"${a.name.replace(/(["\\])/g, '\\$1')}"` : encodeWord(a.name)
  return `${name} <${a.address}>`
}

/** Message-IDs in a References / In-Reply-To / Message-ID value. */
export function messageIds(value: string | undefined): string[] {
  return value ? (value.match(/<[^<>\s]+>/g) ?? []) : []
}

const REPLY_PREFIX = /^\s*((re|fwd?|aw|wg|sv|vs|antw|doorst|res|enc|回复|转发)\s*(\[\d+\])?\s*[:：]\s*)+/i

export function normalizeSubject(subject: string | undefined): string {
  return (subject ?? '').replace(REPLY_PREFIX, '').replace(/\s+/g, ' ').trim().toLowerCase()
}

export function encodeWord(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`
}

export function newBoundary(): string {
  return `----=_Part_${randomBytes(12).toString('hex')}`
}

export function rfc2822Date(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000')
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n')
}

export interface BuildMessage {
  from: EmailAddress
  to?: EmailAddress[]
  cc?: EmailAddress[]
  bcc?: EmailAddress[]
  replyTo?: EmailAddress[]
  subject: string
  date: number
  messageId: string
  inReplyTo?: string
  references?: string
  /** Extra headers, written as given (after the standard ones). */
  headers?: Header[]
  text?: string
  html?: string
}

/** A plain RFC 5322 message with CRLF line ends; text and HTML become multipart/alternative. */
export function buildMessage(m: BuildMessage): string {
  const lines: string[] = []
  lines.push(`From: ${formatAddress(m.from)}`)
  if (m.to?.length) lines.push(`To: ${m.to.map(formatAddress).join(', ')}`)
  if (m.cc?.length) lines.push(`Cc: ${m.cc.map(formatAddress).join(', ')}`)
  if (m.bcc?.length) lines.push(`Bcc: ${m.bcc.map(formatAddress).join(', ')}`)
  if (m.replyTo?.length) lines.push(`Reply-To: ${m.replyTo.map(formatAddress).join(', ')}`)
  lines.push(`Subject: ${encodeWord(m.subject)}`)
  lines.push(`Date: ${rfc2822Date(m.date)}`)
  lines.push(`Message-ID: ${m.messageId}`)
  if (m.inReplyTo) lines.push(`In-Reply-To: ${m.inReplyTo}`)
  if (m.references) lines.push(`References: ${m.references}`)
  for (const h of m.headers ?? []) lines.push(`${h.name}: ${h.value}`)
  lines.push('MIME-Version: 1.0')
  const text = m.text ?? ''
  if (m.html === undefined) {
    lines.push('Content-Type: text/plain; charset="UTF-8"', 'Content-Transfer-Encoding: base64', '')
    lines.push(base64Lines(Buffer.from(text, 'utf8')))
    return `${lines.join('\r\n')}\r\n`
  }
  const boundary = newBoundary()
  lines.push(`Content-Type: multipart/alternative; boundary="${boundary}"`, '')
  lines.push(`--${boundary}`, 'Content-Type: text/plain; charset="UTF-8"', 'Content-Transfer-Encoding: base64', '')
  lines.push(base64Lines(Buffer.from(text, 'utf8')))
  lines.push(`--${boundary}`, 'Content-Type: text/html; charset="UTF-8"', 'Content-Transfer-Encoding: base64', '')
  lines.push(base64Lines(Buffer.from(m.html, 'utf8')))
  lines.push(`--${boundary}--`, '')
  return lines.join('\r\n')
}

/** Normalises line ends to CRLF, as providers store mail. */
export function toCrlf(raw: Buffer): Buffer {
  if (!raw.includes('\n')) return raw
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n')
  return Buffer.from(text, 'latin1')
}

/**
 * Rewrites the header section: each edit replaces every occurrence of a header (value null removes
 * it, a missing header is appended); the body is untouched.
 */
export function editHeaders(raw: Buffer, edits: { name: string; value: string | null }[]): Buffer {
  const { head, bodyStart } = splitMessage(raw)
  const units: string[] = []
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && units.length) units[units.length - 1] += `\r\n${line}`
    else if (line !== '') units.push(line)
  }
  let out = units
  for (const edit of edits) {
    const lower = edit.name.toLowerCase()
    const matches = (u: string) => u.slice(0, u.indexOf(':')).trim().toLowerCase() === lower
    const line = edit.value === null ? null : Buffer.from(`${edit.name}: ${edit.value}`, 'utf8').toString('latin1')
    if (line === null) out = out.filter((u) => !matches(u))
    else if (out.some(matches)) {
      let replaced = false
      out = out.flatMap((u) => {
        if (!matches(u)) return [u]
        if (replaced) return []
        replaced = true
        return [line]
      })
    } else out.push(line)
  }
  const body = raw.subarray(bodyStart)
  return Buffer.concat([Buffer.from(`${out.join('\r\n')}\r\n\r\n`, 'latin1'), body])
}

// ---------- MIME tree (for Gmail's format=full) ----------

export interface MimePart {
  headers: Header[]
  mimeType: string
  params: Record<string, string>
  /** The part's body still transfer-encoded. */
  body: Buffer
  parts: MimePart[]
}

export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {}
  if (!value) return { type: 'text/plain', params }
  const [type = 'text/plain', ...rest] = value.split(';')
  for (const p of rest) {
    const eq = p.indexOf('=')
    if (eq < 0) continue
    const key = p.slice(0, eq).trim().toLowerCase()
    let v = p.slice(eq + 1).trim()
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1)
    params[key] = v
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params }
}

export function parseMimeTree(raw: Buffer, depth = 0): MimePart {
  const { headers, bodyStart } = parseMessageHeaders(raw)
  const { type, params } = parseContentType(headerValue(headers, 'content-type'))
  const body = raw.subarray(bodyStart)
  const part: MimePart = { headers, mimeType: type, params, body, parts: [] }
  if (depth > 20) return part
  if (type.startsWith('multipart/') && params.boundary) {
    const delimiter = Buffer.from(`--${params.boundary}`, 'latin1')
    const positions: number[] = []
    let at = body.indexOf(delimiter)
    while (at >= 0) {
      const lineStart = at === 0 || body[at - 1] === 0x0a
      if (lineStart) positions.push(at)
      at = body.indexOf(delimiter, at + delimiter.length)
    }
    for (let i = 0; i < positions.length; i++) {
      const start = positions[i]! + delimiter.length
      if (body[start] === 0x2d && body[start + 1] === 0x2d) break
      const eol = body.indexOf('\n', start)
      if (eol < 0) break
      let end = i + 1 < positions.length ? positions[i + 1]! : body.length
      if (body[end - 1] === 0x0a) end--
      if (body[end - 1] === 0x0d) end--
      part.parts.push(parseMimeTree(body.subarray(eol + 1, Math.max(eol + 1, end)), depth + 1))
    }
  }
  return part
}

export function decodeTransfer(part: MimePart): Buffer {
  const cte = (headerValue(part.headers, 'content-transfer-encoding') ?? '').trim().toLowerCase()
  if (cte === 'base64') return Buffer.from(part.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')
  if (cte === 'quoted-printable') {
    const text = part.body.toString('latin1').replace(/=\r?\n/g, '')
    const bytes: number[] = []
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
        bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16))
        i += 2
      } else bytes.push(c & 0xff)
    }
    return Buffer.from(bytes)
  }
  return part.body
}

export function decodeText(part: MimePart): string {
  const bytes = decodeTransfer(part)
  const charset = (part.params.charset ?? 'utf-8').toLowerCase()
  try {
    return new TextDecoder(charset).decode(bytes)
  } catch {
    return bytes.toString('utf8')
  }
}

/** First text/plain (or, failing that, text/html stripped of tags) in a message, for snippets. */
export function firstText(tree: MimePart): { text: string; html: string | null } {
  let text: string | null = null
  let html: string | null = null
  const visit = (p: MimePart) => {
    if (text !== null) return
    const disposition = (headerValue(p.headers, 'content-disposition') ?? '').toLowerCase()
    if (disposition.startsWith('attachment')) return
    if (p.mimeType === 'text/plain') text = decodeText(p)
    else if (p.mimeType === 'text/html' && html === null) html = decodeText(p)
    else if (p.mimeType.startsWith('multipart/')) for (const c of p.parts) visit(c)
  }
  visit(tree)
  if (text !== null) return { text, html }
  return { text: html ? htmlToText(html) : '', html }
}

export function htmlToText(html: string): string {
  return html
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}

export function snippetOf(text: string, length = 200): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, length)
}
