// Decides a bounce reason from an enhanced status code and a diagnostic text, using the data in
// tables.ts: specific causes first (status or text), then text alone, then the status class.
import {
  DNS_BROKEN_REPLY,
  DNS_TEMPORARY,
  PRIMARY_ORDER,
  REASON_PATTERNS,
  type Reason,
  SECONDARY_ORDER,
  STATUS_REASON,
  WEAK_STATUS_REASONS,
} from './tables.ts'

/** Most characters of a diagnostic that are matched against the patterns. */
export const MAX_DIAGNOSTIC_CHARS = 4000

/** Lower-cases, collapses white space and caps the text the reason patterns look at. */
export function normalizeDiagnostic(text: string): string {
  const capped = text.length > MAX_DIAGNOSTIC_CHARS ? text.slice(0, MAX_DIAGNOSTIC_CHARS) : text
  return capped
    .toLowerCase()
    .replace(/[\u2018\u2019\u00b4`]/g, "'")
    .replace(/mail-box/g, 'mailbox')
    .replace(/\s+/g, ' ')
    .trim()
}

// A status code that says "user unknown" is overruled when the text tells of another cause.
const USERUNKNOWN_VETO: readonly Reason[] = [
  'blocked',
  'mailboxfull',
  'hasmoved',
  'rejected',
  'notaccept',
  'spamdetected',
]

const STRONG_USERUNKNOWN =
  /doesn'?t have an? .{1,40} account|recip(?:ient)?notfound|(?:e-?mail account|e-?mail address|address) (?:that )?(?:you tried to reach |you entered )?(?:does not|doesn'?t) exist|address (?:you entered )?couldn'?t be found|wasn'?t found at/

export type SmtpCommand = 'RCPT' | 'MAIL' | 'DATA' | 'HELO' | 'CONN' | null

export interface ReasonInput {
  status: string | null
  /** diagnostic text (raw; normalised here) */
  diagnostic: string
  /** DSN action, when known */
  action?: string
  /** DSN diagnostic type (`smtp`, `x-unix`, ...) */
  diagnosticType?: string
  /** the SMTP command the remote host answered with the error, when the report tells (may be lazy) */
  command?: SmtpCommand | (() => SmtpCommand)
}

const COMMAND_RE =
  /(?:in reply to|after|while sending|did not like our|in response to|>>>|smtp command:?|command was:?|smtp:|\[)\s*(?:the\s+)?(rcpt|mail|data|end of data|helo|ehlo|connect|bdat)(?:\b|_)/gi

/** The SMTP command a diagnostic says the error answered (the last one a transcript shows). */
export function smtpCommand(text: string): SmtpCommand {
  let last: SmtpCommand = null
  const t = text.length > 8000 ? text.slice(0, 8000) : text
  for (const m of t.matchAll(COMMAND_RE)) {
    const c = m[1]!.toLowerCase()
    last =
      c === 'rcpt'
        ? 'RCPT'
        : c === 'mail'
          ? 'MAIL'
          : c === 'helo' || c === 'ehlo'
            ? 'HELO'
            : c === 'connect'
              ? 'CONN'
              : 'DATA'
  }
  if (!last && /recipient address rejected|rcpt to/i.test(t)) return 'RCPT'
  return last
}

/** Per-decision state: pattern results are computed once each, the command only when asked. */
class Probe {
  readonly text: string
  private readonly results = new Map<Reason, boolean>()
  private commandKnown = false
  private commandValue: SmtpCommand = null
  constructor(
    text: string,
    private readonly command: ReasonInput['command'],
  ) {
    this.text = text
  }
  has(r: Reason): boolean {
    let v = this.results.get(r)
    if (v === undefined) {
      const re = REASON_PATTERNS[r as keyof typeof REASON_PATTERNS]
      v = this.text !== '' && re !== undefined && re.test(this.text)
      this.results.set(r, v)
    }
    return v
  }
  cmd(): SmtpCommand {
    if (!this.commandKnown) {
      this.commandKnown = true
      const c = this.command
      this.commandValue =
        typeof c === 'function' ? c() : c !== undefined ? c : this.text ? smtpCommand(this.text) : null
    }
    return this.commandValue
  }
}

export function decideReason(input: ReasonInput): Reason {
  return decideReasonDetail(input).reason
}

export interface ReasonDecision {
  reason: Reason
  /** true when only the status code (or a fallback) decided, no words of the diagnostic */
  fromStatus: boolean
}

const T = (reason: Reason): ReasonDecision => ({ reason, fromStatus: false })
const S = (reason: Reason): ReasonDecision => ({ reason, fromStatus: true })

export function decideReasonDetail(input: ReasonInput): ReasonDecision {
  const text = normalizeDiagnostic(input.diagnostic)
  const status = input.status
  const byStatus = status ? STATUS_REASON[status] : undefined
  const p = new Probe(text, input.command)

  // A local delivery program failed (procmail, a pipe): the mailer, whatever the status says.
  if ((input.diagnosticType ?? '').startsWith('x-unix')) {
    for (const r of SECONDARY_ORDER) if (r !== 'mailererror' && p.has(r)) return T(r)
    return T('mailererror')
  }
  if (text && (DNS_BROKEN_REPLY.test(text) || (byStatus !== 'hostunknown' && DNS_TEMPORARY.test(text))))
    return T('networkerror')
  for (const r of PRIMARY_ORDER) {
    if (r === 'userunknown') {
      // "No such user" answered to RCPT is an unknown user; answered after DATA it is a filter's
      // refusal; an error to MAIL FROM is about the sender.
      if (byStatus === 'userunknown') {
        if (USERUNKNOWN_VETO.some((v) => p.has(v))) continue
        if (p.cmd() === 'MAIL') continue
        return p.has('userunknown') ? T(r) : S(r)
      }
      if (!p.has('userunknown')) continue
      const command = p.cmd()
      // Without the command: an addressing status (X.1.Y) or none keeps the unknown user.
      const addressing = !byStatus || /^\d\.1\./.test(status ?? '')
      if (command === 'RCPT' || (command === null && addressing)) return T(r)
      continue
    }
    if (r === 'filtered' && p.has('userunknown')) {
      const command = p.cmd()
      if (command !== 'RCPT' && command !== 'MAIL') {
        // Providers' own words for an address that never existed stay an unknown user.
        if (STRONG_USERUNKNOWN.test(text)) return T('userunknown')
        return T('filtered')
      }
    }
    if (r === 'hostunknown' && p.cmd() === 'MAIL') continue
    // A 5.2.3 is the per-recipient limit even when the text says "message too large".
    if (r === 'mesgtoobig' && byStatus === 'exceedlimit') continue
    if (p.has(r)) return T(r)
    if (byStatus === r) return S(r)
  }
  // Refused at MAIL FROM with no other cause named: the sender was rejected.
  if (byStatus !== 'hostunknown' && p.cmd() === 'MAIL') return T('rejected')
  if (byStatus && !WEAK_STATUS_REASONS.has(byStatus)) return S(byStatus)
  for (const r of SECONDARY_ORDER) if (p.has(r)) return T(r)
  if (byStatus) return S(byStatus)
  const command = p.cmd()
  if (command === 'HELO' || command === 'CONN') return T('blocked')
  if (status) {
    const cls = status.slice(1, 4)
    if (cls === '.6.') return S('contenterror')
    if (cls === '.7.') return S('securityerror')
  }
  if (input.action === 'delayed' || input.action === 'expired') return S('expired')
  return S(text ? 'onhold' : 'undefined')
}
