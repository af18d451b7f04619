import type { ChannelKind } from './types.ts'

/**
 * The channel advisor's judgement, DOM- and network-free: given the TXT answers for a sending
 * domain (SPF at the domain, DMARC at `_dmarc.<domain>`, DKIM at `<selector>._domainkey.<domain>`),
 * it says for the chosen delivery channel what is in place, what is missing, and why it matters.
 * The worker fetches the answers over DNS-over-HTTPS (background/advisor) and the options page
 * translates each finding by its code (`advisor_<code>` in _locales, parameters in `params`).
 */

/** Used when neither the admin's policy nor the options page names a resolver. */
export const DEFAULT_DOH_RESOLVER = 'https://dns.google/resolve'

/** One TXT lookup as the resolver answered it. `found` with no records is "the name exists, no TXT". */
export type TxtLookup =
  { status: 'found'; records: string[] } | { status: 'nxdomain' } | { status: 'error'; message: string }

export type FindingStatus = 'ok' | 'warn' | 'missing' | 'error' | 'info'

export type AdvisorCode =
  | 'domain_consumer'
  | 'lookup_failed'
  | 'spf_missing'
  | 'spf_multiple'
  | 'spf_pass_all'
  | 'spf_too_many_lookups'
  | 'spf_include_missing'
  | 'spf_provider_unknown'
  | 'spf_legacy'
  | 'spf_ok'
  | 'dmarc_missing'
  | 'dmarc_multiple'
  | 'dmarc_invalid'
  | 'dmarc_none'
  | 'dmarc_legacy_enforced'
  | 'dmarc_ok'
  | 'dkim_missing'
  | 'dkim_revoked'
  | 'dkim_unaligned'
  | 'dkim_relay_unsigned'
  | 'dkim_legacy'
  | 'dkim_ok'

export interface AdvisorFinding {
  record: 'domain' | 'spf' | 'dmarc' | 'dkim'
  /** The DNS name this finding is about. */
  name: string
  status: FindingStatus
  code: AdvisorCode
  /** Values for the translated text's placeholders ($1, $2 …). */
  params: string[]
  /** The record as published, when there is one. */
  found?: string
}

export interface AdvisorReport {
  domain: string
  channel: ChannelKind
  findings: AdvisorFinding[]
}

/** What the relay told us on Authenticate and Save, and the provider include the rep named. */
export interface RelayFacts {
  dkim: { domain: string; selector: string } | null
  /** e.g. `sendgrid.net`; when absent, any known provider's include counts. */
  spfInclude?: string
}

export const GOOGLE_SPF_INCLUDE = '_spf.google.com'
export const MICROSOFT_SPF_INCLUDE = 'spf.protection.outlook.com'
/** Google Workspace's default DKIM selector; Microsoft 365 publishes two and rotates between them. */
export const GOOGLE_DKIM_SELECTORS = ['google'] as const
export const MICROSOFT_DKIM_SELECTORS = ['selector1', 'selector2'] as const

/** SPF includes of SMTP providers teams commonly put behind the relay (each provider's own docs). */
export const KNOWN_SMTP_INCLUDES = [
  'sendgrid.net',
  'sparkpostmail.com',
  'mailgun.org',
  'amazonses.com',
  'spf.mtasv.net',
  'spf.mailjet.com',
  'spf.brevo.com',
  'spf.sendinblue.com',
  'servers.mcsv.net',
  MICROSOFT_SPF_INCLUDE,
  GOOGLE_SPF_INCLUDE,
]

/** Domains whose mail the provider itself authenticates: there is nothing for a rep to publish. */
const CONSUMER_DOMAINS: Partial<Record<ChannelKind, RegExp>> = {
  gmail: /^(?:gmail|googlemail)\.com$/,
  exchange: /^(?:(?:outlook|hotmail|live)\.(?:com|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})|msn\.com)$/,
}

/** RFC 7208 §4.6.4: at most 10 mechanisms and modifiers that cause DNS lookups. */
const SPF_LOOKUP_LIMIT = 10

/**
 * A sending domain from what the rep typed: a bare domain or an address, any case, with or without a
 * trailing dot; international names become their ASCII (punycode) form. `null` when it is not one.
 */
export function normalizeDomain(input: string): string | null {
  let text = input.trim()
  const at = text.lastIndexOf('@')
  if (at >= 0) text = text.slice(at + 1)
  text = text.replace(/>$/, '').replace(/\.$/, '').toLowerCase()
  if (!text || text.length > 253 || /[\s/:?#[\]@\\]/.test(text)) return null
  let ascii: string
  try {
    ascii = new URL(`http://${text}/`).hostname
  } catch {
    return null
  }
  const labels = ascii.split('.')
  if (labels.length < 2) return null
  if (!labels.every((l) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l))) return null
  if (/^\d+$/.test(labels.at(-1)!)) return null
  return ascii
}

export function dmarcName(domain: string): string {
  return `_dmarc.${domain}`
}

export function dkimName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`
}

function dkimTargets(domain: string, channel: ChannelKind, relay?: RelayFacts): { selector: string; name: string }[] {
  const at = (selectors: readonly string[]) => selectors.map((s) => ({ selector: s, name: dkimName(s, domain) }))
  if (channel === 'gmail') return at(GOOGLE_DKIM_SELECTORS)
  if (channel === 'exchange') return at(MICROSOFT_DKIM_SELECTORS)
  if (channel === 'smtp' && relay?.dkim) {
    return [{ selector: relay.dkim.selector, name: dkimName(relay.dkim.selector, relay.dkim.domain) }]
  }
  return []
}

export function isConsumerDomain(domain: string, channel: ChannelKind): boolean {
  return CONSUMER_DOMAINS[channel]?.test(domain) ?? false
}

/** Every TXT name the advisor needs for this domain and channel. */
export function lookupsFor(domain: string, channel: ChannelKind, relay?: RelayFacts): string[] {
  if (isConsumerDomain(domain, channel)) return []
  return [domain, dmarcName(domain), ...dkimTargets(domain, channel, relay).map((t) => t.name)]
}

/**
 * A TXT answer's `data` as DNS-over-HTTPS JSON resolvers give it: Cloudflare quotes each
 * character-string (`"v=spf1 " "include:…"`, with `\"`, `\\` and `\DDD` escapes); Google gives the
 * strings already joined. A record's strings are concatenated without separators (RFC 7208 §3.3).
 */
export function decodeTxtData(data: string): string {
  const text = data.trim()
  if (!text.startsWith('"')) return text
  let out = ''
  for (const m of text.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    out += m[1]!.replace(/\\(\d{3}|.)/g, (_, esc: string) =>
      esc.length === 3 ? String.fromCharCode(Number(esc)) : esc,
    )
  }
  return out
}

/** Reads one `application/dns-json` answer (Google's and Cloudflare's JSON API) for a TXT question. */
export function parseDohAnswer(body: unknown): TxtLookup {
  if (typeof body !== 'object' || body === null) return { status: 'error', message: 'not a DNS JSON answer' }
  const { Status, Answer } = body as { Status?: unknown; Answer?: unknown }
  if (Status === 3) return { status: 'nxdomain' }
  if (Status !== 0) {
    return { status: 'error', message: typeof Status === 'number' ? `DNS status ${Status}` : 'no DNS status' }
  }
  const answers = Array.isArray(Answer) ? Answer : []
  const records = answers
    .filter((a): a is { type: number; data: string } => {
      const r = a as { type?: unknown; data?: unknown }
      return r.type === 16 && typeof r.data === 'string'
    })
    .map((a) => decodeTxtData(a.data))
  return { status: 'found', records }
}

function recordsOf(lookup: TxtLookup | undefined, prefix: RegExp): string[] {
  return lookup?.status === 'found' ? lookup.records.filter((r) => prefix.test(r.trim())) : []
}

interface SpfTerm {
  qualifier: '+' | '-' | '~' | '?'
  name: string
  value: string
}

function spfTerms(record: string): SpfTerm[] {
  return record
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((raw) => {
      const q = /^[+\-~?]/.test(raw) ? (raw[0] as SpfTerm['qualifier']) : '+'
      const body = q === '+' && raw[0] !== '+' ? raw : raw.slice(1)
      const m = /^([A-Za-z][A-Za-z0-9_.-]*)(?:[:=](.*))?$/.exec(body)
      return { qualifier: q, name: (m?.[1] ?? body).toLowerCase(), value: (m?.[2] ?? '').toLowerCase() }
    })
}

/** Does the record authorise `include` (as `include:` or as the `redirect=` it hands over to)? */
function authorises(terms: SpfTerm[], include: string): boolean {
  const want = include.toLowerCase().replace(/\.$/, '')
  return terms.some((t) => t.value === want && ((t.name === 'include' && t.qualifier === '+') || t.name === 'redirect'))
}

function lookupFailed(record: AdvisorFinding['record'], name: string, lookup: TxtLookup): AdvisorFinding | null {
  return lookup.status === 'error'
    ? { record, name, status: 'error', code: 'lookup_failed', params: [name, lookup.message] }
    : null
}

function evaluateSpf(domain: string, channel: ChannelKind, lookup: TxtLookup, relay?: RelayFacts): AdvisorFinding[] {
  const failed = lookupFailed('spf', domain, lookup)
  if (failed) return [failed]
  const base = { record: 'spf' as const, name: domain }
  const records = recordsOf(lookup, /^v=spf1(?:\s|$)/i)
  const required =
    channel === 'gmail'
      ? GOOGLE_SPF_INCLUDE
      : channel === 'exchange'
        ? MICROSOFT_SPF_INCLUDE
        : channel === 'smtp'
          ? relay?.spfInclude?.trim().toLowerCase() || ''
          : ''
  if (records.length === 0) return [{ ...base, status: 'missing', code: 'spf_missing', params: [domain, required] }]
  if (records.length > 1) {
    return [{ ...base, status: 'error', code: 'spf_multiple', params: [domain], found: records.join(' | ') }]
  }
  const record = records[0]!
  const terms = spfTerms(record)
  const findings: AdvisorFinding[] = []
  const all = terms.find((t) => t.name === 'all')
  if (all?.qualifier === '+')
    findings.push({ ...base, status: 'warn', code: 'spf_pass_all', params: [domain], found: record })
  const lookups = terms.filter((t) => ['include', 'a', 'mx', 'ptr', 'exists', 'redirect'].includes(t.name)).length
  if (lookups > SPF_LOOKUP_LIMIT) {
    findings.push({ ...base, status: 'warn', code: 'spf_too_many_lookups', params: [String(lookups)], found: record })
  }
  if (channel === 'legacy') {
    findings.push({ ...base, status: 'warn', code: 'spf_legacy', params: [domain], found: record })
  } else if (channel === 'smtp' && !required) {
    const known = KNOWN_SMTP_INCLUDES.filter((inc) => authorises(terms, inc))
    findings.push(
      known.length > 0
        ? { ...base, status: 'ok', code: 'spf_ok', params: [known.join(', ')], found: record }
        : { ...base, status: 'warn', code: 'spf_provider_unknown', params: [domain], found: record },
    )
  } else if (authorises(terms, required)) {
    findings.push({ ...base, status: 'ok', code: 'spf_ok', params: [required], found: record })
  } else {
    findings.push({
      ...base,
      status: 'missing',
      code: 'spf_include_missing',
      params: [domain, required],
      found: record,
    })
  }
  return findings
}

function dmarcTags(record: string): Map<string, string> {
  const tags = new Map<string, string>()
  for (const part of record.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0) tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim())
  }
  return tags
}

function evaluateDmarc(domain: string, channel: ChannelKind, lookup: TxtLookup): AdvisorFinding[] {
  const name = dmarcName(domain)
  const failed = lookupFailed('dmarc', name, lookup)
  if (failed) return [failed]
  const base = { record: 'dmarc' as const, name }
  const records = recordsOf(lookup, /^v\s*=\s*DMARC1\s*(?:;|$)/i)
  if (records.length === 0) return [{ ...base, status: 'missing', code: 'dmarc_missing', params: [name] }]
  if (records.length > 1) {
    return [{ ...base, status: 'error', code: 'dmarc_multiple', params: [name], found: records.join(' | ') }]
  }
  const record = records[0]!
  const policy = dmarcTags(record).get('p')?.toLowerCase()
  if (policy !== 'none' && policy !== 'quarantine' && policy !== 'reject') {
    return [{ ...base, status: 'error', code: 'dmarc_invalid', params: [name], found: record }]
  }
  if (channel === 'legacy' && policy !== 'none') {
    return [{ ...base, status: 'error', code: 'dmarc_legacy_enforced', params: [policy], found: record }]
  }
  if (policy === 'none') return [{ ...base, status: 'warn', code: 'dmarc_none', params: [name], found: record }]
  return [{ ...base, status: 'ok', code: 'dmarc_ok', params: [policy], found: record }]
}

/** Relaxed DMARC alignment, approximated without the public suffix list: same domain or one inside the other. */
function aligned(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`)
}

function evaluateDkim(
  domain: string,
  channel: ChannelKind,
  txt: Record<string, TxtLookup>,
  relay?: RelayFacts,
): AdvisorFinding[] {
  if (channel === 'legacy') {
    return [{ record: 'dkim', name: domain, status: 'warn', code: 'dkim_legacy', params: [domain] }]
  }
  if (channel === 'smtp' && !relay?.dkim) {
    return [{ record: 'dkim', name: domain, status: 'info', code: 'dkim_relay_unsigned', params: [domain] }]
  }
  const findings: AdvisorFinding[] = []
  for (const { selector, name } of dkimTargets(domain, channel, relay)) {
    const lookup = txt[name] ?? { status: 'error', message: 'not looked up' }
    const failed = lookupFailed('dkim', name, lookup)
    if (failed) {
      findings.push(failed)
      continue
    }
    const base = { record: 'dkim' as const, name }
    const key = recordsOf(lookup, /(?:^|;)\s*p\s*=/i)[0]
    if (!key) {
      findings.push({ ...base, status: 'missing', code: 'dkim_missing', params: [selector, name] })
      continue
    }
    const p = dmarcTags(key).get('p') ?? ''
    if (!p.replace(/\s+/g, '')) {
      findings.push({ ...base, status: 'error', code: 'dkim_revoked', params: [selector, name], found: key })
      continue
    }
    findings.push({ ...base, status: 'ok', code: 'dkim_ok', params: [selector], found: key })
  }
  if (channel === 'smtp' && relay?.dkim && !aligned(relay.dkim.domain, domain)) {
    findings.push({
      record: 'dkim',
      name: dkimName(relay.dkim.selector, relay.dkim.domain),
      status: 'warn',
      code: 'dkim_unaligned',
      params: [relay.dkim.domain, domain],
    })
  }
  return findings
}

/** The advisor's findings for `domain` sending through `channel`, from the TXT answers by name. */
export function evaluate(input: {
  domain: string
  channel: ChannelKind
  txt: Record<string, TxtLookup>
  relay?: RelayFacts
}): AdvisorReport {
  const { domain, channel, txt, relay } = input
  if (isConsumerDomain(domain, channel)) {
    return {
      domain,
      channel,
      findings: [{ record: 'domain', name: domain, status: 'info', code: 'domain_consumer', params: [domain] }],
    }
  }
  const missing: TxtLookup = { status: 'error', message: 'not looked up' }
  return {
    domain,
    channel,
    findings: [
      ...evaluateSpf(domain, channel, txt[domain] ?? missing, relay),
      ...evaluateDkim(domain, channel, txt, relay),
      ...evaluateDmarc(domain, channel, txt[dmarcName(domain)] ?? missing),
    ],
  }
}
