// Which MTA or provider wrote a report, from header and prose signatures (informational).
import { type HeaderField, headerValue } from './mime.ts'

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

export function detectMta(headers: HeaderField[], from: string, prose: string): string | null {
  const hs = `${from}\n${headerValue(headers, 'message-id') ?? ''}\n${headers
    .filter((h) => h.name.startsWith('x-') || h.name === 'return-path')
    .slice(0, 40)
    .map((h) => `${h.name}: ${h.value.slice(0, 300)}`)
    .join('\n')}`
  const text = prose.length > 8000 ? prose.slice(0, 8000) : prose
  for (const sig of MTA_SIGNATURES) {
    if (sig.headers?.test(hs) || sig.text?.test(text)) return sig.mta
  }
  return null
}
