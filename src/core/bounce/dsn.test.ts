import { describe, expect, it } from 'vitest'
import { addressValue, parseDeliveryStatus, statusCode } from './dsn.ts'

describe('parseDeliveryStatus (RFC 3464)', () => {
  it('reads the per-message block and one group per recipient', () => {
    const r = parseDeliveryStatus(`Reporting-MTA: dns; mx.example.net
Arrival-Date: Tue, 4 Mar 2025 10:15:00 +0000

Final-Recipient: rfc822; a@example.org
Original-Recipient: rfc822;A@Example.org
Action: failed
Status: 5.1.1 (bad destination mailbox)
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>: User unknown
 in local recipient table

Final-Recipient: rfc822; b@example.org
Action: delayed
Status: 4.4.1
`)
    expect(r.reportingMta).toBe('mx.example.net')
    expect(r.recipients).toEqual([
      {
        finalRecipient: 'a@example.org',
        originalRecipient: 'A@Example.org',
        action: 'failed',
        status: '5.1.1',
        diagnosticType: 'smtp',
        diagnostic: '550 5.1.1 <a@example.org>: User unknown in local recipient table',
        remoteMta: 'mx.example.org',
      },
      {
        finalRecipient: 'b@example.org',
        originalRecipient: null,
        action: 'delayed',
        status: '4.4.1',
        diagnosticType: '',
        diagnostic: '',
        remoteMta: null,
      },
    ])
  })

  it('splits recipient groups written without blank lines between them', () => {
    const r = parseDeliveryStatus(`Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; a@example.org
Action: failed
Status: 5.1.1
Final-Recipient: rfc822; b@example.org
Action: failed
Status: 5.2.2
`)
    expect(r.recipients.map((x) => [x.finalRecipient, x.status])).toEqual([
      ['a@example.org', '5.1.1'],
      ['b@example.org', '5.2.2'],
    ])
  })

  it('lets Action/Status of the per-message block stand in for missing recipient fields', () => {
    const r = parseDeliveryStatus(
      'Reporting-MTA: dns; x\nAction: failed\n\nFinal-Recipient: rfc822; c@example.org\nStatus: 4.7.0\n',
    )
    expect([r.recipients[0]!.action, r.recipients[0]!.status]).toEqual(['failed', '4.7.0'])
  })
})

describe('field values', () => {
  it('extracts enhanced status codes as written', () => {
    expect(statusCode('5.1.10')).toBe('5.1.10')
    expect(statusCode('4.7.650 (rate limited)')).toBe('4.7.650')
    expect(statusCode('smtp; 550')).toBeNull()
    expect(statusCode(undefined)).toBeNull()
  })

  it('extracts addresses from typed values', () => {
    expect(addressValue('rfc822; <a@example.org>')).toBe('a@example.org')
    expect(addressValue('RFC822;a@example.org.')).toBe('a@example.org')
    expect(addressValue('rfc822; "odd..local"@example.org')).toBe('"odd..local"@example.org')
    expect(addressValue('')).toBeNull()
  })
})
