// Which MTA or provider wrote a report, from header and prose signatures (informational).
import type { HeaderField } from './mime.ts'

interface Signature {
  mta: string
  /** tested against `from` + `subject` + selected headers */
  headers?: RegExp
  /** tested against the report's prose */
  text?: RegExp
}

/** Checked in order; the first match names the family. */
export const MTA_SIGNATURES: readonly Signature[] = [
  { mta: 'amazonses', headers: /amazonses\.com|x-ses-outgoing/i, text: /amazon ses|amazonses\.com/i },
  { mta: 'sendgrid', headers: /sendgrid\.(?:net|com)/i, text: /sendgrid/i },
  { mta: 'mimecast', headers: /mimecast/i, text: /mimecast/i },
  { mta: 'mcafee', headers: /mcafee/i, text: /mcafee/i },
  { mta: 'surfcontrol', headers: /surfcontrol/i, text: /surfcontrol/i },
  { mta: 'mfilter', text: /^-+(?:server message|original mail info)/im },
  { mta: 'office365', headers: /\.outlook\.com|\.onmicrosoft\.com|x-ms-exchange-crosstenant/i },
  { mta: 'outlook.com', headers: /@(?:hotmail|outlook|live|msn)\.[a-z.]+/i },
  {
    mta: 'exchange',
    headers: /x-ms-exchange|microsoftexchange/i,
    text: /diagnostic information for administrators|microsoft exchange|the following recipient\(s\) (?:cannot|could not) be reached/i,
  },
  { mta: 'googlegroups', text: /groups\.google\.com\/support|^google groups$/im },
  {
    mta: 'gmail',
    headers: /@googlemail\.com|@gmail\.com|mail delivery subsystem/i,
    text: /google tried to deliver|delivery to the following recipient failed permanently|gmail/i,
  },
  { mta: 'yahoo', headers: /yahoo(?:-inc)?\.(?:com|co\.[a-z]+)|yahoo/i, text: /yahoo/i },
  { mta: 'aol', headers: /@aol\.com/i },
  {
    mta: 'exim',
    headers: /x-failed-recipients/i,
    text: /this message was created automatically by mail delivery software|exim/i,
  },
  { mta: 'postfix', text: /this is the mail system at host|postfix/i },
  { mta: 'qmail', text: /this is the qmail-send program|qmail/i },
  { mta: 'sendmail', text: /-{3,} ?transcript of session follows|the original message was received at|sendmail/i },
  { mta: 'courier', text: /courier mail server|courier-mta/i },
  { mta: 'domino', text: /lotus domino|domino directory|was not delivered to:/i },
  { mta: 'opensmtpd', text: /opensmtpd|this is the mailer-daemon at/i },
  { mta: 'messagingserver', text: /sun java system messaging|oracle communications messaging|iplanet/i },
  { mta: 'groupwise', text: /groupwise/i },
  { mta: 'notes', text: /lotus notes/i },
]

// One scan per source: the signatures joined into a single pattern, one capturing group each
// (the signatures themselves use only non-capturing groups).
const TEXT_SIGNATURES = combine(MTA_SIGNATURES.map((s) => s.text))
const HEADER_SIGNATURES = combine(MTA_SIGNATURES.map((s) => s.headers))

function combine(patterns: Array<RegExp | undefined>): { re: RegExp; index: number[] } {
  const alts: string[] = []
  const index: number[] = []
  patterns.forEach((p, i) => {
    if (!p) return
    alts.push(`(${p.source})`)
    index.push(i)
  })
  return { re: new RegExp(alts.join('|'), 'im'), index }
}

function firstSignature(sig: { re: RegExp; index: number[] }, text: string): string | null {
  const m = sig.re.exec(text)
  if (!m) return null
  for (let g = 1; g < m.length; g++) if (m[g] !== undefined) return MTA_SIGNATURES[sig.index[g - 1]!]!.mta
  return null
}

const HEADER_NAMES = new Set(['message-id', 'x-mailer', 'return-path'])

/** The family that wrote a report: its prose first (most specific), then its headers. */
export function detectMta(headers: HeaderField[], from: string, prose: string): string | null {
  const text = prose.length > 2000 ? prose.slice(0, 2000) : prose
  const byText = firstSignature(TEXT_SIGNATURES, text)
  if (byText) return byText
  let hs = from
  for (const h of headers) {
    if (HEADER_NAMES.has(h.name) || h.name.startsWith('x-')) {
      hs += `\n${h.name}: ${h.value.slice(0, 120)}`
      if (hs.length > 3000) break
    }
  }
  return firstSignature(HEADER_SIGNATURES, hs)
}
