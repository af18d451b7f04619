/**
 * Template variables: `{{first_name}}`, `{{company}}`, with a fallback after a pipe —
 * `{{first_name|there}}` or `{{ first_name | "there" }}`. Values are inserted as text: in HTML
 * bodies they are escaped, so a recipient named `<b>` stays a name.
 */

const VARIABLE = /\{\{\s*([a-zA-Z_][\w.-]{0,63})\s*(?:\|\s*(?:"([^"]*)"|'([^']*)'|([^}]*?)))?\s*\}\}/g

export interface Rendered {
  subject: string
  html: string
  /** Variables with neither a value nor a fallback: the sidebar warns before sending. */
  missing: string[]
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`)
}

export function listVariables(text: string): string[] {
  return [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1]!))]
}

function fill(text: string, vars: Record<string, string>, asHtml: boolean, missing: Set<string>): string {
  return text.replace(VARIABLE, (_all, name: string, dq?: string, sq?: string, bare?: string) => {
    const value = vars[name]?.trim()
    if (value) return asHtml ? escapeHtml(value) : value
    const fallback = dq ?? sq ?? bare?.trim()
    if (fallback !== undefined && fallback !== '') return asHtml ? escapeHtml(fallback) : fallback
    missing.add(name)
    return ''
  })
}

export function renderTemplate(t: { subject: string; body: string }, vars: Record<string, string>): Rendered {
  const missing = new Set<string>()
  const subject = fill(t.subject, vars, false, missing)
  const html = fill(t.body, vars, true, missing)
  return { subject, html, missing: [...missing] }
}

/** Mail domains of people, not companies: no `company` is guessed from them. */
const FREEMAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  't-online.de',
  'qq.com',
  '163.com',
  '126.com',
  'uol.com.br',
  'bol.com.br',
  'hotmail.nl',
  'ziggo.nl',
  'telia.com',
  'proton.me',
  'protonmail.com',
])

/** `contoso` for contoso.com, contoso.com.br and contoso.co.uk (country second-level suffixes). */
function registrableLabel(domain: string): string {
  const labels = domain.split('.')
  const tld = labels[labels.length - 1] ?? ''
  const second = labels[labels.length - 2] ?? ''
  const secondLevel = tld.length === 2 && /^(co|com|org|net|gov|ac|edu|ne|or)$/.test(second)
  return labels[labels.length - (secondLevel ? 3 : 2)] ?? ''
}

export interface Person {
  address: string
  name?: string
  variables?: Record<string, string>
}

/** The variables a person brings: names from the display name, company from a business domain. */
export function variablesFor(p: Person): Record<string, string> {
  const name = (p.name ?? '').replace(/^"|"$/g, '').trim()
  let first = ''
  let last = ''
  if (name.includes(',')) {
    // "Silva, Ana" — directory order.
    const [l, f] = name.split(',', 2)
    first = (f ?? '').trim().split(/\s+/)[0] ?? ''
    last = (l ?? '').trim()
  } else if (name) {
    const parts = name.split(/\s+/)
    first = parts[0] ?? ''
    last = parts.length > 1 ? parts[parts.length - 1]! : ''
  }
  const domain = p.address.split('@')[1]?.toLowerCase() ?? ''
  const label = registrableLabel(domain)
  const company = domain && !FREEMAIL.has(domain) && label ? label.charAt(0).toUpperCase() + label.slice(1) : ''
  const base: Record<string, string> = { email: p.address }
  if (first) base.first_name = first
  if (last) base.last_name = last
  if (name) base.full_name = name
  if (company) base.company = company
  return { ...base, ...(p.variables ?? {}) }
}
