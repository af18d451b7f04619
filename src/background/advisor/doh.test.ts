import { afterEach, describe, expect, it } from 'vitest'
import { type DohStub, startDohStub } from '../../../e2e/doh-stub.ts'
import { checkDomain, lookupAll, queryTxt } from './doh.ts'

/** The advisor's lookups over real HTTP against the local DNS-over-HTTPS stub. */

const stubs: DohStub[] = []
afterEach(async () => {
  for (const s of stubs.splice(0)) await s.close()
})

async function stub(options: Parameters<typeof startDohStub>[0]) {
  const s = await startDohStub(options)
  stubs.push(s)
  return s
}

const LONG_KEY = `v=DKIM1; k=rsa; p=${'A'.repeat(392)}`

describe('DNS-over-HTTPS lookups', () => {
  for (const style of ['google', 'cloudflare'] as const) {
    it(`reads ${style}-style TXT answers, long records joined`, async () => {
      const s = await stub({ style, txt: { 'acme.example': ['v=spf1 include:_spf.google.com ~all', 'other'] } })
      expect(await queryTxt(s.url, 'acme.example')).toEqual({
        status: 'found',
        records: ['v=spf1 include:_spf.google.com ~all', 'other'],
      })
      s.setTxt('google._domainkey.acme.example', [LONG_KEY])
      expect(await queryTxt(s.url, 'google._domainkey.acme.example')).toEqual({ status: 'found', records: [LONG_KEY] })
      expect(s.queries[0]).toEqual({ name: 'acme.example', type: 'TXT', accept: 'application/dns-json' })
    })
  }

  it('follows a CNAME hop, and tells NXDOMAIN, SERVFAIL and a dead resolver apart', async () => {
    const s = await stub({
      txt: { 'selector1-contoso._domainkey.contoso.onmicrosoft.example': [LONG_KEY] },
      cname: { 'selector1._domainkey.contoso.example': 'selector1-contoso._domainkey.contoso.onmicrosoft.example' },
      servfail: ['broken.example'],
    })
    const answers = await lookupAll(s.url, [
      'selector1._domainkey.contoso.example',
      'nothing.example',
      'broken.example',
      'nothing.example',
    ])
    expect(answers).toEqual({
      'selector1._domainkey.contoso.example': { status: 'found', records: [LONG_KEY] },
      'nothing.example': { status: 'nxdomain' },
      'broken.example': { status: 'error', message: 'DNS status 2' },
    })
    expect(s.queries).toHaveLength(3)
    const dead = s.url
    await s.close()
    stubs.length = 0
    expect(await queryTxt(dead, 'acme.example')).toMatchObject({ status: 'error' })
    expect(await queryTxt('not a url', 'acme.example')).toMatchObject({ status: 'error' })
  })

  it('keeps a resolver URL that already has a query, and reports HTTP errors', async () => {
    const seen: string[] = []
    const answer = await queryTxt(
      'https://doh.example/dns-query?ct=application/dns-json',
      'acme.example',
      async (url) => {
        seen.push(String(url))
        return new Response('nope', { status: 502 })
      },
    )
    expect(seen).toEqual(['https://doh.example/dns-query?ct=application%2Fdns-json&name=acme.example&type=TXT'])
    expect(answer).toEqual({ status: 'error', message: 'HTTP 502 from the resolver' })
  })
})

describe('checkDomain', () => {
  it('looks up what Exchange needs and says what is missing', async () => {
    const s = await stub({
      style: 'cloudflare',
      txt: {
        'contoso.example': ['v=spf1 include:_spf.google.com -all'],
        '_dmarc.contoso.example': ['v=DMARC1; p=none; rua=mailto:d@contoso.example'],
        'selector2-contoso._domainkey.contoso.onmicrosoft.example': [LONG_KEY],
      },
      cname: { 'selector2._domainkey.contoso.example': 'selector2-contoso._domainkey.contoso.onmicrosoft.example' },
    })
    const { report, allFailed } = await checkDomain({ domain: 'contoso.example', channel: 'exchange', resolver: s.url })
    expect(allFailed).toBe(false)
    expect(report.findings.map((f) => [f.name, f.code])).toEqual([
      ['contoso.example', 'spf_include_missing'],
      ['selector1._domainkey.contoso.example', 'dkim_missing'],
      ['selector2._domainkey.contoso.example', 'dkim_ok'],
      ['_dmarc.contoso.example', 'dmarc_none'],
    ])
    expect(s.queries.map((q) => q.name).sort()).toEqual([
      '_dmarc.contoso.example',
      'contoso.example',
      'selector1._domainkey.contoso.example',
      'selector2._domainkey.contoso.example',
    ])
  })

  it('asks for the relay’s own selector on Custom SMTP, and says when the resolver answered nothing', async () => {
    const s = await stub({ txt: { 'dispatch1._domainkey.dispatch.test': [LONG_KEY] } })
    const relay = { dkim: { domain: 'dispatch.test', selector: 'dispatch1' }, spfInclude: 'sendgrid.net' }
    const { report } = await checkDomain({ domain: 'dispatch.test', channel: 'smtp', resolver: s.url, relay })
    expect(report.findings.map((f) => f.code)).toEqual(['spf_missing', 'dkim_ok', 'dmarc_missing'])
    await s.close()
    stubs.length = 0
    const dead = await checkDomain({ domain: 'dispatch.test', channel: 'smtp', resolver: s.url, relay })
    expect(dead.allFailed).toBe(true)
  })
})
