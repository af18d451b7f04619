// Decides a bounce reason from an enhanced status code and a diagnostic text, using the data in
// tables.ts: specific causes first (status or text), then text alone, then the status class.
import {
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
  return capped.toLowerCase().replace(/\s+/g, ' ').trim()
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

export interface ReasonInput {
  status: string | null
  /** diagnostic text (raw; normalised here) */
  diagnostic: string
  /** DSN action, when known */
  action?: string
  /** DSN diagnostic type (`smtp`, `x-unix`, ...) */
  diagnosticType?: string
}

export function decideReason(input: ReasonInput): Reason {
  const text = normalizeDiagnostic(input.diagnostic)
  const status = input.status
  const byStatus = status ? STATUS_REASON[status] : undefined

  for (const r of PRIMARY_ORDER) {
    if (text && REASON_PATTERNS[r as keyof typeof REASON_PATTERNS].test(text)) return r
    if (byStatus === r) {
      if (r === 'userunknown' && text && USERUNKNOWN_VETO.some((v) => matches(v, text))) continue
      return r
    }
  }
  if (byStatus && !WEAK_STATUS_REASONS.has(byStatus)) return byStatus
  if (text) {
    for (const r of SECONDARY_ORDER) if (matches(r, text)) return r
  }
  if (byStatus) return byStatus
  if (status) {
    const cls = status.slice(1, 4)
    if (cls === '.6.') return 'contenterror'
    if (cls === '.7.') return 'securityerror'
  }
  if ((input.diagnosticType ?? '').startsWith('x-unix')) return 'mailererror'
  if (input.action === 'delayed' || input.action === 'expired') return 'expired'
  return text ? 'onhold' : 'undefined'
}

function matches(r: Reason, text: string): boolean {
  const re = REASON_PATTERNS[r as keyof typeof REASON_PATTERNS]
  return re ? re.test(text) : false
}
