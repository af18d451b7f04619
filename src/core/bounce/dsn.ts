// RFC 3464 delivery-status fields: one per-message block, then one block per recipient.

export interface DsnRecipient {
  finalRecipient: string | null
  originalRecipient: string | null
  /** lower-case: failed | delayed | delivered | relayed | expanded | '' */
  action: string
  /** enhanced status code as written, e.g. `5.1.1`, or null */
  status: string | null
  /** diagnostic type (`smtp`, `x-unix`, ...), lower-case */
  diagnosticType: string
  diagnostic: string
  remoteMta: string | null
}

export interface DsnReport {
  reportingMta: string | null
  recipients: DsnRecipient[]
}

const STATUS_RE = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/

/** Extracts `X.Y.Z` from a Status field (which may carry a comment). */
export function statusCode(value: string | undefined | null): string | null {
  if (!value) return null
  const m = STATUS_RE.exec(value)
  return m ? m[0] : null
}

/** `rfc822; a@b.c` → `a@b.c`; angle brackets and stray quotes are removed. */
export function addressValue(value: string | undefined): string | null {
  if (!value) return null
  let v = value.trim()
  const semi = v.indexOf(';')
  if (semi >= 0 && semi < 16 && !/@/.test(v.slice(0, semi))) v = v.slice(semi + 1).trim()
  const angle = /<([^<>]*@[^<>]*)>/.exec(v)
  if (angle) v = angle[1]!
  v = v.replace(/^mailto:/i, '').trim()
  // Keep a quoted local part ("a b"@c); drop surrounding junk like trailing dots or parentheses.
  const addr = /("[^"]*"|[^\s"<>()[\],;:]+)@([^\s"<>()[\],;:]+)/.exec(v)
  if (!addr) return v.length && v.length < 320 && !/\s/.test(v) ? v : null
  return `${addr[1]}@${addr[2]!.replace(/\.+$/, '')}`
}

function typedValue(value: string | undefined): { type: string; text: string } {
  if (!value) return { type: '', text: '' }
  const semi = value.indexOf(';')
  if (semi > 0 && semi < 24 && /^[\w.-]+$/.test(value.slice(0, semi).trim())) {
    return { type: value.slice(0, semi).trim().toLowerCase(), text: value.slice(semi + 1).trim() }
  }
  return { type: '', text: value.trim() }
}

interface Field {
  name: string
  value: string
}

/** Splits DSN text into groups of fields; a blank line (or a repeated recipient field) starts a group. */
function fieldGroups(text: string): Field[][] {
  const groups: Field[][] = []
  let cur: Field[] = []
  let seenRecipient = false
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length && i < 5000; i++) {
    const line = lines[i]!
    if (!line.trim()) {
      if (cur.length) groups.push(cur)
      cur = []
      seenRecipient = false
      continue
    }
    const c = line.charCodeAt(0)
    if ((c === 32 || c === 9) && cur.length) {
      cur[cur.length - 1]!.value += ` ${line.trim()}`
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) {
      if (cur.length) cur[cur.length - 1]!.value += ` ${line.trim()}`
      continue
    }
    const name = line.slice(0, colon).trim().toLowerCase()
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      if (cur.length) cur[cur.length - 1]!.value += ` ${line.trim()}`
      continue
    }
    const isRecipient = name === 'final-recipient' || name === 'original-recipient'
    if (isRecipient) {
      // Some reports run recipient groups together without a blank line.
      const hasFinal = cur.some((f) => f.name === 'final-recipient')
      const hasOriginal = cur.some((f) => f.name === 'original-recipient')
      if (
        seenRecipient &&
        ((name === 'final-recipient' && hasFinal) || (name === 'original-recipient' && hasOriginal))
      ) {
        groups.push(cur)
        cur = []
      }
      seenRecipient = true
    }
    cur.push({ name, value: line.slice(colon + 1).trim() })
  }
  if (cur.length) groups.push(cur)
  return groups
}

function get(fields: Field[], name: string): string | undefined {
  for (const f of fields) if (f.name === name) return f.value
  return undefined
}

/** Parses the body of a message/delivery-status part (or DSN fields found in text). */
export function parseDeliveryStatus(text: string): DsnReport {
  const groups = fieldGroups(text)
  const report: DsnReport = { reportingMta: null, recipients: [] }
  let perMessage: Field[] = []
  for (const g of groups) {
    const hasRecipient = g.some((f) => f.name === 'final-recipient' || f.name === 'original-recipient')
    if (!hasRecipient) {
      if (!report.recipients.length) {
        perMessage = perMessage.concat(g)
        const rm = get(g, 'reporting-mta')
        if (rm && !report.reportingMta) report.reportingMta = typedValue(rm).text
      } else {
        // Fields that trail a recipient group after a stray blank line belong to it.
        const last = report.recipients[report.recipients.length - 1]!
        mergeInto(last, g)
      }
      continue
    }
    const diag = typedValue(get(g, 'diagnostic-code'))
    const rec: DsnRecipient = {
      finalRecipient: addressValue(get(g, 'final-recipient')),
      originalRecipient: addressValue(get(g, 'original-recipient')),
      action:
        (get(g, 'action') ?? '')
          .trim()
          .toLowerCase()
          .split(/[\s(;]/)[0] ?? '',
      status: statusCode(get(g, 'status')),
      diagnosticType: diag.type,
      diagnostic: diag.text,
      remoteMta: get(g, 'remote-mta') ? typedValue(get(g, 'remote-mta')).text : null,
    }
    report.recipients.push(rec)
  }
  // A per-message block that carries Action/Status (seen in some challenge-response and old
  // gateways) applies to recipients that lack them.
  const pmAction = (get(perMessage, 'action') ?? '').trim().toLowerCase()
  const pmStatus = statusCode(get(perMessage, 'status'))
  const pmDiag = typedValue(get(perMessage, 'diagnostic-code'))
  for (const r of report.recipients) {
    if (!r.action && pmAction) r.action = pmAction
    if (!r.status && pmStatus) r.status = pmStatus
    if (!r.diagnostic && pmDiag.text) {
      r.diagnostic = pmDiag.text
      r.diagnosticType = pmDiag.type
    }
  }
  return report
}

function mergeInto(r: DsnRecipient, g: Field[]): void {
  const action = get(g, 'action')
  if (!r.action && action) r.action = action.trim().toLowerCase()
  const status = statusCode(get(g, 'status'))
  if (!r.status && status) r.status = status
  const diag = get(g, 'diagnostic-code')
  if (!r.diagnostic && diag) {
    const d = typedValue(diag)
    r.diagnostic = d.text
    r.diagnosticType = d.type
  }
}
