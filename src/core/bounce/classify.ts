// The bounce classifier: RFC 6522 / 3464 structure first, then MTA prose, then subjects and
// headers. DOM-free and free of Node built-ins: it runs in the service worker and in Node.
import { addressValue, type DsnRecipient, parseDeliveryStatus, statusCode } from './dsn.ts'
import {
  decodeHeader,
  type HeaderField,
  headerValue,
  type MimePart,
  parseEmbedded,
  parseHeaderBlock,
  parseMime,
  partText,
  walkParts,
} from './mime.ts'
import { detectMta } from './mta.ts'
import {
  addressesIn,
  cutReturnedMessage,
  extractProseRecipients,
  htmlToText,
  MAX_PROSE_CHARS,
  type ProseOptions,
  type ProseRecipient,
} from './prose.ts'
import { decideReason, decideReasonDetail, type SmtpCommand, smtpCommand } from './reasons.ts'
import { parseSesNotification, type SesNotification } from './ses.ts'
import {
  AUTOREPLY_BODY,
  AUTOREPLY_SUBJECTS,
  CHALLENGE_RESPONSE,
  DAEMON_FROM,
  DELAY_SUBJECTS,
  DELIVERED_SUBJECTS,
  FAMILY_COMMAND,
  FAMILY_REASON,
  kindOf,
  LIST_REJECTION,
  LIST_SOFTWARE_FROM,
  NDR_SUBJECTS,
  RECEIPT_SUBJECTS,
  type Reason,
  STATUS_REASON,
  WEAK_STATUS_REASONS,
} from './tables.ts'

export type BounceCategory = 'bounce' | 'delayed' | 'delivered' | 'autoreply' | 'feedback' | 'receipt' | 'ordinary'

export interface FailedRecipient {
  address: string
  /** enhanced status code as written in the message, or null */
  status: string | null
  /** Sisimai-style reason */
  reason: string
  kind: 'hard' | 'soft'
  /** the diagnostic text (DSN Diagnostic-Code or the MTA's prose), trimmed */
  diagnostic: string | null
}

export interface OriginalMessage {
  /** our own `X-Dispatch-Id` header of the returned message */
  dispatchId: string | null
  messageId: string | null
  subject: string | null
  to: string[]
}

export interface BounceReport {
  /** true only for a final failure for at least one recipient */
  bounce: boolean
  category: BounceCategory
  /** of the first failed recipient */
  kind: 'hard' | 'soft' | null
  /** of the first failed recipient; for non-bounces null or delayed/delivered/feedback/vacation/receipt */
  reason: string | null
  /** of the first failed recipient (or the delayed/delivered one) */
  status: string | null
  /** failed recipients ([] when bounce is false) */
  recipients: FailedRecipient[]
  original: OriginalMessage
  /** sending MTA or provider family, when recognisable */
  mta: string | null
  /** set when the input could not be read as a message */
  error?: string
}

/** Message metadata the inbox scanner has before fetching raw MIME. Keys are case-insensitive. */
export interface CandidateHeaders {
  from?: string
  subject?: string
  contentType?: string
  autoSubmitted?: string
  xFailedRecipients?: string
  [k: string]: string | undefined
}

/** Event notification services that mail bounce reports (Amazon SES through SNS). */
const NOTIFICATION_FROM = /@sns\.amazonaws\.com|@amazonses\.com/i

const NDR_SUBJECT_ANY = new RegExp(
  Object.values(NDR_SUBJECTS)
    .map((r) => r.source)
    .join('|'),
  'i',
)
const AUTOREPLY_SUBJECT_ANY = new RegExp(
  Object.values(AUTOREPLY_SUBJECTS)
    .map((r) => r.source)
    .join('|'),
  'i',
)

/**
 * Cheap pre-filter on metadata: true when the message may be a delivery report (or an automatic
 * reply) and is worth fetching in full. It lets some ordinary mail through; the classifier decides.
 */
export function isBounceCandidate(h: CandidateHeaders): boolean {
  const get = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = h[n]
      if (v !== undefined) return v
    }
    const lower = names.map((n) => n.toLowerCase())
    for (const [k, v] of Object.entries(h)) if (lower.includes(k.toLowerCase())) return v
    return undefined
  }
  if (get('xFailedRecipients', 'x-failed-recipients') !== undefined) return true
  if (get('xMsExchangeMessageIsNdr', 'x-ms-exchange-message-is-ndr') !== undefined) return true
  const ct = get('contentType', 'content-type')
  if (ct && /multipart\/report|message\/delivery-status/i.test(ct)) return true
  const auto = get('autoSubmitted', 'auto-submitted')
  if (auto && !/^\s*no\b/i.test(auto)) return true
  const rp = get('returnPath', 'return-path')
  if (rp !== undefined && /^\s*<?\s*>?\s*$/.test(rp)) return true
  const from = get('from')
  if (from !== undefined && (DAEMON_FROM.test(from) || NOTIFICATION_FROM.test(from) || LIST_SOFTWARE_FROM.test(from)))
    return true
  const subject = get('subject')
  if (subject) {
    const s = decodeHeader(subject)
    if (NDR_SUBJECT_ANY.test(s) || DELAY_SUBJECTS.test(s)) return true
  }
  return false
}

/** True for automatic answers that are not a person's reply: auto-replies and every kind of report. */
export function isAutomatedReply(report: BounceReport): boolean {
  return report.category !== 'ordinary'
}

const EMPTY_ORIGINAL: OriginalMessage = { dispatchId: null, messageId: null, subject: null, to: [] }

function report(category: BounceCategory, extra: Partial<BounceReport> = {}): BounceReport {
  return {
    bounce: category === 'bounce',
    category,
    kind: null,
    reason: null,
    status: null,
    recipients: [],
    original: { ...EMPTY_ORIGINAL },
    mta: null,
    ...extra,
  }
}

/** Classifies a raw RFC 5322 message. Never throws; unreadable input yields bounce:false with `error`. */
export async function classifyMessage(raw: string | Uint8Array | ArrayBuffer): Promise<BounceReport> {
  return classifyMessageSync(raw)
}

/** Synchronous form of classifyMessage, for batch use. */
export function classifyMessageSync(raw: string | Uint8Array | ArrayBuffer): BounceReport {
  try {
    // Typed arrays and ArrayBuffers from another realm (a worker, a frame) fail instanceof checks.
    const binary = ArrayBuffer.isView(raw) || Object.prototype.toString.call(raw) === '[object ArrayBuffer]'
    if (typeof raw !== 'string' && !binary) {
      return report('ordinary', { error: 'input is not a string, Uint8Array or ArrayBuffer' })
    }
    const size = typeof raw === 'string' ? raw.length : raw.byteLength
    if (size === 0) return report('ordinary', { error: 'empty message' })
    const msg = parseMime(raw)
    if (!msg.root.headers.length) return report('ordinary', { error: 'no message headers found' })
    return classifyPart(msg.root, 0)
  } catch (e) {
    return report('ordinary', { error: `classifier failed: ${e instanceof Error ? e.message : String(e)}` })
  }
}

// ---------------------------------------------------------------- structure

interface Structure {
  reportTypes: string[]
  dsn: MimePart[]
  feedback: boolean
  mdn: boolean
  plain: MimePart[]
  html: MimePart[]
  returned: MimePart[]
}

const RETURNED_TYPES = new Set([
  'message/rfc822',
  'message/global',
  'text/rfc822-headers',
  'message/rfc822-headers',
  'message/global-headers',
  'message/partial',
])

function structureOf(root: MimePart): Structure {
  const s: Structure = { reportTypes: [], dsn: [], feedback: false, mdn: false, plain: [], html: [], returned: [] }
  const attachedPlain: MimePart[] = []
  walkParts(root, (p) => {
    const t = p.type
    if (t === 'multipart/report') s.reportTypes.push((p.params['report-type'] ?? '').toLowerCase())
    if (t.startsWith('multipart/') && !p.brokenBoundary) return
    if (t.startsWith('multipart/')) s.plain.push(p)
    else if (t === 'message/delivery-status' || t === 'message/global-delivery-status' || t === 'text/delivery-status')
      s.dsn.push(p)
    else if (t === 'message/feedback-report') s.feedback = true
    else if (t === 'message/disposition-notification' || t === 'message/global-disposition-notification') s.mdn = true
    else if (RETURNED_TYPES.has(t)) s.returned.push(p)
    else if (t === 'text/plain') (p.disposition === 'attachment' ? attachedPlain : s.plain).push(p)
    else if (t === 'text/html' && p.disposition !== 'attachment') s.html.push(p)
  })
  s.plain.push(...attachedPlain)
  return s
}

/** The report's own human-readable text (not the returned message), decoded and capped. */
function humanText(s: Structure, root: MimePart): string {
  let out = ''
  for (const p of s.plain) {
    if (out.length >= MAX_PROSE_CHARS) break
    out += `${partText(p, MAX_PROSE_CHARS)}\n`
  }
  if (!out.trim()) {
    for (const p of s.html) {
      if (out.length >= MAX_PROSE_CHARS) break
      out += `${htmlToText(partText(p, MAX_PROSE_CHARS * 2))}\n`
    }
  }
  // Some MTAs (Courier, old gateways) write the notice into the preamble of the report.
  if (!out.trim() && root.preambleEnd !== undefined) {
    const pre = root.src.slice(root.bodyStart, Math.min(root.preambleEnd, root.bodyStart + MAX_PROSE_CHARS))
    if (!/^\s*this is a (?:multi-part )?(?:mime|multi-part)[^\n]*\s*$/i.test(pre)) out = pre
  }
  return out.length > MAX_PROSE_CHARS ? out.slice(0, MAX_PROSE_CHARS) : out
}

// ---------------------------------------------------------------- the original message

const DISPATCH_ID_RE = /x-dispatch-id:[ \t]*<?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i

function originalFrom(headers: HeaderField[] | null, root: MimePart, tail: string): OriginalMessage {
  const o: OriginalMessage = { ...EMPTY_ORIGINAL, to: [] }
  if (headers) {
    const id = headerValue(headers, 'x-dispatch-id')
    if (id) o.dispatchId = id.replace(/[<>\s]/g, '') || null
    const mid = headerValue(headers, 'message-id')
    if (mid) o.messageId = mid.trim() || null
    const subj = headerValue(headers, 'subject')
    if (subj !== undefined) o.subject = decodeHeader(subj).trim()
    o.to = addressesIn(headerValue(headers, 'to'))
  }
  if (!o.dispatchId) {
    // Quoted in prose, or somewhere we did not parse as headers.
    // Only when no returned header block was found: a returned block without it is not ours.
    const m = DISPATCH_ID_RE.exec(tail) ?? (headers ? null : findDispatchId(root.src, root.bodyStart, root.bodyEnd))
    if (m) o.dispatchId = m[1]!.toLowerCase()
  }
  return o
}

/** Finds an `X-Dispatch-Id:` field anywhere in a byte range without a case-insensitive scan of it all. */
function findDispatchId(src: string, start: number, end: number): RegExpExecArray | null {
  for (const needle of ['ispatch-', 'ISPATCH-']) {
    let at = src.indexOf(needle, start)
    while (at >= 0 && at < end) {
      const m = DISPATCH_ID_RE.exec(src.slice(Math.max(start, at - 3), at + 60))
      if (m) return m
      at = src.indexOf(needle, at + needle.length)
    }
  }
  return null
}

/** Header fields of the returned message: from a message/rfc822 or headers part, else from quoted text. */
function returnedHeaders(s: Structure, tail: string): HeaderField[] | null {
  for (const p of s.returned) {
    if (p.depth > 40) continue
    const sub = parseEmbedded(p)
    if (sub.headers.length) return sub.headers
  }
  if (tail) {
    // Skip the marker line and any blank or indented lines before the quoted header block.
    const m = /\n[ \t>]*((?:[A-Za-z][\w-]*):[ \t]?[^\n]*\n)/.exec(tail)
    if (m) {
      const start = m.index + 1
      let block = tail.slice(start, start + 64 * 1024)
      // A block quoted with a uniform indent ("> " or spaces): remove exactly that prefix.
      const indent = /^[ \t>]*/.exec(block)![0]
      if (indent)
        block = block
          .split('\n')
          .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
          .join('\n')
      const end = block.search(/\r?\n[ \t]*\r?\n/)
      const fields = parseHeaderBlock(block, 0, end < 0 ? block.length : end)
      if (fields.some((f) => f.name === 'message-id' || f.name === 'subject' || f.name === 'to' || f.name === 'from'))
        return fields
    }
  }
  return null
}

// ---------------------------------------------------------------- classification

interface TopHeaders {
  from: string
  fromAddrs: string[]
  to: string[]
  subject: string
  autoSubmitted: string
  precedence: string
  autoReplyHeader: boolean
  failedRecipients: string[]
  exchangeNdr: boolean
  nullReturnPath: boolean
}

function topHeaders(h: HeaderField[]): TopHeaders {
  let from: string | undefined
  let to: string | undefined
  let subject: string | undefined
  let autoSubmitted: string | undefined
  let precedence: string | undefined
  let autoReplyHeader = false
  let exchangeNdr = false
  let nullReturnPath = false
  const failedRecipients: string[] = []
  for (const f of h) {
    switch (f.name) {
      case 'from':
        from ??= f.value
        break
      case 'to':
        to ??= f.value
        break
      case 'subject':
        subject ??= f.value
        break
      case 'auto-submitted':
        autoSubmitted ??= f.value
        break
      case 'precedence':
        precedence ??= f.value
        break
      case 'x-autoreply':
      case 'x-autorespond':
      case 'x-autoresponder':
      case 'x-autogenerated':
        autoReplyHeader = true
        break
      case 'x-mailer':
        if (/vacation|autorespond|auto-reply/i.test(f.value)) autoReplyHeader = true
        break
      case 'x-ms-exchange-message-is-ndr':
        exchangeNdr = true
        break
      case 'return-path':
        if (/^\s*<\s*>\s*$/.test(f.value)) nullReturnPath = true
        break
      case 'x-failed-recipients':
        failedRecipients.push(...addressesIn(f.value))
        break
    }
  }
  const fromText = decodeHeader(from)
  return {
    from: fromText,
    fromAddrs: addressesIn(fromText).map((a) => a.toLowerCase()),
    to: addressesIn(to).map((a) => a.toLowerCase()),
    subject: decodeHeader(subject).trim(),
    autoSubmitted: (autoSubmitted ?? '').toLowerCase(),
    precedence: (precedence ?? '').toLowerCase(),
    autoReplyHeader,
    failedRecipients,
    exchangeNdr,
    nullReturnPath,
  }
}

const FORWARD_SUBJECT =
  /^\s*(?:fwd?|fw|wg|tr|rv|enc|doorst|vs|vb|i|rif|pd|přeposlat|转发|轉寄|転送|пересл)\s*(?:\[\d+\])?\s*:/i
const REPLY_SUBJECT = /^\s*(?:re|aw|sv|antw|res|ynt|odp|回复|回覆|答复|返信)\s*(?:\[\d+\])?\s*:/i

/** Failure statements in prose, in the supported languages. */
const FAILURE_TEXT =
  /could not be delivered|couldn'?t be delivered|wasn'?t delivered|was not delivered|not (?:be )?delivered|undeliverable|delivery (?:has )?failed|delivery to the following recipients? failed|failed permanently|permanent(?: fatal)? (?:error|failure)|unable to deliver|i'?m afraid i wasn'?t able to deliver|the following address(?:es)?\(?(?:es)?\)? (?:failed|had permanent)|did not reach|could not be reached|cannot be delivered|message (?:was )?(?:rejected|refused|returned|bounced)|returned to sender|delivery failure|failed to deliver|user unknown|no such user|not a (?:valid|known) (?:user|recipient|mailbox)|mailbox (?:is )?(?:full|unavailable)|rejected your message|error (?:occurred|while)|not accepted|(?:was|were) rejected|could not deliver|couldn'?t deliver|unable to send|failed (?:addresses|recipients?)|mail failed|malformed (?:recipient )?address|no valid recipients|nicht zugestellt|unzustellbar|konnte nicht zugestellt|kan niet worden bezorgd|niet (?:worden )?bezorgd|kon niet worden afgeleverd|kunde inte levereras|inte levererat|não (?:foi )?(?:possível )?entreg|não pôde ser entregue|无法(?:送达|投递|发送)|未能(?:送达|投递)|投递失败|发送失败|退信|無法(?:傳遞|送達)|n'a pas pu être (?:remis|distribué|délivré)|non remis|impossible de (?:remettre|distribuer)|no se (?:ha )?pudo entregar|no se puede entregar|imposible entregar|配信(?:でき|出来)ませんでした|配送(?:でき|出来)ませんでした|届きませんでした|не (?:может быть|удалось|удается) доставить|не доставлено|недоставлен/i

/** Statements that delivery has stopped for good (a conditional "if it fails permanently" is not one). */
const FINAL_TEXT =
  /permanent (?:fatal )?(?:error|failure)|failed permanently|(?:i'?ve|have|has) given up|giving up|will not (?:be )?retr|no (?:further|more) (?:attempts|retries)|this is a permanent|could not be delivered to one or more/i

/** Warnings that delivery is still being retried. */
const DELAY_TEXT =
  /this is a warning message only|temporary problem delivering|will retry for|will (?:continue|keep) (?:trying|to (?:try|retry|attempt))|will be retried|will retry|still (?:trying|being retried|queued)|has been delayed|have been delayed|delivery (?:is|has been) delayed|temporarily (?:deferred|delayed)|not yet been delivered|no action is required on your part|delivery attempts will continue|you will (?:be notified|receive (?:a|another) notice) if (?:delivery|the message)|retry (?:until|for (?:another|up to))|message will be retried|still in the queue|verzögert|vertraagd|försenad|atrasad|retardé|retrasad|延迟|遅延|задерж/i

/** Most failed recipients read from one report. */
const MAX_RECIPIENTS = 500

/** How many times a report wrapped in message/rfc822 by a gateway is unwrapped. */
const MAX_UNWRAP = 3

function classifyPart(root: MimePart, unwrapped: number): BounceReport {
  const top = topHeaders(root.headers)
  const s = structureOf(root)
  const text = humanText(s, root)
  const { head, tail } = cutReturnedMessage(text)
  const origHeaders = returnedHeaders(s, tail)
  const original = originalFrom(origHeaders, root, tail)
  const mta = detectMta(root.headers, top.from, head)
  const base: Partial<BounceReport> = { original, mta }

  // Prose phrases are matched on text with line breaks and runs of spaces collapsed.
  const flat = (head.length > 8192 ? head.slice(0, 8192) : head).replace(/\s+/g, ' ')
  const isReport = s.reportTypes.length > 0
  const subject = top.subject
  const daemonFrom = DAEMON_FROM.test(top.from)
  // "Automatic reply: Undeliverable ..." is an auto-reply to a bounce; the leading label decides.
  const ndrAt = subject.search(NDR_SUBJECT_ANY)
  const autoAt = subject.search(AUTOREPLY_SUBJECT_ANY)
  const ndrSubject = ndrAt >= 0 && !(autoAt >= 0 && autoAt < ndrAt)

  // Feedback (ARF) and read receipts (MDN) are reports, never bounces.
  if (s.feedback || s.reportTypes.includes('feedback-report'))
    return report('feedback', { ...base, reason: 'feedback' })
  if (s.mdn || s.reportTypes.includes('disposition-notification'))
    return report('receipt', { ...base, reason: 'receipt' })

  // RFC 3834 and the de-facto auto-reply headers mark an automatic answer even under a "Re:" subject.
  const autoHeader =
    /auto-replied|auto-generated|auto-notified/.test(top.autoSubmitted) ||
    /auto[-_]?reply|auto[-_]?respon/.test(top.precedence) ||
    top.autoReplyHeader
  const reportLike = daemonFrom || ndrSubject || top.failedRecipients.length > 0 || top.exchangeNdr || isReport
  if (autoHeader && !reportLike && !s.dsn.length) return report('autoreply', { ...base, reason: 'vacation' })

  const forwarded =
    !isReport &&
    !daemonFrom &&
    !top.failedRecipients.length &&
    !top.exchangeNdr &&
    (FORWARD_SUBJECT.test(subject) || (REPLY_SUBJECT.test(subject) && !s.dsn.length))
  if (forwarded) return report('ordinary', base)

  // A gateway that wrapped the whole report in message/rfc822: read the report inside.
  if (!s.dsn.length && unwrapped < MAX_UNWRAP && (daemonFrom || isReport || (ndrSubject && top.nullReturnPath))) {
    for (const p of s.returned) {
      if (p.type !== 'message/rfc822' && p.type !== 'message/global') continue
      const inner = parseEmbedded(p)
      const ct = (headerValue(inner.headers, 'content-type') ?? '').toLowerCase()
      if (ct.includes('multipart/report') || DAEMON_FROM.test(headerValue(inner.headers, 'from') ?? '')) {
        const r = classifyPart(inner, unwrapped + 1)
        if (r.category !== 'ordinary') return r
      }
    }
  }

  // Sender-side addresses are never failed recipients.
  const exclude = new Set<string>(top.fromAddrs)
  const senders = new Set<string>(top.to)
  if (origHeaders) for (const a of addressesIn(headerValue(origHeaders, 'from'))) senders.add(a.toLowerCase())
  const proseOpts = { exclude, weakExclude: senders }

  // 1. RFC 3464 delivery-status parts.
  const dsnRecipients: DsnRecipient[] = []
  for (const p of s.dsn) {
    if (dsnRecipients.length >= MAX_RECIPIENTS) break
    dsnRecipients.push(...parseDeliveryStatus(partText(p, 256 * 1024)).recipients.slice(0, MAX_RECIPIENTS))
  }
  // Some MTAs print the DSN fields in the text itself.
  if (!dsnRecipients.length && /^(?:final|original)-recipient:/im.test(head) && (daemonFrom || ndrSubject || isReport))
    dsnRecipients.push(...parseDeliveryStatus(dsnBlockIn(head)).recipients)

  // Challenge-response systems write from their own service address, not as a mailer daemon.
  const challenge =
    !daemonFrom && (CHALLENGE_RESPONSE.test(flat) || dsnRecipients.some((r) => CHALLENGE_RESPONSE.test(r.diagnostic)))
  if (challenge && !FAILURE_TEXT.test(stripChallenge(flat))) return report('autoreply', { ...base, reason: 'vacation' })

  // Amazon SES notifications forwarded as JSON.
  const ses = text.indexOf('{') >= 0 && text.indexOf('Type') >= 0 ? parseSesNotification(text) : null
  if (ses) return fromSes(ses, { ...base, mta: 'amazonses' })

  if (dsnRecipients.length) {
    const r = fromDsn(dsnRecipients, head, flat, proseOpts, top, base)
    if (r) return r
  }

  // 2. Automatic replies (RFC 3834, X-Autoreply, subjects): unless the message is a delivery report.
  const autoSubject = autoAt >= 0
  if (
    !reportLike &&
    (autoSubject || autoHeader || (top.precedence === 'bulk' && AUTOREPLY_BODY.test(flat.slice(0, 4000))))
  )
    return report('autoreply', { ...base, reason: 'vacation' })

  // A mailing list refusing a post from a non-member: the list address bounced the message.
  if (!reportLike && LIST_SOFTWARE_FROM.test(top.from) && LIST_REJECTION.test(flat)) {
    const listAddress =
      addressesIn(head).find((a) => !exclude.has(a.toLowerCase()) && !senders.has(a.toLowerCase())) ??
      top.fromAddrs[0]?.replace(/-(?:admin|owner|request|bounces?)@/, '@')
    if (listAddress) {
      const reason: Reason = 'rejected'
      const recipient: FailedRecipient = {
        address: listAddress,
        status: null,
        reason,
        kind: 'soft',
        diagnostic: tidy(head),
      }
      return bounceReport([recipient], { ...base, mta: base.mta ?? 'mailinglist' })
    }
  }

  // 3. Prose bounces.
  if (!reportLike && !top.nullReturnPath && !DELAY_SUBJECTS.test(subject)) {
    if (RECEIPT_SUBJECTS.test(subject)) return report('receipt', { ...base, reason: 'receipt' })
    return report('ordinary', base)
  }
  if (RECEIPT_SUBJECTS.test(subject) && !ndrSubject) return report('receipt', { ...base, reason: 'receipt' })
  if (DELIVERED_SUBJECTS.test(subject) && !ndrSubject && !FAILURE_TEXT.test(flat))
    return report('delivered', { ...base, reason: 'delivered' })

  const delayed = (DELAY_SUBJECTS.test(subject) && !ndrSubject) || (DELAY_TEXT.test(flat) && !FINAL_TEXT.test(flat))
  const prose = extractProseRecipients(head, proseOpts)
  if (delayed && !top.failedRecipients.length) {
    const first = prose[0]
    const status = first ? firstStatus(first.diagnostic) : firstStatus(head)
    return report('delayed', { ...base, reason: 'delayed', status })
  }

  let recips = prose.length > MAX_RECIPIENTS ? prose.slice(0, MAX_RECIPIENTS) : prose
  if (top.failedRecipients.length) {
    // Exim names the failed addresses in a header; keep prose diagnostics for them.
    const byKey = new Map(prose.map((p) => [p.address.toLowerCase(), p]))
    recips = top.failedRecipients
      .slice(0, MAX_RECIPIENTS)
      .map(
        (a) =>
          byKey.get(a.toLowerCase()) ?? { address: a, diagnostic: diagnosticNear(head, a), evidence: 'line' as const },
      )
  }
  // Addresses alone do not make a bounce (a postmaster's quota warning names one too): the
  // subject, a failure statement or an NDR header must say that something was not delivered.
  const fromMailSystem =
    daemonFrom || isReport || top.nullReturnPath || top.exchangeNdr || top.failedRecipients.length > 0
  const failureText = FAILURE_TEXT.test(flat)
  if (!(ndrSubject || failureText || top.failedRecipients.length > 0 || top.exchangeNdr))
    return report('ordinary', base)
  // From an ordinary sender an NDR-like subject is not enough: the text must state the failure
  // and name who did not get the message.
  if (!fromMailSystem && (!failureText || !recips.length)) return report('ordinary', base)
  if (!recips.length) {
    // A failure notice without a readable recipient: fall back on the returned message's To.
    const to = original.to.filter((a) => !exclude.has(a.toLowerCase()))
    recips = to.slice(0, 1).map((a) => ({ address: a, diagnostic: head, evidence: 'phrase' as const }))
  }
  const single = recips.length === 1
  const failed = recips.map((p) => {
    const diagnostic = p.diagnostic.trim() ? p.diagnostic : head
    const status = firstStatus(diagnostic) ?? (single ? firstStatus(head) : null)
    const reason = judge({ status, diagnostic, context: single ? flat : '', mta })
    return { address: p.address, status, reason, kind: kindOf(reason, status), diagnostic: tidy(diagnostic) }
  })
  if (!failed.length) {
    // A report without recipients: still a bounce when the text says so.
    const status = firstStatus(head)
    const reason = judge({ status, diagnostic: head, context: '', mta })
    return report('bounce', { ...base, status, reason, kind: kindOf(reason, status) })
  }
  return bounceReport(failed, base)
}

/** Most characters of surrounding prose read for a cause. */
const MAX_CONTEXT = 1000

interface JudgeInput {
  status: string | null
  /** the recipient's own diagnostic */
  diagnostic: string
  /** more text about the same failure (the report's prose when it names one recipient), read lazily */
  context: string | (() => string)
  mta: string | null
  action?: string
  diagnosticType?: string
}

/**
 * The reason for one failed recipient: its diagnostic decides; when that names no cause the
 * surrounding prose is read too, then the MTA family's usual cause.
 */
function judge(o: JudgeInput): Reason {
  const context = (): string => (typeof o.context === 'string' ? o.context : o.context())
  const own = smtpCommand(o.diagnostic)
  const command = (): SmtpCommand => {
    if (own) return own
    const ctx = context()
    return (ctx ? smtpCommand(ctx) : null) ?? (o.mta ? (FAMILY_COMMAND[o.mta] ?? null) : null)
  }
  const base = { status: o.status, action: o.action, diagnosticType: o.diagnosticType, command }
  const diagnostic = diagnosticCore(o.diagnostic)
  const decision = decideReasonDetail({ ...base, diagnostic })
  let reason = decision.reason
  // When the recipient's own lines name no cause (nothing, or only a weak status code), the cause
  // is often stated in the report's prose near the top.
  const weak = isUnexplained(reason) || (decision.fromStatus && WEAK_STATUS_REASONS.has(reason))
  if (weak) {
    const ctx = context()
    if (ctx) {
      const wider = decideReason({ ...base, diagnostic: ctx.length > MAX_CONTEXT ? ctx.slice(0, MAX_CONTEXT) : ctx })
      // A hard status code yields only to a cause that outranks it (a full or disabled mailbox...).
      const overrides = reason !== 'userunknown' && reason !== 'hostunknown' ? true : OUTRANKS_HARD.has(wider)
      if (!isUnexplained(wider) && overrides) reason = wider
    }
  }
  // Retries of a temporary fault that ran out (expired action, or a 4xx reported as final) expired.
  if (
    reason === 'networkerror' &&
    (o.action === 'expired' || (o.action === 'failed' && o.status?.startsWith('4') && !STATUS_REASON[o.status]))
  )
    reason = 'expired'
  return familyReason(reason, o.mta)
}

const OUTRANKS_HARD: ReadonlySet<Reason> = new Set([
  'mailboxfull',
  'mesgtoobig',
  'exceedlimit',
  'suspend',
  'hasmoved',
  'norelaying',
  'authfailure',
  'userunknown',
  'hostunknown',
])

function isUnexplained(r: Reason): boolean {
  return r === 'onhold' || r === 'undefined'
}

/** A family's usual cause when the diagnostic names none (e.g. Google Groups: not allowed to post). */
function familyReason(reason: Reason, mta: string | null): Reason {
  if ((reason === 'onhold' || reason === 'undefined') && mta && FAMILY_REASON[mta]) return FAMILY_REASON[mta]!
  return reason
}

const SES_SUBTYPE_REASON: Readonly<Record<string, Reason>> = {
  noemail: 'userunknown',
  mailboxfull: 'mailboxfull',
  messagetoolarge: 'mesgtoobig',
  contentrejected: 'contenterror',
  attachmentrejected: 'securityerror',
}

function fromSes(ses: SesNotification, base: Partial<BounceReport>): BounceReport {
  if (ses.type === 'complaint') return report('feedback', { ...base, reason: 'feedback' })
  if (ses.type === 'delivery') return report('delivered', { ...base, reason: 'delivered' })
  const failed: FailedRecipient[] = ses.recipients.map((r) => {
    const sub = SES_SUBTYPE_REASON[ses.bounceSubType.toLowerCase()]
    let reason = decideReason({ status: r.status, diagnostic: r.diagnostic, action: r.action })
    if (sub && (reason === 'onhold' || reason === 'undefined' || reason === 'securityerror')) reason = sub
    return {
      address: r.address,
      status: r.status,
      reason,
      kind: kindOf(reason, r.status),
      diagnostic: r.diagnostic || null,
    }
  })
  if (!failed.length) return report('bounce', { ...base, reason: 'undefined', kind: 'soft' })
  return bounceReport(failed, base)
}

function bounceReport(failed: FailedRecipient[], base: Partial<BounceReport>): BounceReport {
  const first = failed[0]!
  return report('bounce', { ...base, recipients: failed, kind: first.kind, reason: first.reason, status: first.status })
}

function fromDsn(
  recipients: DsnRecipient[],
  head: string,
  flat: string,
  proseOpts: ProseOptions,
  top: TopHeaders,
  base: Partial<BounceReport>,
): BounceReport | null {
  const failed: DsnRecipient[] = []
  const delayed: DsnRecipient[] = []
  const delivered: DsnRecipient[] = []
  for (const r of recipients) {
    const a = r.action
    const cls = r.status?.[0]
    if (
      a === 'failed' ||
      a === 'failure' ||
      a === 'bounced' ||
      a === 'bounce' ||
      a === 'rejected' ||
      a === 'error' ||
      a === 'expired'
    )
      failed.push(r)
    else if (a === 'delayed' || a === 'delay' || a === 'deferred') delayed.push(r)
    else if (a === 'delivered' || a === 'relayed' || a === 'expanded' || a === 'delivery') delivered.push(r)
    else if (cls === '5') failed.push(r)
    else if (cls === '4') (top.failedRecipients.length ? failed : delayed).push(r)
    else if (cls === '2') delivered.push(r)
  }
  if (failed.length) {
    // The prose is read only when the DSN fields leave a question open.
    let proseCache: ProseRecipient[] | null = null
    const proseList = (): ProseRecipient[] => {
      if (!proseCache) proseCache = extractProseRecipients(head, proseOpts)
      return proseCache
    }
    const mta = base.mta ?? null
    const out: FailedRecipient[] = []
    const seen = new Set<string>()
    for (const r of failed) {
      const single = failed.length === 1
      const address =
        usableAddress(r.finalRecipient) ??
        usableAddress(r.originalRecipient) ??
        (single ? proseList()[0]?.address : undefined) ??
        r.finalRecipient ??
        r.originalRecipient ??
        null
      if (!address) continue
      const key = address.toLowerCase()
      if (seen.has(key)) continue
      seen.add(key)
      const proseFor = (): ProseRecipient | undefined =>
        proseList().find((x) => x.address.toLowerCase() === key) ?? (single ? proseList()[0] : undefined)
      let diagnostic = r.diagnostic
      if (!diagnostic.trim()) {
        const p = proseFor()
        diagnostic = p ? diagnosticCore(p.diagnostic) : single ? diagnosticCore(head) : ''
      }
      const context = single ? () => flat : () => proseFor()?.diagnostic ?? ''
      let status = preferStatus(r.status, firstStatus(diagnostic), diagnostic)
      if (!status || /^\d\.0\.0$/.test(status))
        status = preferStatus(status, firstStatus(proseFor()?.diagnostic ?? (single ? flat : '')))
      const reason = judge({ status, diagnostic, context, mta, action: r.action, diagnosticType: r.diagnosticType })
      out.push({ address, status, reason, kind: kindOf(reason, status), diagnostic: tidy(diagnostic) || null })
    }
    if (!out.length) {
      // Failed groups without an address: take the prose's recipients.
      const r = failed[0]!
      for (const p of proseList()) {
        const status = preferStatus(r.status, firstStatus(p.diagnostic))
        const diagnostic = r.diagnostic || diagnosticCore(p.diagnostic)
        const reason = judge({
          status,
          diagnostic,
          context: p.diagnostic,
          mta: base.mta ?? null,
          action: r.action,
          diagnosticType: r.diagnosticType,
        })
        out.push({ address: p.address, status, reason, kind: kindOf(reason, status), diagnostic: tidy(diagnostic) })
      }
      if (!out.length) {
        const status = r.status
        const reason = judge({
          status,
          diagnostic: r.diagnostic || head,
          context: '',
          mta: base.mta ?? null,
          action: r.action,
        })
        return report('bounce', { ...base, status, reason, kind: kindOf(reason, status) })
      }
    }
    return bounceReport(out, base)
  }
  if (delayed.length) return report('delayed', { ...base, reason: 'delayed', status: delayed[0]!.status })
  if (delivered.length) return report('delivered', { ...base, reason: 'delivered', status: delivered[0]!.status })
  return null
}

/**
 * Chooses between the Status field and a code in the diagnostic: the field, unless it is generic
 * (X.0.0) and the text is more specific, or the SMTP reply code sides with the text's class.
 */
export function preferStatus(field: string | null, inText: string | null, diagnostic = ''): string | null {
  if (!field) return inText
  if (!inText || inText === field) return field
  const reply = /^\s*([245])\d\d\b/.exec(diagnostic)?.[1]
  if (reply && field[0] !== inText[0]) return reply === inText[0] ? inText : field
  if (/^\d\.0\.0$/.test(field) && inText[0] === field[0]) return inText
  // "Delivery time expired" says nothing of the cause the remote host gave.
  if (field === '4.4.7' && inText[0] === '4') return inText
  return field
}

/** A usable mailbox: local@domain with a dotted domain (DSNs also carry paths and source routes). */
function usableAddress(a: string | null): string | null {
  if (!a) return null
  const v = a.replace(/^@[^:]*:/, '')
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? v : null
}

const ENHANCED_RE = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)/

/** The first enhanced status code in a text, as written. */
export function firstStatus(text: string): string | null {
  const m = ENHANCED_RE.exec(text.length > 20000 ? text.slice(0, 20000) : text)
  return m ? m[0] : null
}

function diagnosticNear(head: string, address: string): string {
  const i = head.toLowerCase().indexOf(address.toLowerCase())
  if (i < 0) return head
  return head.slice(i + address.length, i + address.length + 1500)
}

/** Drops boilerplate lines so reason patterns see the MTA's words. */
function diagnosticCore(text: string): string {
  return text.length > 4000 ? text.slice(0, 4000) : text
}

function tidy(text: string): string {
  return (text.length > 2000 ? text.slice(0, 2000) : text).replace(/\s+/g, ' ').trim().slice(0, 1000)
}

function stripChallenge(text: string): string {
  return text.replace(CHALLENGE_RESPONSE, ' ')
}

/** The DSN-looking lines of a text (from the first Reporting-MTA/Final-Recipient field on). */
function dsnBlockIn(text: string): string {
  const i = text.search(/^(?:reporting-mta|final-recipient|original-recipient):/im)
  return i < 0 ? '' : text.slice(i, i + 64 * 1024)
}

export { addressValue, statusCode }
