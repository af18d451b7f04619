import { describe, expect, it } from 'vitest'
import {
  type AdvisorFinding,
  decodeTxtData,
  evaluate,
  lookupsFor,
  normalizeDomain,
  parseDohAnswer,
  type TxtLookup,
} from './advisor.ts'

const KEY = 'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx'
const found = (...records: string[]): TxtLookup => ({ status: 'found', records })
const nx: TxtLookup = { status: 'nxdomain' }

function byRecord(findings: AdvisorFinding[], record: AdvisorFinding['record']) {
  return findings.filter((f) => f.record === record).map((f) => [f.code, f.status])
}

describe('normalizeDomain', () => {
  it('takes a domain from an address or a bare domain', () => {
    expect(normalizeDomain('Ana@Acme-Sales.Example')).toBe('acme-sales.example')
    expect(normalizeDomain('  acme.example. ')).toBe('acme.example')
    expect(normalizeDomain('Ana Silva <ana@mail.acme.example>')).toBe('mail.acme.example')
  })

  it('turns an international name into its ASCII form', () => {
    expect(normalizeDomain('bücher.example')).toBe('xn--bcher-kva.example')
  })

  it('refuses what is not a domain', () => {
    for (const bad of ['', 'localhost', 'acme', 'a b.example', 'http://acme.example/', '1.2.3.4', '-x.example'])
      expect(normalizeDomain(bad), bad).toBeNull()
  })
})

describe('DNS JSON answers', () => {
  it('joins Cloudflare-style quoted character-strings and unescapes them', () => {
    expect(decodeTxtData('"v=spf1 include:_spf.google.com " "~all"')).toBe('v=spf1 include:_spf.google.com ~all')
    expect(decodeTxtData('"say \\"hi\\" \\\\ \\059 ok"')).toBe('say "hi" \\ ; ok')
  })

  it('keeps Google-style unquoted data as it is', () => {
    expect(decodeTxtData('v=DMARC1; p=reject')).toBe('v=DMARC1; p=reject')
  })

  it('reads NOERROR, NXDOMAIN and failures, keeping TXT answers only (not the CNAME hop)', () => {
    expect(
      parseDohAnswer({
        Status: 0,
        Answer: [
          { name: 'selector1._domainkey.contoso.example.', type: 5, data: 'selector1-contoso._domainkey.x.' },
          { name: 'selector1-contoso._domainkey.x.', type: 16, data: `"${KEY}"` },
        ],
      }),
    ).toEqual({ status: 'found', records: [KEY] })
    expect(parseDohAnswer({ Status: 0 })).toEqual({ status: 'found', records: [] })
    expect(parseDohAnswer({ Status: 3 })).toEqual({ status: 'nxdomain' })
    expect(parseDohAnswer({ Status: 2 })).toEqual({ status: 'error', message: 'DNS status 2' })
    expect(parseDohAnswer('<html>')).toMatchObject({ status: 'error' })
  })
})

describe('lookupsFor', () => {
  it('asks for SPF, DMARC and the channel’s DKIM selectors', () => {
    expect(lookupsFor('acme.example', 'gmail')).toEqual([
      'acme.example',
      '_dmarc.acme.example',
      'google._domainkey.acme.example',
    ])
    expect(lookupsFor('contoso.example', 'exchange')).toEqual([
      'contoso.example',
      '_dmarc.contoso.example',
      'selector1._domainkey.contoso.example',
      'selector2._domainkey.contoso.example',
    ])
    expect(
      lookupsFor('acme.example', 'smtp', { dkim: { domain: 'mail.acme.example', selector: 'dispatch1' } }),
    ).toEqual(['acme.example', '_dmarc.acme.example', 'dispatch1._domainkey.mail.acme.example'])
    expect(lookupsFor('acme.example', 'smtp', { dkim: null })).toEqual(['acme.example', '_dmarc.acme.example'])
    expect(lookupsFor('acme.example', 'legacy')).toEqual(['acme.example', '_dmarc.acme.example'])
  })

  it('looks nothing up for a consumer mailbox on its own provider', () => {
    expect(lookupsFor('gmail.com', 'gmail')).toEqual([])
    expect(lookupsFor('hotmail.co.uk', 'exchange')).toEqual([])
    expect(lookupsFor('gmail.com', 'smtp', { dkim: null })).toHaveLength(2)
  })
})

describe('evaluate', () => {
  const complete = {
    'acme.example': found('google-site-verification=abc', 'v=spf1 include:_spf.google.com ~all'),
    '_dmarc.acme.example': found('v=DMARC1; p=quarantine; rua=mailto:d@acme.example'),
    'google._domainkey.acme.example': found(KEY),
  }

  it('finds nothing missing for a Gmail domain set up for Google', () => {
    const r = evaluate({ domain: 'acme.example', channel: 'gmail', txt: complete })
    expect(r.findings.map((f) => [f.record, f.code, f.status])).toEqual([
      ['spf', 'spf_ok', 'ok'],
      ['dkim', 'dkim_ok', 'ok'],
      ['dmarc', 'dmarc_ok', 'ok'],
    ])
    expect(r.findings.find((f) => f.record === 'spf')?.found).toBe('v=spf1 include:_spf.google.com ~all')
  })

  it('says the same Google-only records lack Microsoft’s include and selectors for Exchange', () => {
    const r = evaluate({ domain: 'acme.example', channel: 'exchange', txt: { ...complete } })
    expect(byRecord(r.findings, 'spf')).toEqual([['spf_include_missing', 'missing']])
    expect(r.findings.find((f) => f.code === 'spf_include_missing')?.params).toEqual([
      'acme.example',
      'spf.protection.outlook.com',
    ])
    // Not looked up → reported as a failed lookup, never as "fine".
    expect(byRecord(r.findings, 'dkim')).toEqual([
      ['lookup_failed', 'error'],
      ['lookup_failed', 'error'],
    ])
  })

  it('reports missing SPF, DMARC and DKIM with the names to publish', () => {
    const r = evaluate({
      domain: 'contoso.example',
      channel: 'exchange',
      txt: {
        'contoso.example': found('MS=ms123'),
        '_dmarc.contoso.example': nx,
        'selector1._domainkey.contoso.example': nx,
        'selector2._domainkey.contoso.example': found(),
      },
    })
    expect(r.findings.map((f) => [f.code, f.params])).toEqual([
      ['spf_missing', ['contoso.example', 'spf.protection.outlook.com']],
      ['dkim_missing', ['selector1', 'selector1._domainkey.contoso.example']],
      ['dkim_missing', ['selector2', 'selector2._domainkey.contoso.example']],
      ['dmarc_missing', ['_dmarc.contoso.example']],
    ])
  })

  it('warns about p=none, +all, too many lookups, and errs on duplicate or broken records', () => {
    const weak = evaluate({
      domain: 'acme.example',
      channel: 'gmail',
      txt: {
        'acme.example': found(
          `v=spf1 ${Array.from({ length: 10 }, (_, i) => `include:s${i}.example`).join(' ')} include:_spf.google.com +all`,
        ),
        '_dmarc.acme.example': found('v=DMARC1; p=none'),
        'google._domainkey.acme.example': found('v=DKIM1; p='),
      },
    })
    expect(weak.findings.map((f) => f.code)).toEqual([
      'spf_pass_all',
      'spf_too_many_lookups',
      'spf_ok',
      'dkim_revoked',
      'dmarc_none',
    ])
    expect(weak.findings.find((f) => f.code === 'spf_too_many_lookups')?.params).toEqual(['11'])

    const broken = evaluate({
      domain: 'acme.example',
      channel: 'gmail',
      txt: {
        'acme.example': found('v=spf1 include:_spf.google.com -all', 'v=spf1 mx -all'),
        '_dmarc.acme.example': found('v=DMARC1; rua=mailto:x@acme.example'),
        'google._domainkey.acme.example': { status: 'error', message: 'DNS status 2' },
      },
    })
    expect(broken.findings.map((f) => [f.code, f.status])).toEqual([
      ['spf_multiple', 'error'],
      ['lookup_failed', 'error'],
      ['dmarc_invalid', 'error'],
    ])
  })

  it('does not count a failing include (-include) or an unrelated include as authorising', () => {
    const r = evaluate({
      domain: 'acme.example',
      channel: 'gmail',
      txt: { ...complete, 'acme.example': found('v=spf1 -include:_spf.google.com include:_spf.google.com.evil ~all') },
    })
    expect(byRecord(r.findings, 'spf')).toEqual([['spf_include_missing', 'missing']])
  })

  it('accepts a redirect= to the provider', () => {
    const r = evaluate({
      domain: 'acme.example',
      channel: 'gmail',
      txt: { ...complete, 'acme.example': found('v=spf1 redirect=_spf.google.com') },
    })
    expect(byRecord(r.findings, 'spf')).toEqual([['spf_ok', 'ok']])
  })

  it('checks the relay’s selector and the provider include the rep named for Custom SMTP', () => {
    const relay = { dkim: { domain: 'acme.example', selector: 'dispatch1' }, spfInclude: 'sendgrid.net' }
    const ok = evaluate({
      domain: 'acme.example',
      channel: 'smtp',
      relay,
      txt: {
        'acme.example': found('v=spf1 include:_spf.google.com include:sendgrid.net -all'),
        '_dmarc.acme.example': found('v=DMARC1; p=reject'),
        'dispatch1._domainkey.acme.example': found(KEY),
      },
    })
    expect(ok.findings.map((f) => f.code)).toEqual(['spf_ok', 'dkim_ok', 'dmarc_ok'])
    const missing = evaluate({ domain: 'acme.example', channel: 'smtp', relay, txt: complete })
    expect(missing.findings.map((f) => f.code)).toEqual(['spf_include_missing', 'lookup_failed', 'dmarc_ok'])
    expect(missing.findings[0]!.params).toEqual(['acme.example', 'sendgrid.net'])
  })

  it('recognises a known SMTP provider when none was named, and says so when it cannot', () => {
    const known = evaluate({
      domain: 'acme.example',
      channel: 'smtp',
      relay: { dkim: null },
      txt: { ...complete, 'acme.example': found('v=spf1 include:sparkpostmail.com ~all') },
    })
    expect(known.findings.map((f) => [f.code, f.params])).toEqual([
      ['spf_ok', ['sparkpostmail.com']],
      ['dkim_relay_unsigned', ['acme.example']],
      ['dmarc_ok', ['quarantine']],
    ])
    const unknown = evaluate({
      domain: 'acme.example',
      channel: 'smtp',
      relay: { dkim: null },
      txt: { ...complete, 'acme.example': found('v=spf1 ip4:192.0.2.1 -all') },
    })
    expect(unknown.findings[0]!.code).toBe('spf_provider_unknown')
  })

  it('warns when the relay signs for a domain that does not align with the From domain', () => {
    const r = evaluate({
      domain: 'acme.example',
      channel: 'smtp',
      relay: { dkim: { domain: 'relay-host.example', selector: 's1' } },
      txt: { ...complete, 's1._domainkey.relay-host.example': found(KEY) },
    })
    expect(byRecord(r.findings, 'dkim')).toEqual([
      ['dkim_ok', 'ok'],
      ['dkim_unaligned', 'warn'],
    ])
  })

  it('warns that legacy servers have no SPF or DKIM and fail an enforcing DMARC policy', () => {
    const r = evaluate({ domain: 'acme.example', channel: 'legacy', txt: complete })
    expect(r.findings.map((f) => [f.code, f.status])).toEqual([
      ['spf_legacy', 'warn'],
      ['dkim_legacy', 'warn'],
      ['dmarc_legacy_enforced', 'error'],
    ])
  })

  it('has nothing to ask of a consumer address on its own provider', () => {
    const r = evaluate({ domain: 'gmail.com', channel: 'gmail', txt: {} })
    expect(r.findings.map((f) => [f.code, f.status])).toEqual([['domain_consumer', 'info']])
  })
})
