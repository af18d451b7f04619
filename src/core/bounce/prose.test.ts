import { describe, expect, it } from 'vitest'
import { addressesIn, cleanAddress, cutReturnedMessage, extractProseRecipients, htmlToText } from './prose.ts'

const none = { exclude: new Set<string>() }
const found = (text: string, opts = none): string[] => extractProseRecipients(text, opts).map((r) => r.address)

describe('cutReturnedMessage', () => {
  it('cuts at the markers MTAs put before the returned message', () => {
    for (const marker of [
      '------ This is a copy of the message, including all the headers. ------',
      '--- Below this line is a copy of the message.',
      '   ----- Original message -----',
      'Original message headers:',
    ]) {
      const { head, tail } = cutReturnedMessage(`failed: a@example.org\n\n${marker}\n\nTo: b@example.org\n`)
      expect(head).toBe('failed: a@example.org\n\n')
      expect(tail.startsWith(marker.trimStart().slice(0, 5)) || tail.includes(marker.trim())).toBe(true)
    }
  })

  it('cuts at a quoted header block without a marker, but not at a To/Subject summary', () => {
    const quoted =
      'x failed\n\nReceived: from a by b\nMessage-ID: <1@example>\nFrom: c@example.org\nTo: d@example.org\n'
    expect(cutReturnedMessage(quoted).head).toBe('x failed')
    const summary = 'Your message\n\nTo: d@example.org\nSubject: hi\nSent: today\n\ndid not reach: d@example.org\n'
    expect(cutReturnedMessage(summary).head).toBe(summary)
  })

  it('leaves sendmail’s opening line alone', () => {
    const t = 'The original message was received at Tue, 4 Mar 2025\n<a@example.org>... User unknown\n'
    expect(cutReturnedMessage(t).head).toBe(t)
  })
})

describe('extractProseRecipients', () => {
  it('finds addresses that lead a line (Exim, qmail, Postfix, Sendmail, Exchange, Gmail)', () => {
    expect(found('  a@example.org\n    SMTP error from remote mail server after RCPT TO:<a@example.org>:')).toEqual([
      'a@example.org',
    ])
    expect(found('<b@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)')).toEqual(['b@example.org'])
    expect(found('554 <c@example.org>... Remote protocol error')).toEqual(['c@example.org'])
    expect(found('d@example.org<mailto:d@example.org>\nThe email address wasn’t found')).toEqual(['d@example.org'])
  })

  it('finds addresses named by failure phrases and labels', () => {
    expect(found("Your message wasn't delivered to e@example.org because the address couldn't be found")).toEqual([
      'e@example.org',
    ])
    expect(found('Invalid final delivery userid: f@example.org')).toEqual(['f@example.org'])
    expect(found('The following recipients returned permanent errors: g@example.org. Reason: x')).toEqual([
      'g@example.org',
    ])
    expect(found('Did not reach the following recipient: h@example.org')).toEqual(['h@example.org'])
  })

  it('keeps each recipient’s own diagnostic', () => {
    const r = extractProseRecipients('<a@example.org>:\n550 user unknown\n\n<b@example.org>:\n552 mailbox full\n', none)
    expect(r.map((x) => [x.address, x.diagnostic.includes('unknown'), x.diagnostic.includes('full')])).toEqual([
      ['a@example.org', true, false],
      ['b@example.org', false, true],
    ])
  })

  it('ignores senders and report addresses', () => {
    const t = 'For help, contact <postmaster@mx.example.net>\nMAIL FROM:<rep@example.com>\nmailer-daemon@example.net\n'
    expect(found(t)).toEqual([])
    expect(found('  rep@example.com\n  x@example.org\n', { exclude: new Set(['rep@example.com']) })).toEqual([
      'x@example.org',
    ])
  })

  it('drops the returned message’s sender only when someone else is named', () => {
    const weak = { exclude: new Set<string>(), weakExclude: new Set(['self@example.org']) }
    expect(found('<self@example.org>: host not found', weak)).toEqual(['self@example.org'])
    expect(found('<self@example.org>:\n<other@example.org>: host not found', weak)).toEqual(['other@example.org'])
  })
})

describe('helpers', () => {
  it('renders HTML to text with line breaks', () => {
    expect(htmlToText('<p>did not reach:<br>a@example.org&nbsp;on Mon</p><style>x{}</style>').trim()).toBe(
      'did not reach:\na@example.org on Mon',
    )
  })

  it('cleans and lists addresses', () => {
    expect(cleanAddress('<a@example.org>:')).toBe('a@example.org')
    expect(cleanAddress('mailto:a@example.org')).toBe('a@example.org')
    expect(addressesIn('"A" <a@example.org>, b@example.net')).toEqual(['a@example.org', 'b@example.net'])
  })
})
