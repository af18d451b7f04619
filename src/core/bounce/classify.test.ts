import { describe, expect, it } from 'vitest'
import {
  type BounceReport,
  classifyMessage,
  classifyMessageSync,
  isAutomatedReply,
  isBounceCandidate,
} from './classify.ts'
import * as F from './fixtures.ts'

function headersOf(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ')
  const out: Record<string, string> = {}
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i > 0) out[line.slice(0, i).toLowerCase()] ??= line.slice(i + 1).trim()
  }
  return out
}

function candidate(raw: string): boolean {
  const h = headersOf(raw)
  return isBounceCandidate({
    from: h.from,
    subject: h.subject,
    contentType: h['content-type'],
    autoSubmitted: h['auto-submitted'],
    xFailedRecipients: h['x-failed-recipients'],
    'X-MS-Exchange-Message-Is-Ndr': h['x-ms-exchange-message-is-ndr'],
    'Return-Path': h['return-path'],
  })
}

interface Expect {
  kind: 'hard' | 'soft'
  reason: string
  status: string | null
  recipients: string[]
  mta?: string
}

function expectBounce(r: BounceReport, e: Expect): void {
  expect(r.error).toBeUndefined()
  expect(r.category).toBe('bounce')
  expect(r.bounce).toBe(true)
  expect(r.recipients.map((x) => x.address)).toEqual(e.recipients)
  expect(r.kind).toBe(e.kind)
  expect(r.reason).toBe(e.reason)
  expect(r.status).toBe(e.status)
  if (e.mta) expect(r.mta).toBe(e.mta)
}

describe('bounces from each MTA family', () => {
  const cases: Array<[string, string, Expect]> = [
    [
      'Postfix, unknown user (RFC 3464 report)',
      F.postfixUserUnknown,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['nobody.here@example.org'], mta: 'postfix' },
    ],
    [
      'Postfix, mailbox full',
      F.postfixMailboxFull,
      { kind: 'soft', reason: 'mailboxfull', status: '5.2.2', recipients: ['full.box@example.net'] },
    ],
    [
      'Postfix, domain not found (X-Postfix diagnostic)',
      F.postfixHostNotFound,
      { kind: 'hard', reason: 'hostunknown', status: '5.4.4', recipients: ['ops@no-such-domain.example'] },
    ],
    [
      'Exim, X-Failed-Recipients, two recipients',
      F.eximTwoRecipients,
      {
        kind: 'hard',
        reason: 'userunknown',
        status: '5.1.1',
        recipients: ['gone@example.org', 'stuffed@example.com'],
        mta: 'exim',
      },
    ],
    [
      'Sendmail, host unknown',
      F.sendmailHostUnknown,
      { kind: 'hard', reason: 'hostunknown', status: '5.1.2', recipients: ['info@unknown-host.example.net'] },
    ],
    [
      'qmail, no mailbox (#5.1.1)',
      F.qmailNoMailbox,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['former.staff@example.net'], mta: 'qmail' },
    ],
    [
      'Gmail, address not found',
      F.gmailAddressNotFound,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['no.such.person@example.com'] },
    ],
    [
      'Gmail, domain not found (prose only)',
      F.gmailDomainNotFound,
      { kind: 'hard', reason: 'hostunknown', status: null, recipients: ['hello@typo-domain.example'] },
    ],
    [
      'Office 365, recipient not found (5.1.10)',
      F.office365RecipientNotFound,
      { kind: 'hard', reason: 'userunknown', status: '5.1.10', recipients: ['left.company@example.net'] },
    ],
    [
      'Exchange 2003, account does not exist',
      F.exchange2003,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['j.doe@corp.example.com'] },
    ],
    [
      'Outlook.com, mailbox unavailable',
      F.outlookComMailboxUnavailable,
      { kind: 'hard', reason: 'userunknown', status: '5.5.0', recipients: ['someone.old@hotmail.example'] },
    ],
    [
      'Yahoo, user unknown [RCPT_TO]',
      F.yahooUserUnknown,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['kim.kat@example.org'], mta: 'yahoo' },
    ],
    [
      'Courier, relay access denied',
      F.courierRejected,
      { kind: 'soft', reason: 'norelaying', status: '5.7.1', recipients: ['sam@example.net'], mta: 'courier' },
    ],
    [
      'Domino, not listed in the directory',
      F.dominoNotListed,
      { kind: 'hard', reason: 'userunknown', status: null, recipients: ['pat.lee@notes.example.com'], mta: 'domino' },
    ],
    [
      'Amazon SES, DSN',
      F.amazonSesDsn,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['nope@example.com'], mta: 'amazonses' },
    ],
    [
      'Amazon SES, JSON notification (mailbox full)',
      F.amazonSesJson,
      { kind: 'soft', reason: 'mailboxfull', status: '5.2.2', recipients: ['crammed@example.org'], mta: 'amazonses' },
    ],
    [
      'SendGrid, prose',
      F.sendgridProse,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['lost.lead@example.com'], mta: 'sendgrid' },
    ],
    [
      'Mimecast, policy rejection',
      F.mimecastRejected,
      {
        kind: 'soft',
        reason: 'policyviolation',
        status: null,
        recipients: ['buyer@client.example.com'],
        mta: 'mimecast',
      },
    ],
    [
      'Google Groups, not allowed to post',
      F.googleGroupsRejected,
      { kind: 'soft', reason: 'rejected', status: null, recipients: ['partners@groups.example.com'] },
    ],
    [
      'OpenSMTPD, user unknown',
      F.opensmtpdUserUnknown,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['vanished@example.net'] },
    ],
    [
      'hMailServer, unknown user',
      F.hmailserverUserUnknown,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['kijitora@example.com'] },
    ],
    [
      'MDaemon, session transcript',
      F.mdaemonUserUnknown,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['gone.person@example.net'] },
    ],
    [
      'Domino, routing loop',
      F.dominoRoutingLoop,
      { kind: 'soft', reason: 'networkerror', status: null, recipients: ['j.smith@notes.example.com'] },
    ],
    [
      'GroupWise, user not found',
      F.groupwiseUserNotFound,
      { kind: 'hard', reason: 'userunknown', status: null, recipients: ['a.nother@gw.example.com'] },
    ],
    [
      'Yahoo, mailbox disabled',
      F.yahooMailboxDisabled,
      { kind: 'soft', reason: 'suspend', status: null, recipients: ['old.friend@yahoo.example'] },
    ],
    [
      'Gmail, account disabled',
      F.gmailAccountDisabled,
      { kind: 'soft', reason: 'suspend', status: null, recipients: ['inactive@gmail.example'] },
    ],
    [
      'Gmail, blocked as spam',
      F.gmailBlockedAsSpam,
      { kind: 'soft', reason: 'spamdetected', status: null, recipients: ['buyer@gmail.example'] },
    ],
    [
      'Exchange 2010 in German (quoted-printable, #550 line)',
      F.exchange2010German,
      { kind: 'hard', reason: 'userunknown', status: '5.1.1', recipients: ['max.muster@firma.example.de'] },
    ],
  ]
  for (const [name, raw, e] of cases) {
    it(name, async () => {
      expectBounce(await classifyMessage(raw), e)
      expect(candidate(raw)).toBe(true)
    })
  }

  it('takes the unknown user from the words when the relay only says 5.0.0', () => {
    expectBounce(classifyMessageSync(F.postfixGenericKnownUser), {
      kind: 'hard',
      reason: 'userunknown',
      status: '5.0.0',
      recipients: ['left.team@example.edu'],
    })
  })

  it('reports each failed recipient with its own status and reason', () => {
    const r = classifyMessageSync(F.eximTwoRecipients)
    expect(r.recipients.map((x) => [x.address, x.status, x.reason, x.kind])).toEqual([
      ['gone@example.org', '5.1.1', 'userunknown', 'hard'],
      ['stuffed@example.com', '4.2.2', 'mailboxfull', 'soft'],
    ])
    expect(r.recipients[0]!.diagnostic).toContain('User unknown')
  })

  it('reads the same message with CRLF line ends, as bytes and as an ArrayBuffer', () => {
    const crlf = F.postfixUserUnknown.replace(/\n/g, '\r\n')
    const bytes = new TextEncoder().encode(crlf)
    const offset = new Uint8Array(bytes.length + 8)
    offset.set(bytes, 8)
    for (const input of [crlf, bytes, bytes.buffer as ArrayBuffer, offset.subarray(8)]) {
      const r = classifyMessageSync(input)
      expect([r.bounce, r.kind, r.status, r.recipients.map((x) => x.address)]).toEqual([
        true,
        'hard',
        '5.1.1',
        ['nobody.here@example.org'],
      ])
    }
  })
})

describe('unusual shapes', () => {
  it('reads a notice that starts with blank and white-space lines', () => {
    const raw = [
      '',
      ' '.repeat(120),
      'From: postmaster@example.net',
      'To: sender@example.com',
      'Subject: Delivery Status Notification (Failure)',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Delivery to the following recipients failed.',
      '',
      '       gone@example.net',
      '',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns;mx.example.net',
      '',
      'Final-Recipient: rfc822;gone@example.net',
      'Action: failed',
      'Status: 5.1.1',
      '',
      '--b1--',
      '',
    ].join('\n')
    expectBounce(classifyMessageSync(raw), {
      kind: 'hard',
      reason: 'userunknown',
      status: '5.1.1',
      recipients: ['gone@example.net'],
    })
  })

  it('reads a one-line refusal from a null sender with no subject', () => {
    const raw = [
      'Return-Path: <>',
      'From: <>',
      'To: list-bounces@example.com',
      'Auto-Submitted: auto-replied',
      'Date: Tue, 1 Oct 2024 09:00:00 +0000',
      '',
      'Your mail to robin@example.org: that is not a valid user here.',
      '',
    ].join('\n')
    expectBounce(classifyMessageSync(raw), {
      kind: 'hard',
      reason: 'userunknown',
      status: null,
      recipients: ['robin@example.org'],
    })
  })
})

describe('Exchange Online NDRs in our users’ languages and others', () => {
  for (const l of F.LOCAL_NDRS) {
    it(`${l.lang}: "${l.subjectPrefix}"`, () => {
      const rcpt = `gone.${l.lang}@example.net`
      for (const raw of [F.localizedExchangeNdr(l, rcpt), F.localizedExchangeNdr(l, rcpt, false)]) {
        expectBounce(classifyMessageSync(raw), {
          kind: 'hard',
          reason: 'userunknown',
          status: '5.1.1',
          recipients: [rcpt],
        })
        expect(candidate(raw)).toBe(true)
      }
    })
  }

  it('recognises the NDR subject alone for the scanner pre-filter, in every language', () => {
    for (const l of F.LOCAL_NDRS) {
      expect(isBounceCandidate({ from: 'Pat <pat@example.net>', subject: `${l.subjectPrefix} Q3` })).toBe(true)
      expect(
        isBounceCandidate({ from: 'Pat <pat@example.net>', subject: F.encodedWord(`${l.subjectPrefix} Q3`) }),
      ).toBe(true)
    }
  })
})

describe('the original message', () => {
  it('comes from a returned message/rfc822 part, with our X-Dispatch-Id', () => {
    const r = classifyMessageSync(F.postfixUserUnknown)
    expect(r.original).toEqual({
      dispatchId: F.DISPATCH_ID,
      messageId: '<CAO1x7q+sent-0001@mail.sales.example.com>',
      subject: 'Quick question about your Q3 plans',
      to: ['nobody.here@example.org'],
    })
  })

  it('comes from text/rfc822-headers', () => {
    expect(classifyMessageSync(F.postfixMailboxFull).original.dispatchId).toBe(F.DISPATCH_ID)
  })

  it('comes from a base64-encoded returned message', () => {
    const raw = F.report({
      from: 'MAILER-DAEMON@mx.example.net',
      subject: 'Undelivered Mail Returned to Sender',
      text: 'I am sorry to have to inform you that your message could not be delivered.',
      dsn: F.dsnFields('mx.example.net', [{ rcpt: 'x@example.org', action: 'failed', status: '5.1.1' }]),
      returned: F.originalMessage('x@example.org'),
      returnedEncoding: 'base64',
    })
    const r = classifyMessageSync(raw)
    expect(r.original.dispatchId).toBe(F.DISPATCH_ID)
    expect(r.original.messageId).toBe('<CAO1x7q+sent-0001@mail.sales.example.com>')
  })

  it('comes from headers quoted in the prose (Exim, Exchange "Original message headers")', () => {
    expect(classifyMessageSync(F.eximTwoRecipients).original.dispatchId).toBe(F.DISPATCH_ID)
    const o = classifyMessageSync(F.office365RecipientNotFound).original
    expect(o.dispatchId).toBe(F.DISPATCH_ID)
    expect(o.subject).toBe('Quick question about your Q3 plans')
  })

  it('is empty when the NDR returns nothing', () => {
    expect(classifyMessageSync(F.exchange2003).original).toEqual({
      dispatchId: null,
      messageId: null,
      subject: null,
      to: [],
    })
  })
})

describe('messages that are not bounces', () => {
  const cases: Array<[string, string, BounceReport['category'], string | null]> = [
    ['a delayed DSN (still retrying)', F.postfixDelayed, 'delayed', 'delayed'],
    ['a Gmail delay warning in prose', F.gmailDelayedProse, 'delayed', 'delayed'],
    [
      'a Gmail delay warning under a neutral subject',
      F.gmailDelayedProse.replace('Delivery Status Notification (Delay)', 'Delivery incomplete'),
      'delayed',
      'delayed',
    ],
    ['an Exim delay warning', F.eximDelayed, 'delayed', 'delayed'],
    ['a Sendmail delay warning', F.sendmailDelayed, 'delayed', 'delayed'],
    ['a relayed/delivered DSN', F.delivered, 'delivered', 'delivered'],
    ['a postmaster’s quota warning', F.postmasterQuotaWarning, 'ordinary', null],
    ['a spam quarantine digest', F.quarantineDigest, 'ordinary', null],
    ['an ARF feedback report', F.arfReport, 'feedback', 'feedback'],
    ['a read receipt (MDN)', F.readReceipt, 'receipt', 'receipt'],
    ['a German read receipt without MDN part', F.readReceiptGerman, 'receipt', 'receipt'],
    ['an RFC 3834 auto-reply under a Re: subject', F.rfc3834Reply, 'autoreply', 'vacation'],
    ['an X-Autoreply message', F.xAutoreplyHeader, 'autoreply', 'vacation'],
    ['a challenge-response sent as a delivery report', F.challengeResponse, 'autoreply', 'vacation'],
    ['an auto-reply to an NDR', F.autoReplyToNdr, 'autoreply', 'vacation'],
    ['an NDR forwarded by a person', F.forwardedNdr, 'ordinary', null],
    ['a reply quoting an NDR', F.replyQuotingNdr, 'ordinary', null],
    ['mail with an NDR as attachment', F.ordinaryWithNdrAttachment, 'ordinary', null],
    ['an ordinary reply that mentions an unreachable address', F.ordinaryMail, 'ordinary', null],
  ]
  for (const [name, raw, category, reason] of cases) {
    it(name, () => {
      const r = classifyMessageSync(raw)
      expect([r.bounce, r.category, r.reason, r.recipients, r.kind]).toEqual([false, category, reason, [], null])
    })
  }

  for (const a of F.AUTO_REPLIES) {
    it(`an out-of-office reply (${a.lang}): "${a.subject}"`, () => {
      const r = classifyMessageSync(F.autoReply(a))
      expect([r.bounce, r.category]).toEqual([false, 'autoreply'])
      expect(isAutomatedReply(r)).toBe(true)
    })
  }

  it('tells automated answers from a person’s reply', () => {
    expect(isAutomatedReply(classifyMessageSync(F.ordinaryMail))).toBe(false)
    expect(isAutomatedReply(classifyMessageSync(F.postfixUserUnknown))).toBe(true)
    expect(isAutomatedReply(classifyMessageSync(F.readReceipt))).toBe(true)
  })
})

describe('isBounceCandidate', () => {
  it('passes every sample bounce and lets plain person-to-person mail go', () => {
    expect(candidate(F.ordinaryMail)).toBe(false)
    expect(isBounceCandidate({ from: 'Pat <pat@example.net>', subject: 'Lunch?' })).toBe(false)
  })

  it('fires on each cheap signal on its own', () => {
    const base = { from: 'Pat <pat@example.net>', subject: 'Hello' }
    expect(isBounceCandidate({ ...base, from: 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>' })).toBe(true)
    expect(isBounceCandidate({ ...base, from: 'postmaster@example.org' })).toBe(true)
    expect(
      isBounceCandidate({ ...base, from: 'MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.onmicrosoft.com' }),
    ).toBe(true)
    expect(isBounceCandidate({ ...base, contentType: 'multipart/report; report-type=delivery-status' })).toBe(true)
    expect(isBounceCandidate({ ...base, autoSubmitted: 'auto-replied' })).toBe(true)
    expect(isBounceCandidate({ ...base, autoSubmitted: 'no' })).toBe(false)
    expect(isBounceCandidate({ ...base, xFailedRecipients: 'a@example.org' })).toBe(true)
    expect(isBounceCandidate({ ...base, 'X-MS-Exchange-Message-Is-Ndr': '' })).toBe(true)
    expect(isBounceCandidate({ ...base, subject: 'Undelivered Mail Returned to Sender' })).toBe(true)
    expect(isBounceCandidate({ ...base, subject: 'Delivery Status Notification (Delay)' })).toBe(true)
  })
})

describe('input that is not a message', () => {
  it('never throws and says why', async () => {
    for (const bad of ['', new Uint8Array(0), '\u0000\u0001\u0002 binary junk without headers']) {
      const r = await classifyMessage(bad)
      expect(r.bounce).toBe(false)
      expect(r.error).toMatch(/empty|no message headers/)
    }
    // @ts-expect-error: callers outside TypeScript may pass anything
    const r = await classifyMessage(42)
    expect([r.bounce, typeof r.error]).toEqual([false, 'string'])
  })
})
