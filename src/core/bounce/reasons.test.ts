import { describe, expect, it } from 'vitest'
import { decideReason, normalizeDiagnostic, smtpCommand } from './reasons.ts'
import {
  AUTOREPLY_SUBJECTS,
  DELAY_SUBJECTS,
  HARD_REASONS,
  kindOf,
  NDR_SUBJECTS,
  PRIMARY_ORDER,
  REASON_PATTERNS,
  RECEIPT_SUBJECTS,
  SECONDARY_ORDER,
  STATUS_REASON,
} from './tables.ts'

describe('hard or soft', () => {
  it('is hard only when the address or domain is gone', () => {
    expect([...HARD_REASONS].sort()).toEqual(['hasmoved', 'hostunknown', 'userunknown'])
    expect(kindOf('userunknown', '5.1.1')).toBe('hard')
    expect(kindOf('hostunknown', null)).toBe('hard')
    expect(kindOf('hasmoved', '5.1.6')).toBe('hard')
    expect(kindOf('mailboxfull', '5.2.2')).toBe('soft')
    expect(kindOf('blocked', '5.7.1')).toBe('soft')
    expect(kindOf(null, null)).toBe('soft')
  })

  it('counts notaccept as hard unless the code is a 4xx', () => {
    expect(kindOf('notaccept', '5.1.10')).toBe('hard')
    expect(kindOf('notaccept', null)).toBe('hard')
    expect(kindOf('notaccept', '4.0.0')).toBe('soft')
  })
})

describe('status code table (RFC 3463)', () => {
  it('maps the addressing, mailbox and policy codes', () => {
    expect(STATUS_REASON['5.1.1']).toBe('userunknown')
    expect(STATUS_REASON['5.1.2']).toBe('hostunknown')
    expect(STATUS_REASON['5.1.6']).toBe('hasmoved')
    expect(STATUS_REASON['5.1.10']).toBe('notaccept')
    expect(STATUS_REASON['5.2.2']).toBe('mailboxfull')
    expect(STATUS_REASON['4.2.2']).toBe('mailboxfull')
    expect(STATUS_REASON['5.3.4']).toBe('mesgtoobig')
    expect(STATUS_REASON['5.7.26']).toBe('authfailure')
    expect(STATUS_REASON['5.7.25']).toBe('requireptr')
  })

  it('leaves generic codes out', () => {
    for (const code of ['5.0.0', '4.0.0', '4.4.0', '4.7.0', '4.3.0']) expect(STATUS_REASON[code]).toBeUndefined()
  })

  it('uses only reasons of the shared vocabulary, each with a text pattern', () => {
    for (const r of [...PRIMARY_ORDER, ...SECONDARY_ORDER, ...Object.values(STATUS_REASON)])
      expect(REASON_PATTERNS[r as keyof typeof REASON_PATTERNS], r).toBeInstanceOf(RegExp)
  })
})

describe('decideReason', () => {
  const cases: Array<[string | null, string, string]> = [
    [
      '5.1.1',
      '550 5.1.1 <a@example.org>: Recipient address rejected: User unknown in local recipient table',
      'userunknown',
    ],
    [null, 'Sorry, no mailbox here by that name.', 'userunknown'],
    ['5.1.1', '550 5.1.1 Mailbox full', 'mailboxfull'],
    ['5.2.2', '552 5.2.2 Quota exceeded', 'mailboxfull'],
    ['4.2.2', 'The email account that you tried to reach is over quota', 'mailboxfull'],
    ['5.0.0', 'Host or domain name not found. Name service error for name=example.invalid', 'hostunknown'],
    ['5.7.1', '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'blocked'],
    ['5.7.1', '550 5.7.1 Message rejected as spam by Content Filtering', 'spamdetected'],
    ['5.7.26', '550 5.7.26 Unauthenticated email from example.com is not accepted due to DMARC policy', 'authfailure'],
    ['5.7.1', '554 5.7.1 <a@example.org>: Relay access denied', 'norelaying'],
    ['5.0.0', '550 Account disabled', 'suspend'],
    ['5.1.6', '550 5.1.6 Recipient has moved', 'hasmoved'],
    ['5.3.4', '552 5.3.4 Message size exceeds fixed limit', 'mesgtoobig'],
    [null, 'Connection timed out', 'networkerror'],
    ['4.4.7', 'Message expired after 5 days in queue', 'expired'],
    ['5.7.1', '550 5.7.1 Cannot find your reverse hostname, [192.0.2.1]', 'requireptr'],
    [
      '5.1.10',
      "The domain example.org doesn't receive email according to the administrator: returned Null MX",
      'notaccept',
    ],
    ['5.7.1', '550 5.7.1 Virus found in message', 'virusdetected'],
    [null, 'something happened', 'onhold'],
    [null, '', 'undefined'],
  ]
  for (const [status, diagnostic, reason] of cases) {
    it(`${status ?? '-'} "${diagnostic.slice(0, 50)}" → ${reason}`, () => {
      expect(decideReason({ status, diagnostic })).toBe(reason)
    })
  }

  it('reads "no such user" after DATA as a filter, at RCPT as an unknown user, at MAIL FROM as the sender', () => {
    expect(decideReason({ status: '5.0.0', diagnostic: '550 No such user', command: 'DATA' })).toBe('filtered')
    expect(decideReason({ status: '5.0.0', diagnostic: '550 No such user', command: 'RCPT' })).toBe('userunknown')
    expect(decideReason({ status: '5.1.0', diagnostic: '553 5.1.0 Address does not exist', command: 'MAIL' })).toBe(
      'rejected',
    )
  })

  it('takes the command from the transcript when not given', () => {
    expect(smtpCommand('... while talking to mx.example.org.:\n>>> DATA\n<<< 550 5.0.0 User unknown')).toBe('DATA')
    expect(smtpCommand('(in reply to RCPT TO command)')).toBe('RCPT')
    expect(smtpCommand('SMTP error from remote mail server after MAIL FROM:<a@b.example>')).toBe('MAIL')
    expect(smtpCommand('550 User unknown [RCPT_TO]')).toBe('RCPT')
    expect(smtpCommand('550 User unknown')).toBeNull()
  })

  it('treats a local delivery program failure as a mailer error', () => {
    expect(
      decideReason({ status: '5.1.1', diagnostic: 'procmail: cannot write /var/mail/x', diagnosticType: 'x-unix' }),
    ).toBe('mailererror')
  })

  // Generic status codes (Postfix's 5.0.0, none at all) leave the words to decide: the phrasing
  // families below each name the cause without a specific code.
  const generic: Array<[string, string]> = [
    ['550 <pat@example.org> is not a known user on this system', 'userunknown'],
    ['553 sorry, badrcptto(user mail-box not found) (#5.7.1)', 'userunknown'],
    ['550 this recipient is not in my validrcptto list', 'userunknown'],
    ['550 Account pat does not exist at the organization', 'userunknown'],
    ['550 User pat was not found in the directory', 'userunknown'],
    ['550 <pat@example.org> not found', 'userunknown'],
    ['550 that address is wrong or no longer valid', 'userunknown'],
    ['554 your envelope recipient has been denied', 'userunknown'],
    ['550 no mailbox found for this name', 'userunknown'],
    ['550 Recipient domain must exist', 'hostunknown'],
    ['550 address pat@example.org has been replaced by pat@example.net', 'hasmoved'],
    ['550 this mailbox is currently suspended', 'suspend'],
    ['552 user has too many messages on the server', 'mailboxfull'],
    ['552 the mailbox has exceeded its disk space limit', 'mailboxfull'],
    ['550 pat is not accepting any mail', 'filtered'],
    ['550 this account is protected by a sender allow list', 'filtered'],
    ['553 returned mail not accepted here', 'rejected'],
    ['550 BATV failed to verify the bounce address', 'rejected'],
    ['550 host 192.0.2.9 is not allowed to send mail from example.com', 'blocked'],
    ["553 sorry, that domain isn't in my list of allowed rcpthosts", 'blocked'],
    ['550 please use the SMTP server of your ISP', 'blocked'],
  ]
  for (const [diagnostic, reason] of generic) {
    it(`5.0.0 "${diagnostic.slice(0, 50)}" → ${reason}`, () => {
      expect(decideReason({ status: '5.0.0', diagnostic })).toBe(reason)
    })
  }

  it('keeps a sender refused at MAIL FROM and a content refusal apart from an unknown user', () => {
    // "not accepting mail with attachments" is the recipient's filter, not a server that takes no mail
    expect(decideReason({ status: null, diagnostic: 'they are not accepting mail with attachments' })).toBe('filtered')
    expect(decideReason({ status: '5.0.0', diagnostic: '550 sender email address rejected', command: 'MAIL' })).toBe(
      'rejected',
    )
    // a recipient domain that does not exist stays a host problem, not a user one
    expect(decideReason({ status: '5.0.0', diagnostic: '550 recipient domain example.invalid does not exist' })).toBe(
      'hostunknown',
    )
  })

  it('reads a null MX reported by the MTA as a domain that takes no mail (hard)', () => {
    expect(decideReason({ status: null, diagnostic: 'an MX or SRV record indicated no SMTP service' })).toBe(
      'notaccept',
    )
    expect(decideReason({ status: '5.0.0', diagnostic: 'Domain example.org does not accept mail (nullMX)' })).toBe(
      'notaccept',
    )
  })

  it('keeps a broken DNS answer a network problem even under a routing status', () => {
    const diagnostic = 'Name service error for name=example.org type=MX: Malformed or unexpected name server reply'
    expect(decideReason({ status: '5.4.4', diagnostic })).toBe('networkerror')
    expect(decideReason({ status: null, diagnostic })).toBe('networkerror')
    // a name that does not exist stays a host problem
    expect(decideReason({ status: '5.4.4', diagnostic: 'Host or domain name not found' })).toBe('hostunknown')
  })

  it('reads Exim giving up on hosts that kept failing as an expired message', () => {
    expect(
      decideReason({
        status: null,
        diagnostic: 'all hosts have been failing for a long time and were last tried after this message arrived',
      }),
    ).toBe('expired')
  })

  it('takes "that is not a valid user here" as an unknown user', () => {
    expect(
      decideReason({ status: null, diagnostic: "You wrote to pat@example.org. That's not a valid user here." }),
    ).toBe('userunknown')
  })

  // Localised prose (qmail and Exchange translations, regional ISPs) without a useful status code.
  const localized: Array<[string, string]> = [
    ['Diese E-Mail-Adresse existiert nicht.', 'userunknown'],
    ['Die eingegebene E-Mail-Adresse wurde nicht gefunden.', 'userunknown'],
    ["L'adresse e-mail que vous avez entrée est introuvable.", 'userunknown'],
    ['No se encontró la dirección de correo electrónico que especificó.', 'userunknown'],
    ['O endereço de email que você inseriu não foi encontrado.', 'userunknown'],
    ['Het e-mailadres dat u hebt opgegeven, is niet gevonden.', 'userunknown'],
    ['E-postadressen du angav kunde inte hittas.', 'userunknown'],
    ["Non sono riuscito a trovare l'indirizzo e-mail che hai immesso.", 'userunknown'],
    ['Почтовый ящик не существует.', 'userunknown'],
    ['收件人地址不存在。', 'userunknown'],
    ['宛先のメールアドレスが存在しません。', 'userunknown'],
    ['ユーザー pat (pat@example.jp) は Domino ディレクトリには見つかりません。', 'userunknown'],
    ['Das Postfach des Empfängers ist voll.', 'mailboxfull'],
    ['La cassetta postale del destinatario è piena.', 'mailboxfull'],
    ['A caixa de correio do destinatário está cheia.', 'mailboxfull'],
    ['Het postvak van de ontvanger is vol.', 'mailboxfull'],
    ['El buzón del destinatario está lleno.', 'mailboxfull'],
    ['Почтовый ящик получателя переполнен.', 'mailboxfull'],
    ['Le domaine est introuvable.', 'hostunknown'],
    ['El dominio no existe.', 'hostunknown'],
  ]
  for (const [diagnostic, reason] of localized) {
    it(`localised "${diagnostic.slice(0, 40)}" → ${reason}`, () => {
      expect(decideReason({ status: null, diagnostic })).toBe(reason)
    })
  }

  it('normalises quotes and white space before matching', () => {
    expect(normalizeDiagnostic('The  address\nwasn\u2019t   found')).toBe("the address wasn't found")
  })
})

describe('subject tables', () => {
  const ndr: Record<string, string[]> = {
    en: [
      'Undeliverable: Q3',
      'Mail delivery failed: returning message to sender',
      'Delivery Status Notification (Failure)',
    ],
    de: ['Unzustellbar: Q3', 'Benachrichtigung zum Übermittlungsstatus (Fehler)'],
    nl: ['Onbestelbaar: Q3'],
    sv: ['Olevererbart: Q3'],
    pt: ['Não entregue: Q3', 'Notificação de status de entrega (falha)'],
    zh: ['未送达: Q3', '系统退信'],
    fr: ['Non remis : Q3'],
    es: ['No se puede entregar: Q3'],
    ja: ['配信不能: Q3'],
    ru: ['Не доставлено: Q3', 'Недоставленное сообщение'],
  }
  for (const [lang, subjects] of Object.entries(ndr)) {
    it(`knows ${lang} NDR subjects`, () => {
      for (const s of subjects) expect(NDR_SUBJECTS[lang]!.test(s), s).toBe(true)
    })
  }

  const auto: Record<string, string[]> = {
    en: ['Automatic reply: Q3', 'Out of Office: Q3', 'Auto: Q3'],
    de: ['Automatische Antwort: Q3', 'Abwesenheitsnotiz: Q3'],
    nl: ['Automatisch antwoord: Q3', 'Afwezig: Q3'],
    sv: ['Automatiskt svar: Q3', 'Frånvaro: Q3'],
    pt: ['Resposta automática: Q3', 'Ausente: Q3'],
    zh: ['自动回复: Q3', '自動回覆: Q3'],
  }
  for (const [lang, subjects] of Object.entries(auto)) {
    it(`knows ${lang} auto-reply subjects`, () => {
      for (const s of subjects) expect(AUTOREPLY_SUBJECTS[lang]!.test(s), s).toBe(true)
    })
  }

  it('knows delay warnings and read receipts', () => {
    expect(DELAY_SUBJECTS.test('Delivery Status Notification (Delay)')).toBe(true)
    expect(DELAY_SUBJECTS.test('Delayed Mail (still being retried)')).toBe(true)
    expect(DELAY_SUBJECTS.test('Warning: could not send message for past 4 hours')).toBe(true)
    expect(RECEIPT_SUBJECTS.test('Read: Q3')).toBe(true)
    expect(RECEIPT_SUBJECTS.test('Gelesen: Q3')).toBe(true)
    expect(RECEIPT_SUBJECTS.test('Läst: Q3')).toBe(true)
  })

  it('does not take ordinary subjects for any of them', () => {
    for (const s of ['Quick question about your Q3 plans', 'Re: pricing', 'Lunch on Thursday?']) {
      for (const re of [...Object.values(NDR_SUBJECTS), ...Object.values(AUTOREPLY_SUBJECTS)])
        expect(re.test(s), s).toBe(false)
      expect(DELAY_SUBJECTS.test(s)).toBe(false)
      expect(RECEIPT_SUBJECTS.test(s)).toBe(false)
    }
  })
})
