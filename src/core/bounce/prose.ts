// Reading the human-readable part of a bounce: where the returned message starts, which
// addresses failed, and the diagnostic text that goes with each.

/** Most characters of human-readable text that prose rules look at. */
export const MAX_PROSE_CHARS = 48 * 1024
/** Most lines scanned for recipients. */
const MAX_LINES = 1500
/** Most characters of diagnostic kept per recipient. */
const MAX_DIAG_CHARS = 1500

// An address as bounces print it: a plain or quoted local part, a dotted domain or an IP literal.
const ADDR_SRC =
  '(?:"[^"\\r\\n]{1,64}"|[A-Za-z0-9!#$%&\'*+/=?^_`{|}~.-]{1,128})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?\\.)+(?:[A-Za-z]{1,63}|xn--[A-Za-z0-9-]{1,59})(?![A-Za-z0-9-])|(?:[A-Za-z0-9!#$%&\'*+/=?^_`{|}~.-]{1,128})@\\[[0-9.]{7,15}\\]'
export const ADDRESS_RE = new RegExp(ADDR_SRC, 'g')

/** Markers after which a bounce quotes the message it returns. */
const RETURNED_MARKER =
  /^[ \t>]*(?:-{2,}|={2,}|\*{2,}|_{2,})?[ \t]*(?:this is a copy of (?:the|your) message|below this line is a copy of the message|(?:a )?copy of (?:the )?(?:original|your) message|(?:the )?original message (?:follows|headers)|original message headers|(?:returned|undelivered|unsent|undeliverable|original|forwarded|bounced) (?:message|mail|e-?mail)(?: follows| headers)?\s*-*\s*$|message headers follow|headers of the (?:original|returned) message|(?:the )?(?:message|headers) (?:below|that follows?)|start of (?:the )?(?:returned|original) message|included (?:below|is) (?:the )?(?:original|returned)|here is (?:a copy of )?(?:the|your) (?:original )?message|(?:your|the) message (?:reads?|was) (?:in part|as follows)|original message header|ursprüngliche nachricht|originele bericht|ursprungligt meddelande|mensagem original|message d'origine|mensaje original|原始邮件|原邮件|元のメッセージ|исходное сообщение)/im

/** Lines of an RFC 5322 header block, used to spot a returned message quoted as plain text. */
const HEADER_LINE =
  /^(?:received|return-path|message-id|date|from|to|subject|mime-version|content-type|x-[\w-]+|dkim-signature|reply-to|cc|references|in-reply-to|authentication-results|delivered-to):[ \t]/i

/** Cuts a bounce's human-readable text where the quoted original message begins. */
export function cutReturnedMessage(text: string): { head: string; tail: string } {
  const m = RETURNED_MARKER.exec(text)
  let cut = m ? m.index : -1
  // A header block quoted without a marker: header lines in a row after a blank line, with at
  // least one that only a real message carries (a summary like To/Subject/Sent does not count).
  const hb = /\n[ \t]*\r?\n(?=(?:received|return-path|message-id|date|from|to|subject|mime-version):[ \t])/gi
  let found: RegExpExecArray | null = hb.exec(text)
  for (let tries = 0; found && tries < 20 && (cut < 0 || found.index < cut); tries++) {
    const lines = text
      .slice(found.index, found.index + 3000)
      .split(/\r?\n/)
      .slice(2, 16)
    let n = 0
    let real = false
    for (const line of lines) {
      if (!line.trim()) break
      if (!HEADER_LINE.test(line)) continue
      n++
      if (/^(?:received|return-path|message-id|mime-version|content-type|dkim-signature|x-[\w-]+):/i.test(line))
        real = true
    }
    if (n >= 3 && real) {
      cut = found.index
      break
    }
    found = hb.exec(text)
  }
  if (cut < 0) return { head: text, tail: '' }
  return { head: text.slice(0, cut), tail: text.slice(cut) }
}

/** A plain-text rendering of HTML, good enough for reading bounce prose. */
export function htmlToText(html: string): string {
  return stripBlocks(html.slice(0, MAX_PROSE_CHARS * 2))
    .replace(/<br\s*\/?>|<\/(?:p|div|tr|li|h\d|table|blockquote)>/gi, '\n')
    .replace(/<[^>]{0,2000}>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d{1,6});/g, (_, d: string) => safeChar(Number(d)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, h: string) => safeChar(Number.parseInt(h, 16)))
    .replace(/&amp;/gi, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n[ \t]+/g, '\n')
}

/** Removes <style>, <script> and <head> elements in one linear pass (an unclosed one ends the text). */
function stripBlocks(html: string): string {
  const lower = html.toLowerCase()
  const opener = /<(style|script|head)\b/g
  let out = ''
  let pos = 0
  for (let m = opener.exec(lower); m; m = opener.exec(lower)) {
    if (m.index < pos) continue
    out += html.slice(pos, m.index)
    const close = lower.indexOf(`</${m[1]}`, m.index)
    if (close < 0) return out
    const gt = lower.indexOf('>', close)
    pos = gt < 0 ? html.length : gt + 1
    opener.lastIndex = pos
  }
  return out + html.slice(pos)
}

function safeChar(code: number): string {
  try {
    return String.fromCodePoint(code)
  } catch {
    return ' '
  }
}

export interface ProseRecipient {
  address: string
  diagnostic: string
  /** how the address was found: a line led by it, or a failure phrase naming it */
  evidence: 'line' | 'phrase' | 'transcript' | 'alias'
}

// Phrases that name a failed recipient right before the address.
const RECIPIENT_PHRASE = new RegExp(
  `(?:(?<![\\w@.-])(?:rcpt to|recipients?|recipient address|(?:delivery|deliver|delivered|sent|send|sending|message|mail|e-?mail|mailing|transmission) to|(?:not (?:be )?delivered|undeliverable|unable to deliver|couldn'?t be delivered|could not (?:be )?deliver(?:ed)?|wasn'?t delivered|was not delivered|failed permanently|cannot be delivered|has failed)(?: to)?|(?:unknown|invalid|bad|failed) (?:user|recipient|address|mailbox)|user|addressee|mailbox|address(?:es)?|(?:failed|error|failure) for|generated (?:by|from))(?:\\s*:\\s*|\\s+|(?=[<"'(\\[]))|(?<![\\w@.-])(?:errors?|failures?|an|aan|till|para|à|收件人|宛先|получател[ья]|empfänger|destinataire|destinatario|destinatário|ontvanger|mottagare)\\s*[:：]\\s*)[<"'(\\[]?\\s*(?:mailto:)?(${ADDR_SRC})`,
  'gi',
)

// A line led by an address (optionally bracketed), as exim, qmail, postfix, sendmail, Exchange and
// Gmail print failed recipients.
const LEADING_ADDRESS = new RegExp(
  `^[ \\t>*•-]*(?:[245]\\d\\d[ -](?:[245]\\.\\d{1,3}\\.\\d{1,3} )?)?[<"'(\\[]?\\s*(?:mailto:|rfc822;\\s*)?(${ADDR_SRC})`,
  'i',
)

// A line that ends with an address after a short label ("Unknown user: a@b.c").
const LABELLED_ADDRESS = new RegExp(
  `^[ \\t]*([^:<>@\\n]{3,80}):[ \\t]*[<"']?(?:mailto:)?(${ADDR_SRC})[>"']?[ \\t]*\\.?[ \\t]*$`,
  'i',
)

// Addresses after these are senders, not recipients.
const SENDER_CONTEXT =
  /(?:mail from:?|from:|sender:?|sent by|envelope-from|return-path:?|reply-to:?|contact|postmaster at|administrator at|send (?:an? )?(?:e-?mail|mail|message) to|write to|questions? to|reported by|help at)\s*[<"'(]?\s*$/i

export interface ProseOptions {
  /** lower-case addresses that are never failed recipients (the report's own From and To) */
  exclude: ReadonlySet<string>
  /** lower-case addresses dropped only when other candidates remain (the returned message's sender) */
  weakExclude?: ReadonlySet<string>
}

/**
 * Finds failed recipients in bounce prose (text before the returned message). Each recipient's
 * diagnostic is the text from its first mention up to the next recipient's, plus later mentions.
 */
export function extractProseRecipients(head: string, opts: ProseOptions): ProseRecipient[] {
  const text = head.length > MAX_PROSE_CHARS ? head.slice(0, MAX_PROSE_CHARS) : head
  const rawLines = text.split('\n', MAX_LINES)
  const offsets: number[] = []
  let off = 0
  for (const l of rawLines) {
    offsets.push(off)
    off += l.length + 1
  }
  const lines = rawLines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  type Hit = { address: string; key: string; pos: number; end: number; evidence: ProseRecipient['evidence'] }
  const hits: Hit[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.indexOf('@') < 0) continue
    const lead = LEADING_ADDRESS.exec(line)
    const seen = new Set<number>()
    if (lead) {
      const addr = cleanAddress(lead[1]!)
      const at = line.indexOf(lead[1]!)
      const before = line.slice(0, at)
      if (addr && !SENDER_CONTEXT.test(before) && !isHeaderLine(line)) {
        hits.push({
          address: addr,
          key: addr.toLowerCase(),
          pos: offsets[i]! + at,
          end: offsets[i]! + at + lead[1]!.length,
          evidence: 'line',
        })
        seen.add(at)
      }
    }
    if (isHeaderLine(line)) continue
    const labelled = LABELLED_ADDRESS.exec(line)
    if (labelled && !SENDER_CONTEXT.test(`${labelled[1]}:`)) {
      const raw = labelled[2]!
      const at = line.lastIndexOf(raw)
      const addr = cleanAddress(raw)
      if (addr && !seen.has(at)) {
        hits.push({
          address: addr,
          key: addr.toLowerCase(),
          pos: offsets[i]! + at,
          end: offsets[i]! + at + raw.length,
          evidence: 'phrase',
        })
        seen.add(at)
      }
    }
    RECIPIENT_PHRASE.lastIndex = 0
    let m: RegExpExecArray | null = RECIPIENT_PHRASE.exec(line)
    while (m) {
      const raw = m[1]!
      const at = m.index + m[0].length - raw.length
      if (!seen.has(at)) {
        const addr = cleanAddress(raw)
        const before = line.slice(0, m.index)
        if (addr && !SENDER_CONTEXT.test(before)) {
          const evidence = /rcpt to/i.test(m[0]) ? 'transcript' : /generated/i.test(m[0]) ? 'alias' : 'phrase'
          hits.push({
            address: addr,
            key: addr.toLowerCase(),
            pos: offsets[i]! + at,
            end: offsets[i]! + at + raw.length,
            evidence,
          })
        }
      }
      m = RECIPIENT_PHRASE.exec(line)
    }
  }
  let kept = hits.filter((h) => !opts.exclude.has(h.key) && !isDaemonAddress(h.key))
  // "generated by/from X" names the alias a recipient was expanded from: the recipient only when
  // nothing else is named (e.g. delivery to a file).
  if (kept.some((h) => h.evidence === 'alias') && kept.some((h) => h.evidence !== 'alias'))
    kept = kept.filter((h) => h.evidence !== 'alias')
  const weak = opts.weakExclude
  if (weak?.size && kept.some((h) => !weak.has(h.key))) kept = kept.filter((h) => !weak.has(h.key))
  if (!kept.length) return []
  kept.sort((a, b) => a.pos - b.pos)
  const byKey = new Map<string, ProseRecipient>()
  for (let k = 0; k < kept.length; k++) {
    const h = kept[k]!
    // The diagnostic runs to the next mention of a different address.
    let stop = Math.min(text.length, h.end + MAX_DIAG_CHARS)
    for (let j = k + 1; j < kept.length; j++) {
      if (kept[j]!.key !== h.key) {
        stop = Math.min(stop, kept[j]!.pos)
        break
      }
    }
    const lineStart = text.lastIndexOf('\n', h.pos) + 1
    const diag = `${text.slice(lineStart, h.pos)} ${text.slice(h.end, stop)}`
    const prev = byKey.get(h.key)
    if (prev) {
      if (prev.diagnostic.length < MAX_DIAG_CHARS * 2) prev.diagnostic += `\n${diag}`
      if (prev.evidence === 'phrase' && h.evidence !== 'phrase') prev.evidence = h.evidence
    } else {
      byKey.set(h.key, { address: h.address, diagnostic: diag, evidence: h.evidence })
    }
  }
  return [...byKey.values()]
}

function isHeaderLine(line: string): boolean {
  return /^(?:from|to|cc|reply-to|return-path|sender|message-id|in-reply-to|references|x-[\w-]+|delivered-to|envelope-to|received):/i.test(
    line.trimStart(),
  )
}

/** Trims punctuation bounces glue to addresses. */
export function cleanAddress(raw: string): string | null {
  let a = raw.trim().replace(/^[<("'[]+|[>)"'\],;:.]+$/g, '')
  if (a.startsWith('mailto:')) a = a.slice(7)
  const at = a.lastIndexOf('@')
  if (at <= 0 || at === a.length - 1) return null
  // Local parts may not start with a dot unless quoted (and `...@` is prose, not an address).
  if (a.startsWith('.')) a = a.replace(/^\.+/, '')
  if (!a || a.startsWith('@')) return null
  return a
}

const DAEMON_LOCAL =
  /^(?:mailer-?daemon|mail-?daemon|postmaster|double-?bounce|nobody|mailer_daemon|microsoftexchange[0-9a-f]{8,})@/i

/** Senders of reports: never failed recipients (postmaster@ stays allowed when it is the only one). */
export function isDaemonAddress(addr: string): boolean {
  return DAEMON_LOCAL.test(addr) && !/^postmaster@/i.test(addr)
}

/** Every address in a header value, lower-cased. */
export function addressesIn(value: string | undefined): string[] {
  if (!value) return []
  const out: string[] = []
  ADDRESS_RE.lastIndex = 0
  let m: RegExpExecArray | null = ADDRESS_RE.exec(value)
  while (m && out.length < 100) {
    const a = cleanAddress(m[0])
    if (a) out.push(a)
    m = ADDRESS_RE.exec(value)
  }
  return out
}
