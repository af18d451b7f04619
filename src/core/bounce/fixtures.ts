// Sample messages for the bounce classifier's tests: one per MTA family, language and non-bounce
// category, written for these tests in the formats those systems use (fake addresses only).
// Test-only: nothing in the product imports this module.

export const SENDER = 'rep@sales.example.com'
export const DISPATCH_ID = '7d5c1a9e-3b2f-4c8d-9e1a-2f3b4c5d6e7f'

const DATE = 'Tue, 04 Mar 2025 10:15:00 +0000'

function b64(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return (btoa(bin).match(/.{1,76}/g) ?? []).join('\n')
}

/** RFC 2047 encoded word for a UTF-8 header value. */
export function encodedWord(text: string): string {
  return `=?utf-8?B?${b64(text).replace(/\n/g, '')}?=`
}

/** The message we sent, as an NDR returns it (headers and a short body). */
export function originalMessage(to: string, subject = 'Quick question about your Q3 plans', extra = ''): string {
  return [
    'Received: from sales.example.com (sales.example.com [192.0.2.10])',
    '\tby mx.sales.example.com with ESMTPSA id 4F2A1C0E3B',
    `\tfor <${to}>; ${DATE}`,
    `From: Rita Rep <${SENDER}>`,
    `To: <${to}>`,
    `Subject: ${subject}`,
    `Date: ${DATE}`,
    'Message-ID: <CAO1x7q+sent-0001@mail.sales.example.com>',
    `X-Dispatch-Id: ${DISPATCH_ID}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="UTF-8"',
    ...(extra ? [extra] : []),
    '',
    'Hi, do you have ten minutes this week?',
    '',
  ].join('\n')
}

/** The returned message's header block only (text/rfc822-headers). */
export function originalHeaders(to: string): string {
  return originalMessage(to).split('\n\n')[0]!
}

interface ReportOptions {
  from: string
  to?: string
  subject: string
  headers?: string[]
  /** the human-readable part */
  text: string
  textType?: string
  textEncoding?: string
  dsn?: string
  /** returned message or headers */
  returned?: string
  returnedType?: 'message/rfc822' | 'text/rfc822-headers'
  returnedEncoding?: string
  reportType?: string
  boundary?: string
}

/** A multipart/report (RFC 6522) as MTAs build it. */
export function report(o: ReportOptions): string {
  const b = o.boundary ?? '----=_Report_4F2A1C0E3B.1741083300'
  const parts = [
    [
      `Content-Type: ${o.textType ?? 'text/plain; charset=us-ascii'}`,
      ...(o.textEncoding ? [`Content-Transfer-Encoding: ${o.textEncoding}`] : []),
      'Content-Description: Notification',
      '',
      o.text,
    ].join('\n'),
  ]
  if (o.dsn !== undefined)
    parts.push(['Content-Type: message/delivery-status', 'Content-Description: Delivery report', '', o.dsn].join('\n'))
  if (o.returned !== undefined) {
    const enc = o.returnedEncoding
    parts.push(
      [
        `Content-Type: ${o.returnedType ?? 'message/rfc822'}`,
        'Content-Description: Undelivered Message',
        ...(enc ? [`Content-Transfer-Encoding: ${enc}`] : []),
        '',
        enc === 'base64' ? b64(o.returned) : o.returned,
      ].join('\n'),
    )
  }
  return [
    `From: ${o.from}`,
    `To: ${o.to ?? `<${SENDER}>`}`,
    `Subject: ${o.subject}`,
    `Date: ${DATE}`,
    'Message-ID: <20250304101500.4F2A1C0E3B@mx.example.net>',
    ...(o.headers ?? []),
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=${o.reportType ?? 'delivery-status'};`,
    `\tboundary="${b}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    ...parts.flatMap((p) => [`--${b}`, p, '']),
    `--${b}--`,
    '',
  ].join('\n')
}

/** A single-part message. */
export function plain(headers: string[], body: string): string {
  const hasType = headers.some((h) => /^content-type:/i.test(h))
  return [
    ...headers,
    `Date: ${DATE}`,
    'MIME-Version: 1.0',
    ...(hasType ? [] : ['Content-Type: text/plain; charset=us-ascii']),
    '',
    body,
    '',
  ].join('\n')
}

/** A DSN (RFC 3464) body: per-message fields then one group per recipient. */
export function dsnFields(
  reportingMta: string,
  recipients: Array<{ rcpt: string; action: string; status: string; diag?: string; remote?: string }>,
): string {
  const groups = recipients.map((r) =>
    [
      `Final-Recipient: rfc822; ${r.rcpt}`,
      `Original-Recipient: rfc822;${r.rcpt}`,
      `Action: ${r.action}`,
      `Status: ${r.status}`,
      ...(r.remote ? [`Remote-MTA: dns; ${r.remote}`] : []),
      ...(r.diag ? [`Diagnostic-Code: smtp; ${r.diag}`] : []),
    ].join('\n'),
  )
  return [`Reporting-MTA: dns; ${reportingMta}`, `Arrival-Date: ${DATE}`, '', groups.join('\n\n'), ''].join('\n')
}

// ---------------------------------------------------------------- MTA families

export const postfixUserUnknown = report({
  from: 'MAILER-DAEMON@mx.sales.example.com (Mail Delivery System)',
  subject: 'Undelivered Mail Returned to Sender',
  headers: ['Auto-Submitted: auto-replied'],
  text: `This is the mail system at host mx.sales.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<nobody.here@example.org>: host mx1.example.org[203.0.113.25] said: 550 5.1.1
    <nobody.here@example.org>: Recipient address rejected: User unknown in
    virtual mailbox table (in reply to RCPT TO command)`,
  dsn: dsnFields('mx.sales.example.com', [
    {
      rcpt: 'nobody.here@example.org',
      action: 'failed',
      status: '5.1.1',
      remote: 'mx1.example.org',
      diag: '550 5.1.1 <nobody.here@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
    },
  ]),
  returned: originalMessage('nobody.here@example.org'),
})

/** Postfix relaying a remote refusal with only the generic 5.0.0: the words name the unknown user. */
export const postfixGenericKnownUser = report({
  from: 'MAILER-DAEMON@mx.sales.example.com (Mail Delivery System)',
  subject: 'Undelivered Mail Returned to Sender',
  text: `This is the mail system at host mx.sales.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<left.team@example.edu>: host mx.example.edu[192.0.2.40] said: 550-<left.team@example.edu>
    is not a known user on this system; 550 see the postmaster page (in reply to
    RCPT TO command)`,
  dsn: dsnFields('mx.sales.example.com', [
    {
      rcpt: 'left.team@example.edu',
      action: 'failed',
      status: '5.0.0',
      diag: '550-<left.team@example.edu> is not a known user on this system; 550 see the postmaster page',
    },
  ]),
  returned: originalMessage('left.team@example.edu'),
})

export const postfixMailboxFull = report({
  from: 'MAILER-DAEMON@mx.sales.example.com (Mail Delivery System)',
  subject: 'Undelivered Mail Returned to Sender',
  text: `This is the mail system at host mx.sales.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<full.box@example.net>: host mail.example.net[198.51.100.7] said: 552 5.2.2
    <full.box@example.net>: Mailbox full (in reply to RCPT TO command)`,
  dsn: dsnFields('mx.sales.example.com', [
    {
      rcpt: 'full.box@example.net',
      action: 'failed',
      status: '5.2.2',
      diag: '552 5.2.2 <full.box@example.net>: Mailbox full',
    },
  ]),
  returned: originalHeaders('full.box@example.net'),
  returnedType: 'text/rfc822-headers',
})

export const postfixHostNotFound = report({
  from: 'MAILER-DAEMON@mx.sales.example.com (Mail Delivery System)',
  subject: 'Undelivered Mail Returned to Sender',
  text: `This is the mail system at host mx.sales.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<ops@no-such-domain.example>: Host or domain name not found. Name service error
    for name=no-such-domain.example type=MX: Host not found`,
  dsn: [
    'Reporting-MTA: dns; mx.sales.example.com',
    '',
    'Final-Recipient: rfc822; ops@no-such-domain.example',
    'Action: failed',
    'Status: 5.4.4',
    'Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error',
    '    for name=no-such-domain.example type=MX: Host not found',
    '',
  ].join('\n'),
  returned: originalMessage('ops@no-such-domain.example'),
})

export const eximTwoRecipients = plain(
  [
    'Return-path: <>',
    'From: Mail Delivery System <Mailer-Daemon@relay.example.net>',
    `To: ${SENDER}`,
    'Subject: Mail delivery failed: returning message to sender',
    'Message-Id: <E1tpQ7c-0003Xy-2k@relay.example.net>',
    'X-Failed-Recipients: gone@example.org,',
    '  stuffed@example.com',
    'Auto-Submitted: auto-replied',
  ],
  `This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gone@example.org
    host mx.example.org [203.0.113.40]
    SMTP error from remote mail server after RCPT TO:<gone@example.org>:
    550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown
  stuffed@example.com
    host mx.example.com [198.51.100.20]
    SMTP error from remote mail server after RCPT TO:<stuffed@example.com>:
    452 4.2.2 The email account that you tried to reach is over quota

------ This is a copy of the message, including all the headers. ------

${originalMessage('gone@example.org')}`,
)

export const sendmailHostUnknown = report({
  from: 'Mail Delivery Subsystem <MAILER-DAEMON@mail.sales.example.com>',
  subject: 'Returned mail: see transcript for details',
  headers: ['Auto-Submitted: auto-generated (failure)'],
  text: `The original message was received at Tue, 4 Mar 2025 10:14:58 GMT
from sales.example.com [192.0.2.10]

   ----- The following addresses had permanent fatal errors -----
<info@unknown-host.example.net>
    (reason: 550 Host unknown)

   ----- Transcript of session follows -----
550 5.1.2 <info@unknown-host.example.net>... Host unknown (Name server: unknown-host.example.net: host not found)`,
  dsn: dsnFields('mail.sales.example.com', [
    { rcpt: 'info@unknown-host.example.net', action: 'failed', status: '5.1.2' },
  ]),
  returned: originalHeaders('info@unknown-host.example.net'),
  returnedType: 'text/rfc822-headers',
})

export const qmailNoMailbox = plain(
  [
    'From: MAILER-DAEMON@mail.example.net',
    `To: ${SENDER}`,
    'Subject: failure notice',
    'Message-ID: <20250304101500.123.qmail@mail.example.net>',
  ],
  `Hi. This is the qmail-send program at mail.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<former.staff@example.net>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

${originalMessage('former.staff@example.net')}`,
)

export const gmailAddressNotFound = report({
  from: 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
  subject: 'Delivery Status Notification (Failure)',
  headers: ['X-Failed-Recipients: no.such.person@example.com', 'Auto-Submitted: auto-replied'],
  textType: 'multipart/alternative; boundary="alt-0001"',
  text: `--alt-0001
Content-Type: text/plain; charset="UTF-8"

** Address not found **

Your message wasn't delivered to no.such.person@example.com because the address couldn't be found, or is unable to receive mail.

Learn more here: https://support.google.com/mail/?p=NoSuchUser

The response was:

The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser

--alt-0001
Content-Type: text/html; charset="UTF-8"

<html><body><h2>Address not found</h2><p>Your message wasn't delivered to <b>no.such.person@example.com</b>.</p></body></html>
--alt-0001--`,
  dsn: [
    'Reporting-MTA: dns; googlemail.com',
    'Received-From-MTA: dns; rep@sales.example.com',
    `Arrival-Date: ${DATE}`,
    '',
    'Final-Recipient: rfc822; no.such.person@example.com',
    'Action: failed',
    'Status: 5.1.1',
    'Remote-MTA: dns; aspmx.l.example.com. (2001:db8::1a, the server for the domain example.com.)',
    'Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try',
    " 550-5.1.1 double-checking the recipient's email address for typos or",
    ' 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser d2e1a72fcca58-7391 - gsmtp',
    `Last-Attempt-Date: ${DATE}`,
    '',
  ].join('\n'),
  returned: originalMessage('no.such.person@example.com'),
})

export const gmailDomainNotFound = plain(
  [
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
    `To: ${SENDER}`,
    'Subject: Delivery Status Notification (Failure)',
    'X-Failed-Recipients: hello@typo-domain.example',
  ],
  `** Address not found **

Your message wasn't delivered to hello@typo-domain.example because the domain typo-domain.example couldn't be found. Check for typos or unnecessary spaces and try again.

The response was:

DNS Error: DNS type 'mx' lookup of typo-domain.example responded with code NXDOMAIN Domain name not found: typo-domain.example

----- Original message -----

${originalMessage('hello@typo-domain.example')}`,
)

const O365_HEADERS = [
  'X-MS-Exchange-Message-Is-Ndr:',
  'Auto-Submitted: auto-replied',
  'X-MS-Exchange-CrossTenant-OriginalArrivalTime: 04 Mar 2025 10:15:00.0000 (UTC)',
]

export const office365RecipientNotFound = report({
  from: 'Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.onmicrosoft.com>',
  subject: 'Undeliverable: Quick question about your Q3 plans',
  headers: ['Content-Language: en-US', ...O365_HEADERS],
  textEncoding: 'quoted-printable',
  textType: 'text/plain; charset="us-ascii"',
  text: `Your message to left.company@example.net couldn't be delivered.
left.company wasn't found at example.net.

Rita Rep          Office 365          left.company
Action Required                       Recipient

Unknown To address

How to Fix It
The address may be misspelled or may not exist. Try one or more of the following:

Diagnostic information for administrators:

Generating server: AM0PR01MB1234.eurprd01.prod.exchangelabs.com

left.company@example.net
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient left.company@example.net not found by SMTP address lookup'

Original message headers:

Received: from AM0PR01MB1234.eurprd01.prod.exchangelabs.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.exchangelabs.com with mapi id 15.20.8489.025;
 ${DATE}
From: Rita Rep <${SENDER}>
To: <left.company@example.net>
Subject: Quick question about your Q3 plans
Message-ID: <CAO1x7q+sent-0001@mail.sales.example.com>
X-Dispatch-Id: ${DISPATCH_ID}`,
  dsn: [
    'Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com',
    `Received-From-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com`,
    '',
    'Final-Recipient: rfc822;left.company@example.net',
    'Action: failed',
    'Status: 5.1.10',
    'Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient left.company@example.net not found by SMTP address lookup',
    '',
  ].join('\n'),
  returned: originalHeaders('left.company@example.net'),
  returnedType: 'text/rfc822-headers',
})

export const exchange2003 = plain(
  [
    'From: System Administrator <postmaster@corp.example.com>',
    `To: ${SENDER}`,
    'Subject: Undeliverable: Quick question about your Q3 plans',
    'Content-Type: text/plain; charset="iso-8859-1"',
  ],
  `Your message did not reach some or all of the intended recipients.

      Subject:\tQuick question about your Q3 plans
      Sent:\t3/4/2025 10:15 AM

The following recipient(s) could not be reached:

      j.doe@corp.example.com on 3/4/2025 10:15 AM
            The e-mail account does not exist at the organization this message was sent to.  Check the e-mail address, or contact the recipient directly to find out the correct address.
            <mail.corp.example.com #5.1.1>`,
)

export const outlookComMailboxUnavailable = report({
  from: 'postmaster@outlook.com',
  subject: 'Undeliverable: Quick question about your Q3 plans',
  headers: ['X-MS-Exchange-Message-Is-Ndr:'],
  text: `Delivery has failed to these recipients or groups:

someone.old@hotmail.example
The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message. If the problem continues, please contact your helpdesk.

Diagnostic information for administrators:

Generating server: DM6PR00MB0000.namprd00.prod.outlook.com

someone.old@hotmail.example
Remote Server returned '550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [DM6PR00MB0000.namprd00.prod.outlook.com]'`,
  dsn: dsnFields('DM6PR00MB0000.namprd00.prod.outlook.com', [
    {
      rcpt: 'someone.old@hotmail.example',
      action: 'failed',
      status: '5.5.0',
      diag: '550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302).',
    },
  ]),
  returned: originalHeaders('someone.old@hotmail.example'),
  returnedType: 'text/rfc822-headers',
})

export const yahooUserUnknown = plain(
  [
    'From: MAILER-DAEMON@yahoo.com',
    `To: ${SENDER}`,
    'Subject: Failure Notice',
    'Message-ID: <1741083300.1234@mta1001.mail.example.yahoo.com>',
  ],
  `Sorry, we were unable to deliver your message to the following address.

<kim.kat@example.org>:
Remote host said: 550 5.1.1 <kim.kat@example.org>: Recipient address rejected: User unknown in relay recipient table [RCPT_TO]

--- Below this line is a copy of the message.

${originalMessage('kim.kat@example.org')}`,
)

export const courierRejected = report({
  from: 'Courier mail server at mx.example.net <@>',
  subject: 'NOTICE: mail delivery status.',
  text: `This is a delivery status notification from mx.example.net,
running the Courier mail server, version 1.1.

The original message was received on Tue, 4 Mar 2025 10:15:00 +0000
from sales.example.com [192.0.2.10]

---------------------------------------------------------------------------

                           UNDELIVERABLE MAIL

Your message to the following recipients cannot be delivered:

<sam@example.net>:
    mx.example.net [198.51.100.30]:
>>> RCPT TO:<sam@example.net>
<<< 554 5.7.1 <sam@example.net>: Relay access denied

---------------------------------------------------------------------------`,
  dsn: dsnFields('mx.example.net', [
    {
      rcpt: 'sam@example.net',
      action: 'failed',
      status: '5.7.1',
      diag: '554 5.7.1 <sam@example.net>: Relay access denied',
    },
  ]),
  returned: originalHeaders('sam@example.net'),
  returnedType: 'text/rfc822-headers',
})

export const dominoNotListed = plain(
  [
    'From: Postmaster@notes.example.com',
    `To: ${SENDER}`,
    'Subject: DELIVERY FAILURE: User pat.lee (pat.lee@notes.example.com) not listed in Domino Directory',
    'Content-Type: text/plain; charset="US-ASCII"',
  ],
  `Your message

  Subject: Quick question about your Q3 plans

was not delivered to:

  pat.lee@notes.example.com

because:

  User pat.lee (pat.lee@notes.example.com) not listed in Domino Directory`,
)

export const amazonSesDsn = report({
  from: 'MAILER-DAEMON@amazonses.com',
  subject: 'Delivery Status Notification (Failure)',
  headers: ['X-SES-Outgoing: 2025.03.04-54.240.0.1'],
  text: `An error occurred while trying to deliver the mail to the following recipients:
nope@example.com`,
  dsn: dsnFields('a1-2.smtp-out.amazonses.com', [
    {
      rcpt: 'nope@example.com',
      action: 'failed',
      status: '5.1.1',
      remote: 'mx.example.com',
      diag: '550 5.1.1 user unknown',
    },
  ]),
  returned: originalMessage('nope@example.com'),
})

export const amazonSesJson = plain(
  [
    'From: AWS Notifications <no-reply@sns.amazonaws.com>',
    `To: ${SENDER}`,
    'Subject: AWS Notification Message',
    'Content-Type: text/plain; charset=UTF-8',
  ],
  JSON.stringify(
    {
      Type: 'Notification',
      MessageId: '11111111-2222-3333-4444-555555555555',
      Message: JSON.stringify({
        notificationType: 'Bounce',
        bounce: {
          bounceType: 'Transient',
          bounceSubType: 'MailboxFull',
          bouncedRecipients: [
            {
              emailAddress: 'crammed@example.org',
              action: 'failed',
              status: '5.2.2',
              diagnosticCode: 'smtp; 552 5.2.2 Mailbox full',
            },
          ],
        },
        mail: { source: SENDER, destination: ['crammed@example.org'] },
      }),
    },
    null,
    2,
  ),
)

export const sendgridProse = plain(
  [
    'From: SendGrid <no-reply@sendgrid.example.net>',
    `To: ${SENDER}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Return-Path: <>',
  ],
  `This is an automatically generated message from SendGrid.

I'm sorry to have to tell you that your message was not able to be
delivered to one of its intended recipients.

If you require assistance with this, please contact SendGrid support.

lost.lead@example.com: 550 5.1.1 <lost.lead@example.com>: Recipient address rejected: User unknown in local recipient table`,
)

export const mimecastRejected = plain(
  [
    'From: Mimecast Postmaster <postmaster@eu.mimecast.example.com>',
    `To: ${SENDER}`,
    'Subject: Undeliverable: Quick question about your Q3 plans',
  ],
  `Your message couldn't be delivered to the following recipients:

buyer@client.example.com

Reason: 550 Rejected by header based Anti-Spoofing policy: sales.example.com

The message was rejected by the recipient's Mimecast Email Security policy.`,
)

export const googleGroupsRejected = plain(
  [
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
    `To: ${SENDER}`,
    'Subject: Delivery Status Notification (Failure)',
  ],
  `Hello ${SENDER},

We're writing to let you know that the group you tried to contact (partners) may not exist, or you may not have permission to post messages to the group. A few more details on why you weren't able to post:

 * You might have spelled or formatted the group name incorrectly.
 * The owner of the group may have removed this group.
 * You may need to join the group before receiving permission to post.
 * This group may not be open to posting.

If you have questions related to this or any other Google Group, visit the Help Center at https://groups.google.com/support/.

Thanks,

Google Groups

----- Original message -----

${originalMessage('partners@groups.example.com')}`,
)

export const opensmtpdUserUnknown = plain(
  [
    'From: Mailer Daemon <MAILER-DAEMON@smtpd.example.net>',
    `To: ${SENDER}`,
    'Subject: Delivery status notification: error',
  ],
  `Hi!

This is the MAILER-DAEMON, please DO NOT REPLY to this email.

An error has occurred while attempting to deliver a message for
the following list of recipients:

vanished@example.net: 550 5.1.1 <vanished@example.net>: Recipient address rejected: User unknown in local recipient table

Below is a copy of the original message:

${originalMessage('vanished@example.net')}`,
)

// ---------------------------------------------------------------- Exchange NDRs in other languages

interface LocalNdr {
  lang: string
  subjectPrefix: string
  failedTo: string
  diagnosticsFor: string
  generatingServer: string
}

/** Exchange Online NDR wording per language (prose only, as some relays strip the DSN part). */
export const LOCAL_NDRS: readonly LocalNdr[] = [
  {
    lang: 'de',
    subjectPrefix: 'Unzustellbar:',
    failedTo: 'Die Übermittlung an folgende Empfänger oder Gruppen ist fehlgeschlagen:',
    diagnosticsFor: 'Diagnoseinformationen für Administratoren:',
    generatingServer: 'Generierender Server:',
  },
  {
    lang: 'nl',
    subjectPrefix: 'Onbestelbaar:',
    failedTo: 'Bezorging is mislukt voor deze geadresseerden of groepen:',
    diagnosticsFor: 'Diagnostische gegevens voor beheerders:',
    generatingServer: 'Genererende server:',
  },
  {
    lang: 'sv',
    subjectPrefix: 'Olevererbart:',
    failedTo: 'Det gick inte att leverera till de här mottagarna eller grupperna:',
    diagnosticsFor: 'Diagnostikinformation för administratörer:',
    generatingServer: 'Genererande server:',
  },
  {
    lang: 'pt',
    subjectPrefix: 'Não entregue:',
    failedTo: 'Falha na entrega para estes destinatários ou grupos:',
    diagnosticsFor: 'Informações de diagnóstico para administradores:',
    generatingServer: 'Servidor de geração:',
  },
  {
    lang: 'zh',
    subjectPrefix: '未送达:',
    failedTo: '无法传递到以下收件人或组:',
    diagnosticsFor: '管理员的诊断信息:',
    generatingServer: '生成服务器:',
  },
  {
    lang: 'fr',
    subjectPrefix: 'Non remis :',
    failedTo: 'La remise aux destinataires ou groupes suivants a échoué :',
    diagnosticsFor: 'Informations de diagnostic pour les administrateurs :',
    generatingServer: 'Serveur de génération :',
  },
  {
    lang: 'es',
    subjectPrefix: 'No se puede entregar:',
    failedTo: 'No se pudo entregar a estos destinatarios o grupos:',
    diagnosticsFor: 'Información de diagnóstico para administradores:',
    generatingServer: 'Servidor de generación:',
  },
  {
    lang: 'ja',
    subjectPrefix: '配信不能:',
    failedTo: '次の受信者またはグループへの配信に失敗しました:',
    diagnosticsFor: '管理者向けの診断情報:',
    generatingServer: '生成サーバー:',
  },
  {
    lang: 'ru',
    subjectPrefix: 'Не доставлено:',
    failedTo: 'Не удалось доставить сообщение следующим получателям или группам:',
    diagnosticsFor: 'Диагностические сведения для администраторов:',
    generatingServer: 'Создающий сервер:',
  },
]

/** A localized Exchange Online NDR: translated prose, the English remote-server line, base64 UTF-8. */
export function localizedExchangeNdr(l: LocalNdr, rcpt: string, withExchangeHeader = true): string {
  const text = `${l.failedTo}

${rcpt}

${l.diagnosticsFor}

${l.generatingServer} VI1PR01MB0001.eurprd01.prod.exchangelabs.com

${rcpt}
Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
`
  return report({
    from: `postmaster@contoso.onmicrosoft.com`,
    subject: encodedWord(`${l.subjectPrefix} Quick question about your Q3 plans`),
    headers: [`Content-Language: ${l.lang}`, ...(withExchangeHeader ? ['X-MS-Exchange-Message-Is-Ndr:'] : [])],
    reportType: 'delivery-status',
    textType: 'text/plain; charset="utf-8"',
    textEncoding: 'base64',
    text: b64(text),
    returned: originalHeaders(rcpt),
    returnedType: 'text/rfc822-headers',
  })
}

// ---------------------------------------------------------------- not bounces

export const postfixDelayed = report({
  from: 'MAILER-DAEMON@mx.sales.example.com (Mail Delivery System)',
  subject: 'Delayed Mail (still being retried)',
  text: `This is the mail system at host mx.sales.example.com.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

<slow@example.net>: connect to mx.example.net[198.51.100.9]:25: Connection
    timed out`,
  dsn: dsnFields('mx.sales.example.com', [
    {
      rcpt: 'slow@example.net',
      action: 'delayed',
      status: '4.4.1',
      diag: 'connect to mx.example.net[198.51.100.9]:25: Connection timed out',
    },
  ]),
  returned: originalHeaders('slow@example.net'),
  returnedType: 'text/rfc822-headers',
})

export const gmailDelayedProse = plain(
  [
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
    `To: ${SENDER}`,
    'Subject: Delivery Status Notification (Delay)',
  ],
  `** Message not delivered yet **

There was a temporary problem delivering your message to later@example.com. Gmail will retry for 46 more hours. You'll be notified if the delivery fails permanently.

The response was:

The recipient server did not accept our requests to connect. [mx.example.com 203.0.113.5: timed out]`,
)

export const delivered = report({
  from: 'Mail Delivery System <MAILER-DAEMON@mx.sales.example.com>',
  subject: 'Successful Mail Delivery Report',
  text: `This is the mail system at host mx.sales.example.com.

Your message was successfully delivered to the destination(s)
listed below.

<happy@example.org>: delivery via mx.example.org[203.0.113.1]:25: 250 2.0.0 Ok:
    queued as 4F2A1C0E3B`,
  dsn: dsnFields('mx.sales.example.com', [
    { rcpt: 'happy@example.org', action: 'relayed', status: '2.0.0', diag: '250 2.0.0 Ok: queued as 4F2A1C0E3B' },
  ]),
  returned: originalHeaders('happy@example.org'),
  returnedType: 'text/rfc822-headers',
})

/** An ARF (RFC 5965) abuse report. */
export const arfReport = [
  'From: Feedback Loop <fbl@mail.example.net>',
  `To: abuse@sales.example.com`,
  'Subject: Abuse report',
  `Date: ${DATE}`,
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=feedback-report; boundary="arf-0001"',
  '',
  '--arf-0001',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'This is an email abuse report for an email message received from IP 192.0.2.10.',
  '',
  '--arf-0001',
  'Content-Type: message/feedback-report',
  '',
  'Feedback-Type: abuse',
  'User-Agent: ExampleFBL/1.0',
  'Version: 1',
  'Original-Mail-From: <rep@sales.example.com>',
  'Source-IP: 192.0.2.10',
  '',
  '--arf-0001',
  'Content-Type: message/rfc822',
  '',
  originalMessage('complainer@example.net'),
  '--arf-0001--',
  '',
].join('\n')

export const readReceipt = [
  'From: Pat Buyer <pat@client.example.com>',
  `To: ${SENDER}`,
  'Subject: Read: Quick question about your Q3 plans',
  `Date: ${DATE}`,
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn-0001"',
  '',
  '--mdn-0001',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'Your message was read on Tuesday, March 4, 2025 11:02 AM.',
  '',
  '--mdn-0001',
  'Content-Type: message/disposition-notification',
  '',
  'Reporting-UA: client.example.com; Microsoft Outlook 16.0',
  'Final-Recipient: rfc822;pat@client.example.com',
  'Original-Message-ID: <CAO1x7q+sent-0001@mail.sales.example.com>',
  'Disposition: manual-action/MDN-sent-manually; displayed',
  '',
  '--mdn-0001--',
  '',
].join('\n')

/** Read receipts some clients send as plain text (no MDN part). */
export const readReceiptGerman = plain(
  ['From: Pat Buyer <pat@client.example.com>', `To: ${SENDER}`, `Subject: ${encodedWord('Gelesen: Kurze Frage')}`],
  'Ihre Nachricht wurde am 04.03.2025 um 11:02 gelesen.',
)

export interface AutoReplySample {
  lang: string
  subject: string
  body: string
}

export const AUTO_REPLIES: readonly AutoReplySample[] = [
  {
    lang: 'en',
    subject: 'Automatic reply: Quick question',
    body: 'I am out of the office until March 10 with limited access to email.',
  },
  { lang: 'en', subject: 'Out of Office: Quick question', body: 'I am currently away and will be back on Monday.' },
  { lang: 'de', subject: 'Automatische Antwort: Kurze Frage', body: 'Ich bin bis zum 10.03. nicht im Büro.' },
  { lang: 'de', subject: 'Abwesenheitsnotiz: Kurze Frage', body: 'Vielen Dank für Ihre Nachricht. Ich bin im Urlaub.' },
  { lang: 'nl', subject: 'Automatisch antwoord: Korte vraag', body: 'Ik ben afwezig tot 10 maart.' },
  { lang: 'sv', subject: 'Automatiskt svar: Snabb fråga', body: 'Jag är på semester till den 10 mars.' },
  { lang: 'pt', subject: 'Resposta automática: Pergunta rápida', body: 'Estou fora do escritório até 10 de março.' },
  { lang: 'zh', subject: '自动回复: 快速提问', body: '我正在休假，3月10日回来。' },
]

export function autoReply(a: AutoReplySample, extraHeaders: string[] = []): string {
  return plain(
    [
      `From: Pat Buyer <pat@client.example.com>`,
      `To: ${SENDER}`,
      `Subject: ${encodedWord(a.subject)}`,
      'Content-Type: text/plain; charset="utf-8"',
      'Content-Transfer-Encoding: base64',
      ...extraHeaders,
    ],
    b64(a.body),
  )
}

/** RFC 3834: only the Auto-Submitted header says it is automatic. */
export const rfc3834Reply = plain(
  [
    'From: Pat Buyer <pat@client.example.com>',
    `To: ${SENDER}`,
    'Subject: Re: Quick question',
    'Auto-Submitted: auto-replied',
  ],
  'Thanks for your message. This mailbox is not monitored; please call the office.',
)

export const xAutoreplyHeader = plain(
  ['From: Pat Buyer <pat@client.example.com>', `To: ${SENDER}`, 'Subject: Your message', 'X-Autoreply: yes'],
  'Thank you, your message has been received.',
)

export const challengeResponse = report({
  from: 'noreply@guard.example.com',
  subject: 'Re: Quick question about your Q3 plans (Action Required)',
  textType: 'text/plain; charset=us-ascii',
  text: `Hello Rita Rep,

Your message about "Quick question about your Q3 plans" has been waitlisted.
Please add yourself to my Guest List so your messages will go to my Inbox.

Click the link below to be added:
https://guard.example.com/approve?id=1234`,
  dsn: [
    'Reporting-MTA: dns; guard.example.com',
    'Action: failed',
    '',
    'Final-Recipient: rfc822; pat@client.example.com',
    'Diagnostic-Code: X-Guard-Notice; Sender not pre-approved.',
    'Status: 4.7.0',
    '',
  ].join('\n'),
})

export const forwardedNdr = plain(
  [
    'From: Rita Rep <rep@sales.example.com>',
    'To: IT Help <it@sales.example.com>',
    'Subject: Fwd: Undeliverable: Quick question',
  ],
  `Can you check why this bounced?

---------- Forwarded message ---------
From: Microsoft Outlook <postmaster@contoso.onmicrosoft.com>
Subject: Undeliverable: Quick question

Delivery has failed to these recipients or groups:

left.company@example.net
The email address you entered couldn't be found.

Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'`,
)

export const replyQuotingNdr = plain(
  [
    'From: IT Help <it@sales.example.com>',
    `To: ${SENDER}`,
    'Subject: Re: Mail delivery failed: returning message to sender',
  ],
  `The address was mistyped, use sam@example.org instead.

> A message that you sent could not be delivered to one or more of its
> recipients. This is a permanent error. The following address(es) failed:
>
>   sam@example.og
>     Unrouteable address`,
)

export const ordinaryWithNdrAttachment = [
  'From: Rita Rep <rep@sales.example.com>',
  'To: IT Help <it@sales.example.com>',
  'Subject: bounce I got yesterday',
  `Date: ${DATE}`,
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="mix-0001"',
  '',
  '--mix-0001',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'See attached, is our domain blocked?',
  '',
  '--mix-0001',
  'Content-Type: message/rfc822',
  'Content-Disposition: attachment; filename="bounce.eml"',
  '',
  qmailNoMailbox,
  '--mix-0001--',
  '',
].join('\n')

export const ordinaryMail = plain(
  ['From: Pat Buyer <pat@client.example.com>', `To: ${SENDER}`, 'Subject: Re: Quick question about your Q3 plans'],
  'Sure, Thursday at 2pm works. The old address ops@example.net could not be reached, use this one.',
)

export const autoReplyToNdr = plain(
  [
    'From: IT Help <it@sales.example.com>',
    `To: ${SENDER}`,
    'Subject: Automatic reply: Undeliverable: Quick question',
    'Auto-Submitted: auto-replied',
    'Return-Path: <>',
  ],
  'I am out of the office until Monday.',
)

// ---------------------------------------------------------------- more families and notices

export const hmailserverUserUnknown = plain(
  ['From: mailer-daemon@mail.example.com', `To: ${SENDER}`, 'Subject: Message undeliverable: Quick question'],
  `Your message did not reach some or all of the intended recipients.

   Sent: Tue, 04 Mar 2025 10:14:00 +0000
   Subject: Quick question

The following recipient(s) could not be reached:

kijitora@example.com
   Error Type: SMTP
   Remote server (192.0.2.1) issued an error.
   hMailServer sent: RCPT TO:<kijitora@example.com>
   Remote server replied: 550 5.1.1 <kijitora@example.com>: Recipient address rejected: User unknown in local recipient table`,
)

export const mdaemonUserUnknown = plain(
  ['From: MDaemon@mail.example.org', `To: ${SENDER}`, 'Subject: Permanent Delivery Failure'],
  `The attached message had PERMANENT fatal delivery errors!

After one or more unsuccessful delivery attempts the attached message has
been removed from the mail queue on this server.  The number and frequency
of delivery attempts are determined by local configuration parameters.

YOUR MAIL WAS NOT DELIVERED TO ALL RECIPIENTS!

--- Session Transcript ---
 Tue 2025-03-04 10:15:00: Parsing message <dd50000012345.msg>
 Tue 2025-03-04 10:15:00: *  From: ${SENDER}
 Tue 2025-03-04 10:15:00: *  To: gone.person@example.net
 Tue 2025-03-04 10:15:00: Attempting SMTP connection to [198.51.100.3:25]
 Tue 2025-03-04 10:15:00: --> RCPT To:<gone.person@example.net>
 Tue 2025-03-04 10:15:00: <-- 550 5.1.1 <gone.person@example.net>: Recipient address rejected: User unknown
--- End Transcript ---`,
)

export const dominoRoutingLoop = plain(
  [
    'From: Mail Router <mailrouter@notes.example.com>',
    `To: ${SENDER}`,
    'Subject: DELIVERY FAILURE: Error transferring to MAIL02/ACME; Maximum hop count exceeded.  Message probably in a routing loop.',
  ],
  `Your message

  Subject: Quick question

was not delivered to:

  j.smith@notes.example.com

because:

  Error transferring to MAIL02/ACME; Maximum hop count exceeded.  Message probably in a routing loop.`,
)

export const groupwiseUserNotFound = plain(
  ['From: Postmaster <postmaster@gw.example.com>', `To: ${SENDER}`, 'Subject: Message status - undeliverable'],
  `The message that you sent was undeliverable to the following:
	a.nother (user not found)

Possible alternatives:
	a.nother@gw.example.com`,
)

export const yahooMailboxDisabled = plain(
  ['From: MAILER-DAEMON@yahoo.com', `To: ${SENDER}`, 'Subject: Failure Notice'],
  `Sorry, we were unable to deliver your message to the following address.

<old.friend@yahoo.example>:
554: delivery error: dd Sorry your message to old.friend@yahoo.example cannot be delivered. This mailbox is disabled (554.30). - mta1234.mail.example.yahoo.com`,
)

export const gmailAccountDisabled = plain(
  [
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
    `To: ${SENDER}`,
    'Subject: Delivery Status Notification (Failure)',
    'X-Failed-Recipients: inactive@gmail.example',
  ],
  `** Message blocked **

Your message to inactive@gmail.example has been blocked. See technical details below for more information.

The response was:

The email account that you tried to reach is disabled. Learn more at https://support.google.com/mail/?p=DisabledUser`,
)

export const gmailBlockedAsSpam = plain(
  [
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
    `To: ${SENDER}`,
    'Subject: Delivery Status Notification (Failure)',
    'X-Failed-Recipients: buyer@gmail.example',
  ],
  `** Message blocked **

Your message to buyer@gmail.example has been blocked. See technical details below for more information.

The response was:

Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.`,
)

export const exchange2010German = plain(
  [
    'From: Microsoft Outlook <postmaster@firma.example.de>',
    `To: ${SENDER}`,
    'Subject: Unzustellbar: Kurze Frage',
    'Content-Type: text/plain; charset="iso-8859-1"',
    'Content-Transfer-Encoding: quoted-printable',
    'X-MS-Exchange-Message-Is-Ndr:',
  ],
  `Fehler bei der Zustellung an folgende Empf=E4nger oder Gruppen:

max.muster@firma.example.de
Die E-Mail-Adresse, die Sie eingegeben haben, wurde nicht gefunden.

Diagnoseinformationen f=FCr Administratoren:

Generierender Server: EX01.firma.example.de

max.muster@firma.example.de
#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##`,
)

export const eximDelayed = plain(
  [
    'From: Mail Delivery System <Mailer-Daemon@relay.example.net>',
    `To: ${SENDER}`,
    'Subject: Warning: message 1tpQ7c-0003Xy-2k delayed 24 hours',
    'Auto-Submitted: auto-replied',
  ],
  `This message was created automatically by mail delivery software.
A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on relay.example.net.

The message identifier is:     1tpQ7c-0003Xy-2k
The subject of the message is: Quick question

The address to which the message has not yet been delivered is:

  slow@example.org
    host mx.example.org [203.0.113.9]
    Delay reason: SMTP error from remote mail server after RCPT TO:<slow@example.org>:
    451 4.7.1 Greylisting in action, please come back later

No action is required on your part. Delivery attempts will continue for
some time, and this warning may be repeated at intervals if the message
remains undelivered. Eventually the mail delivery software will give up,
and when that happens, the message will be returned to you.`,
)

export const sendmailDelayed = plain(
  [
    'From: Mail Delivery Subsystem <MAILER-DAEMON@mail.sales.example.com>',
    `To: ${SENDER}`,
    'Subject: Warning: could not send message for past 4 hours',
  ],
  `    **********************************************
    **      THIS IS A WARNING MESSAGE ONLY      **
    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **
    **********************************************

The original message was received at Tue, 4 Mar 2025 06:10:00 GMT
from sales.example.com [192.0.2.10]

   ----- Transcript of session follows -----
<later@example.com>... Deferred: Connection timed out with mx.example.com.
Warning: message still undelivered after 4 hours
Will keep trying until message is 5 days old`,
)

export const postmasterQuotaWarning = plain(
  ['From: Postmaster <postmaster@sales.example.com>', `To: ${SENDER}`, 'Subject: Your mailbox is almost full'],
  `Your mailbox ${SENDER} is 95% full (1.9 GB of 2 GB).
Please delete old items or archive them.`,
)

export const quarantineDigest = plain(
  [
    'From: Spam Quarantine <quarantine@sales.example.com>',
    `To: ${SENDER}`,
    'Subject: Spam Quarantine Summary - 3 messages',
  ],
  `The following messages were blocked and held in quarantine for ${SENDER}:

From: deals@offers.example.net   Subject: 50% off today
From: promo@shop.example.org     Subject: Your cart`,
)
