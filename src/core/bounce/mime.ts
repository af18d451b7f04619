// A small, bounded MIME reader for delivery reports.
//
// Why not postal-mime's full parse here: it turns every part into a Blob and reads it back
// asynchronously, which costs ~0.5 ms per message in Node (profiled: over half the time in Blob)
// and renders every HTML part to text. A bounce classifier only needs the part tree, headers, and
// the decoded text of a few small parts, so this reader splits the tree on byte offsets, decodes
// lazily, and caps depth, part count and bytes so hostile input stays cheap. Encoded words in
// headers are decoded with postal-mime's `decodeWords`.
import { decodeWords } from 'postal-mime'

/** Deepest multipart / message nesting that is followed; deeper parts are kept as opaque leaves. */
export const MAX_DEPTH = 12
/** Most parts read from one message (all levels together). */
export const MAX_PARTS = 400
/** Most bytes of one header block that are parsed. */
export const MAX_HEADER_BYTES = 256 * 1024
/** Most encoded bytes of an embedded base64/QP message that are decoded (its headers are at the top). */
export const MAX_EMBEDDED_DECODE = 512 * 1024
/** Most characters of one header value that are decoded. */
export const MAX_DECODED_HEADER = 4096
/** Most header fields kept per header block. */
export const MAX_HEADER_FIELDS = 1000

export interface HeaderField {
  /** lower-case field name */
  name: string
  /** unfolded raw value (encoded words not decoded) */
  value: string
}

export interface MimePart {
  headers: HeaderField[]
  /** lower-case media type, e.g. `text/plain`; `text/plain` when absent or unparsable */
  type: string
  params: Record<string, string>
  /** lower-case Content-Transfer-Encoding */
  encoding: string
  /** lower-case disposition value or '' */
  disposition: string
  children: MimePart[]
  depth: number
  /** the byte string the offsets refer to (an embedded base64 message has its own) */
  src: string
  /** offsets into `src` */
  bodyStart: number
  bodyEnd: number
  /** end of a multipart's preamble (the text before its first part), which some MTAs write prose into */
  preambleEnd?: number
  /** set on a multipart whose parts could not be split (no boundary, never found, too deep): read it as text */
  brokenBoundary?: boolean
}

/** A parsed message: the byte string every offset refers to, and the root part. */
export interface MimeMessage {
  /** one char per byte (chars 0–255) */
  src: string
  root: MimePart
  /** parts counted while parsing (bounded by MAX_PARTS) */
  partCount: number
}

const utf8Decoder = new TextDecoder('utf-8')
// The WHATWG "windows-1252" decoder: one char per byte, natively. Browsers map 0x80–0x9F to the
// windows-1252 characters, Node maps every byte to the same code point; both are one-to-one, so a
// byte string may hold either form and `byteStringToBytes` undoes both.
const byteDecoder = new TextDecoder('windows-1252')

/** windows-1252 characters for bytes 0x80–0x9F (the undefined five keep their C1 code point). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
]
const CP1252_BYTE = new Map(CP1252_HIGH.map((c, i) => [c, 0x80 + i]))

/** Turns any accepted input into a byte string (one char per byte, see `byteDecoder`). */
export function toByteString(raw: string | Uint8Array | ArrayBuffer): string {
  if (typeof raw === 'string') {
    // A JS string may hold non-Latin-1 text; store it as UTF-8 bytes so every part decodes alike.
    if (!/[^\x00-\xff]/.test(raw)) return raw
    return byteDecoder.decode(new TextEncoder().encode(raw))
  }
  const bytes = ArrayBuffer.isView(raw)
    ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)
    : new Uint8Array(raw)
  return byteDecoder.decode(bytes)
}

export function byteStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out[i] = c < 0x100 ? c : (CP1252_BYTE.get(c) ?? 0x3f)
  }
  return out
}

/** Byte string → text for windows-1252 and its aliases (latin1, us-ascii), the same in every runtime. */
function decodeWindows1252(bytes: string): string {
  return bytes.replace(/[\x80-\x9f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80]!))
}

const WINDOWS_1252_LABELS = new Set([
  'windows-1252',
  'cp1252',
  'x-cp1252',
  'iso-8859-1',
  'iso8859-1',
  'iso_8859-1',
  'latin1',
  'l1',
  'us-ascii',
  'ascii',
  'ansi_x3.4-1968',
  'cp819',
  'ibm819',
  'iso-ir-100',
])

/** Index of the blank line ending the header block that starts at `start`, and where the body starts. */
function findHeaderEnd(src: string, start: number, end: number): { headerEnd: number; bodyStart: number } {
  // A body may start right away with a blank line (no headers at all).
  if (src.charCodeAt(start) === 10) return { headerEnd: start, bodyStart: start + 1 }
  if (src.charCodeAt(start) === 13 && src.charCodeAt(start + 1) === 10)
    return { headerEnd: start, bodyStart: start + 2 }
  let pos = start
  while (pos < end) {
    const nl = src.indexOf('\n', pos)
    if (nl < 0 || nl >= end) return { headerEnd: end, bodyStart: end }
    const next = nl + 1
    const c = src.charCodeAt(next)
    if (c === 10) return { headerEnd: nl, bodyStart: next + 1 }
    if (c === 13 && src.charCodeAt(next + 1) === 10) return { headerEnd: nl, bodyStart: next + 2 }
    if (next - start > MAX_HEADER_BYTES) {
      // A header flood: stop reading fields, the rest up to the blank line is skipped.
      const blank = src.indexOf('\n\n', next)
      const blankCr = src.indexOf('\n\r\n', next)
      let b = blank < 0 ? blankCr : blankCr < 0 ? blank : Math.min(blank, blankCr)
      if (b < 0 || b >= end) b = end
      const bodyStart = b >= end ? end : src.charCodeAt(b + 1) === 13 ? b + 3 : b + 2
      return { headerEnd: next, bodyStart: Math.min(bodyStart, end) }
    }
    pos = next
  }
  return { headerEnd: end, bodyStart: end }
}

/** Parses header fields between `start` and `end` (unfolding continuation lines). */
export function parseHeaderBlock(src: string, start: number, end: number): HeaderField[] {
  const fields: HeaderField[] = []
  const limit = Math.min(end, start + MAX_HEADER_BYTES)
  let pos = start
  let name = ''
  let value = ''
  while (pos < limit) {
    let nl = src.indexOf('\n', pos)
    if (nl < 0 || nl > limit) nl = limit
    let lineEnd = nl
    if (lineEnd > pos && src.charCodeAt(lineEnd - 1) === 13) lineEnd--
    const c = src.charCodeAt(pos)
    if (c === 32 || c === 9) {
      if (name) value += ` ${src.slice(pos, lineEnd).trim()}`
    } else if (lineEnd > pos) {
      // A field name is printable ASCII up to the colon (trailing blanks tolerated); a line
      // without one is garbage or a broken continuation.
      let colon = -1
      let valid = true
      for (let i = pos; i < lineEnd; i++) {
        const ch = src.charCodeAt(i)
        if (ch === 58) {
          colon = i
          break
        }
        if (ch < 33 || ch > 126) {
          if (ch === 32 || ch === 9) continue
          valid = false
          break
        }
      }
      if (colon > pos && valid) {
        if (name && fields.length < MAX_HEADER_FIELDS) fields.push({ name, value: value.trim() })
        name = src.slice(pos, colon).trim().toLowerCase()
        value = src.slice(colon + 1, lineEnd)
        if (name.indexOf(' ') >= 0 || name.indexOf('\t') >= 0) name = ''
      } else if (name) {
        value += ` ${src.slice(pos, lineEnd).trim()}`
      }
    }
    pos = nl + 1
  }
  if (name && fields.length < MAX_HEADER_FIELDS) fields.push({ name, value: value.trim() })
  return fields
}

export function headerValue(headers: HeaderField[], name: string): string | undefined {
  for (const h of headers) if (h.name === name) return h.value
  return undefined
}

export function headerValues(headers: HeaderField[], name: string): string[] {
  const out: string[] = []
  for (const h of headers) if (h.name === name) out.push(h.value)
  return out
}

/** Decodes RFC 2047 encoded words; never throws. */
export function decodeHeader(value: string | undefined): string {
  if (!value) return ''
  if (value.length > MAX_DECODED_HEADER) value = value.slice(0, MAX_DECODED_HEADER)
  if (value.indexOf('=?') < 0) return value
  try {
    return decodeWords(value)
  } catch {
    return value
  }
}

export interface ParsedContentType {
  type: string
  params: Record<string, string>
}

/** Parses `type/subtype; a=b; c="d"` including RFC 2231 continuations of plain values. */
export function parseStructured(value: string | undefined): ParsedContentType {
  const params: Record<string, string> = {}
  if (!value) return { type: '', params }
  // The type is the first token; some mailers forget the `;` before parameters.
  const tm = /^\s*([^\s;]*)\s*(?:\/\s*([^\s;]*))?/.exec(value)!
  const type = (tm[2] !== undefined ? `${tm[1]}/${tm[2]}` : tm[1]!).toLowerCase()
  const rest = value.slice(tm[0].length)
  if (!rest) return { type, params }
  const re = /(?:^|;|\s)\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"?|([^;\s]*))/g
  const continued: Record<string, string[]> = {}
  let m: RegExpExecArray | null = re.exec(rest)
  let guard = 0
  while (m && guard++ < 200) {
    const key = m[1]!.toLowerCase()
    const val = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim()
    const cont = /^(.+?)\*(\d+)\*?$/.exec(key)
    if (cont) {
      const list = continued[cont[1]!] ?? []
      list[Number(cont[2])] = val
      continued[cont[1]!] = list
    } else if (key.endsWith('*')) {
      params[key.slice(0, -1)] = decode2231(val)
    } else if (!(key in params)) {
      params[key] = val
    }
    m = re.exec(rest)
  }
  for (const [k, parts] of Object.entries(continued)) if (!(k in params)) params[k] = decode2231(parts.join(''))
  return { type, params }
}

function decode2231(v: string): string {
  const m = /^([^']*)'[^']*'(.*)$/.exec(v)
  if (!m) return v
  try {
    return decodeURIComponent(m[2]!)
  } catch {
    return m[2]!
  }
}

interface ParseState {
  src: string
  count: number
}

const MAX_LEADING_BLANK = 4096
const HEADER_LINE_START = /^[!-9;-~]{1,76}:/

/**
 * Where the header block of a whole message starts: saved or pasted copies sometimes begin with
 * blank or whitespace-only lines before the first header field. Those lines are skipped only when
 * a header field follows them; otherwise the message really starts with an empty header block.
 */
function leadingBlankLines(src: string): number {
  let pos = 0
  const limit = Math.min(src.length, MAX_LEADING_BLANK)
  while (pos < limit) {
    const c = src.charCodeAt(pos)
    if (c === 10 || c === 13 || c === 32 || c === 9) pos++
    else break
  }
  if (pos === 0 || pos >= limit) return 0
  // Back up to the start of the line holding the first non-blank character.
  let lineStart = pos
  while (lineStart > 0 && src.charCodeAt(lineStart - 1) !== 10) lineStart--
  if (lineStart === 0) return 0
  return HEADER_LINE_START.test(src.slice(lineStart, lineStart + 80)) ? lineStart : 0
}

/** Parses a whole message. Never throws for any input. */
export function parseMime(raw: string | Uint8Array | ArrayBuffer): MimeMessage {
  const src = toByteString(raw)
  const state: ParseState = { src, count: 0 }
  const root = parsePart(state, leadingBlankLines(src), src.length, 0, 'text/plain')
  return { src, root, partCount: state.count }
}

/** Parses an embedded message (a message/rfc822 or text/rfc822-headers part) as a message of its own. */
export function parseEmbedded(part: MimePart): MimePart {
  if (part.encoding === 'base64' || part.encoding === 'quoted-printable') {
    // An encoded embedded message: decode it into its own byte string and parse that.
    // Only the head of an encoded embedded message matters (its headers): decode a bounded prefix.
    const encoded = part.src.slice(part.bodyStart, Math.min(part.bodyEnd, part.bodyStart + MAX_EMBEDDED_DECODE))
    const decoded = decodeTransfer(encoded, part.encoding).replace(/^[\r\n]+/, '')
    return parsePart({ src: decoded, count: 0 }, 0, decoded.length, part.depth + 1, 'text/plain')
  }
  // Some gateways put blank lines before the embedded message's headers.
  let start = part.bodyStart
  while (start < part.bodyEnd && start < part.bodyStart + 64) {
    const c = part.src.charCodeAt(start)
    if (c !== 10 && c !== 13) break
    start++
  }
  return parsePart({ src: part.src, count: 0 }, start, part.bodyEnd, part.depth + 1, 'text/plain')
}

function parsePart(state: ParseState, start: number, end: number, depth: number, defaultType: string): MimePart {
  state.count++
  const { src } = state
  const { headerEnd, bodyStart } = findHeaderEnd(src, start, end)
  const headers = parseHeaderBlock(src, start, headerEnd)
  const ct = parseStructured(headerValue(headers, 'content-type'))
  let type = ct.type
  if (!type || type.indexOf('/') < 1) type = defaultType
  const part: MimePart = {
    headers,
    type,
    params: ct.params,
    encoding: (headerValue(headers, 'content-transfer-encoding') ?? '').trim().toLowerCase(),
    disposition: parseStructured(headerValue(headers, 'content-disposition')).type,
    children: [],
    depth,
    src,
    bodyStart,
    bodyEnd: end,
  }
  if (type.startsWith('multipart/')) {
    const boundary = ct.params.boundary
    if (!boundary || depth >= MAX_DEPTH) {
      // Read as text by callers: no boundary, or nested too deep to follow.
      part.brokenBoundary = true
      return part
    }
    const childDefault = type === 'multipart/digest' ? 'message/rfc822' : 'text/plain'
    const out = { preambleEnd: bodyStart }
    const ranges = splitMultipart(src, bodyStart, end, boundary, out)
    if (!ranges) {
      part.brokenBoundary = true
      return part
    }
    part.preambleEnd = out.preambleEnd
    for (const [s, e] of ranges) {
      if (state.count >= MAX_PARTS) break
      part.children.push(parsePart(state, s, e, depth + 1, childDefault))
    }
  }
  return part
}

/**
 * Finds the body ranges between `--boundary` delimiter lines. Returns null when no delimiter
 * occurs. A missing close delimiter ends the last part at `end`.
 */
function splitMultipart(
  src: string,
  start: number,
  end: number,
  boundary: string,
  out: { preambleEnd: number },
): Array<[number, number]> | null {
  const delim = `--${boundary}`
  const ranges: Array<[number, number]> = []
  let partStart = -1
  let pos = start
  while (pos < end) {
    const at = src.indexOf(delim, pos)
    if (at < 0 || at + delim.length > end) break
    const lineStart = at === start || src.charCodeAt(at - 1) === 10
    if (!lineStart) {
      pos = at + delim.length
      continue
    }
    let after = at + delim.length
    const closing = src.charCodeAt(after) === 45 && src.charCodeAt(after + 1) === 45
    if (closing) after += 2
    // Only white space may follow the delimiter on its line.
    let lineEnd = src.indexOf('\n', after)
    if (lineEnd < 0 || lineEnd > end) lineEnd = end
    let ok = true
    for (let i = after; i < lineEnd; i++) {
      const c = src.charCodeAt(i)
      if (c !== 32 && c !== 9 && c !== 13) {
        ok = false
        break
      }
    }
    if (!ok) {
      pos = after
      continue
    }
    if (partStart < 0) out.preambleEnd = at
    if (partStart >= 0) {
      // The line break before the delimiter belongs to the delimiter.
      let e = at
      if (e > partStart && src.charCodeAt(e - 1) === 10) e--
      if (e > partStart && src.charCodeAt(e - 1) === 13) e--
      ranges.push([partStart, e])
      if (ranges.length >= MAX_PARTS) return ranges
    }
    if (closing) return ranges
    partStart = lineEnd + 1
    pos = partStart
  }
  if (partStart < 0) return null
  if (partStart < end) ranges.push([partStart, end])
  return ranges
}

const decoders = new Map<string, TextDecoder | null>()

function decoderFor(charset: string): TextDecoder | null {
  let d = decoders.get(charset)
  if (d === undefined) {
    try {
      d = new TextDecoder(charset)
    } catch {
      d = null
    }
    if (decoders.size < 64) decoders.set(charset, d)
  }
  return d
}

/** Base64 / quoted-printable to a byte string; other encodings are returned as they are. */
export function decodeTransfer(body: string, encoding: string): string {
  if (encoding === 'base64') return decodeBase64(body)
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body)
  return body
}

export function decodeBase64(body: string): string {
  let clean = body.replace(/[^A-Za-z0-9+/]/g, '')
  const rem = clean.length % 4
  if (rem === 1) clean = clean.slice(0, -1)
  else if (rem) clean += rem === 2 ? '==' : '='
  try {
    return atob(clean)
  } catch {
    return ''
  }
}

export function decodeQuotedPrintable(body: string): string {
  return body
    .replace(/[ \t]*=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
}

/** Decodes a byte string in `charset` to text; unknown charsets fall back to UTF-8, then windows-1252. */
export function decodeCharset(bytes: string, charset: string | undefined): string {
  const label = (charset ?? '')
    .trim()
    .toLowerCase()
    .replace(/^["']|["']$/g, '')
  if (!/[^\x00-\x7f]/.test(bytes)) {
    // 7-bit data: only ISO-2022, UTF-7 and the wide encodings need a decoder.
    if (!/2022|utf-?7|utf-?16|utf-?32|ucs-?2/.test(label)) return bytes
  } else if (WINDOWS_1252_LABELS.has(label)) {
    return decodeWindows1252(bytes)
  }
  const arr = byteStringToBytes(bytes)
  const d = decoderFor(label || 'utf-8')
  if (d) {
    try {
      return d.decode(arr)
    } catch {
      // fall through
    }
  }
  const utf8 = utf8Decoder.decode(arr)
  if (utf8.indexOf('\ufffd') < 0) return utf8
  return decodeWindows1252(bytes)
}

/** The decoded text of a leaf part, at most `maxBytes` of its (transfer-decoded) body. */
export function partText(part: MimePart, maxBytes = 256 * 1024): string {
  const { src } = part
  // Read a little more than maxBytes of encoded data: base64 shrinks by a quarter.
  const encodedCap = part.encoding === 'base64' ? Math.ceil((maxBytes * 4) / 3) + 4 : maxBytes
  const body = src.slice(part.bodyStart, Math.min(part.bodyEnd, part.bodyStart + encodedCap))
  let bytes = decodeTransfer(body, part.encoding)
  if (bytes.length > maxBytes) bytes = bytes.slice(0, maxBytes)
  return decodeCharset(bytes, part.params.charset)
}

/** Walks the tree depth-first (not into embedded messages), children in order. */
export function walkParts(part: MimePart, visit: (p: MimePart, parent: MimePart | null) => void): void {
  const stack: Array<[MimePart, MimePart | null]> = [[part, null]]
  while (stack.length) {
    const [p, parent] = stack.pop()!
    visit(p, parent)
    for (let i = p.children.length - 1; i >= 0; i--) stack.push([p.children[i]!, p])
  }
}
