/**
 * Non-delivery reports as Gmail and Exchange Online write them, modelled on the structure of the
 * real samples in ../shared/corpus/bounces (Gmail's multipart/report with "Address not found",
 * Office 365's "Undeliverable:" with `X-MS-Exchange-Message-Is-Ndr`) and the evidenced Exchange
 * facts in PLATFORM.md: the sender's language for the subject prefix and the prose, the
 * "Remote Server returned '…'" diagnostic in English, and the original message returned (its
 * headers, including X-Dispatch-Id and Message-ID) in a message/rfc822 or text/rfc822-headers part.
 * The prose is the project's own wording.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { encodeWord, headerValue, messageIds, parseMessageHeaders, rfc2822Date, splitMessage } from './mime.ts'

export type NdrKind = 'hard' | 'soft'
export type NdrLang = 'en' | 'de' | 'nl' | 'sv' | 'pt' | 'zh' | 'fr' | 'es'

export interface NdrSpec {
  style: 'gmail' | 'exchange'
  lang: NdrLang
  kind: NdrKind
  /** Enhanced status; defaults to 5.1.1 (hard) or 5.2.2 (soft). A 4.x.x status is a soft failure after retries. */
  status?: string
  /** Remote server's SMTP reply; generated from the status when absent. */
  diagnostic?: string
  senderAddress: string
  senderName: string
  tenant: string
  server: string
  recipient: string
  original: Buffer
  now: number
  /** Exchange NDRs come from the MicrosoftExchange system mailbox or from postmaster. */
  exchangeFrom?: 'microsoftexchange' | 'postmaster'
}

export const EXCHANGE_SYSTEM_MAILBOX = 'MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e'

interface ExchangeText {
  locale: string
  subject: string
  intro: string
  hard: string
  full: string
  expired: string
  admin: string
  server: string
  headers: string
}

/** Exchange Online NDR wording per sender language (subject prefixes as evidenced in PLATFORM.md). */
export const EXCHANGE_TEXT: Record<NdrLang, ExchangeText> = {
  en: {
    locale: 'en-US',
    subject: 'Undeliverable:',
    intro: 'Delivery has failed to these recipients or groups:',
    hard: "The address couldn't be found at the destination. Check the spelling of the recipient's address and send the message again.",
    full: "The recipient's mailbox is full and isn't accepting messages right now. Try sending later, or reach the recipient another way.",
    expired:
      "The message couldn't be delivered before it expired because the destination server didn't respond. Try again later.",
    admin: 'Diagnostic information for administrators:',
    server: 'Generating server:',
    headers: 'Original message headers:',
  },
  de: {
    locale: 'de-DE',
    subject: 'Unzustellbar:',
    intro: 'Die Zustellung an diese Empfänger oder Gruppen ist fehlgeschlagen:',
    hard: 'Die Adresse wurde beim Ziel nicht gefunden. Prüfen Sie die Schreibweise der Empfängeradresse und senden Sie die Nachricht erneut.',
    full: 'Das Postfach des Empfängers ist voll und nimmt zurzeit keine Nachrichten an. Versuchen Sie es später noch einmal.',
    expired: 'Die Nachricht konnte nicht rechtzeitig zugestellt werden, weil der Zielserver nicht geantwortet hat.',
    admin: 'Diagnoseinformationen für Administratoren:',
    server: 'Generierender Server:',
    headers: 'Ursprüngliche Nachrichtenkopfzeilen:',
  },
  nl: {
    locale: 'nl-NL',
    subject: 'Onbestelbaar:',
    intro: 'De bezorging aan deze ontvangers of groepen is mislukt:',
    hard: 'Het adres is op de bestemming niet gevonden. Controleer het adres van de ontvanger en verstuur het bericht opnieuw.',
    full: 'Het postvak van de ontvanger is vol en neemt nu geen berichten aan. Probeer het later opnieuw.',
    expired: 'Het bericht kon niet op tijd worden bezorgd omdat de doelserver niet reageerde.',
    admin: 'Diagnostische gegevens voor beheerders:',
    server: 'Server die het bericht heeft gegenereerd:',
    headers: 'Oorspronkelijke berichtkoppen:',
  },
  sv: {
    locale: 'sv-SE',
    subject: 'Olevererbart:',
    intro: 'Leveransen till följande mottagare eller grupper misslyckades:',
    hard: 'Adressen kunde inte hittas hos mottagaren. Kontrollera adressen och skicka meddelandet igen.',
    full: 'Mottagarens postlåda är full och tar inte emot meddelanden just nu. Försök igen senare.',
    expired: 'Meddelandet kunde inte levereras i tid eftersom målservern inte svarade.',
    admin: 'Diagnostisk information för administratörer:',
    server: 'Genererande server:',
    headers: 'Ursprungliga meddelandehuvuden:',
  },
  pt: {
    locale: 'pt-BR',
    subject: 'Não entregue:',
    intro: 'Falha na entrega para estes destinatários ou grupos:',
    hard: 'O endereço não foi encontrado no destino. Verifique o endereço do destinatário e envie a mensagem novamente.',
    full: 'A caixa de correio do destinatário está cheia e não está aceitando mensagens agora. Tente mais tarde.',
    expired: 'Não foi possível entregar a mensagem a tempo porque o servidor de destino não respondeu.',
    admin: 'Informações de diagnóstico para administradores:',
    server: 'Servidor de geração:',
    headers: 'Cabeçalhos da mensagem original:',
  },
  zh: {
    locale: 'zh-CN',
    subject: '未送达:',
    intro: '无法传递到以下收件人或组:',
    hard: '在目标位置找不到该地址。请检查收件人地址的拼写，然后重新发送邮件。',
    full: '收件人的邮箱已满，目前不接收邮件。请稍后再试。',
    expired: '由于目标服务器没有响应，邮件未能在过期前送达。',
    admin: '管理员诊断信息:',
    server: '生成服务器:',
    headers: '原始邮件头:',
  },
  fr: {
    locale: 'fr-FR',
    subject: 'Non remis :',
    intro: 'La remise à ces destinataires ou groupes a échoué :',
    hard: "L'adresse est introuvable chez le destinataire. Vérifiez l'adresse et renvoyez le message.",
    full: 'La boîte aux lettres du destinataire est pleine et n’accepte pas de messages pour le moment.',
    expired: "Le message n'a pas pu être remis à temps car le serveur de destination n'a pas répondu.",
    admin: 'Informations de diagnostic pour les administrateurs :',
    server: 'Serveur de génération :',
    headers: "En-têtes du message d'origine :",
  },
  es: {
    locale: 'es-ES',
    subject: 'No se puede entregar:',
    intro: 'Error en la entrega a estos destinatarios o grupos:',
    hard: 'No se encontró la dirección en el destino. Compruebe la dirección del destinatario y vuelva a enviar el mensaje.',
    full: 'El buzón del destinatario está lleno y no acepta mensajes ahora. Inténtelo más tarde.',
    expired: 'No se pudo entregar el mensaje a tiempo porque el servidor de destino no respondió.',
    admin: 'Información de diagnóstico para administradores:',
    server: 'Servidor de generación:',
    headers: 'Encabezados del mensaje original:',
  },
}

interface GmailText {
  notFound: string
  notDelivered: string
  hard: (rcpt: string) => string
  full: (rcpt: string) => string
  expired: (rcpt: string) => string
  response: string
}

const GMAIL_TEXT: Partial<Record<NdrLang, GmailText>> & { en: GmailText } = {
  en: {
    notFound: 'Address not found',
    notDelivered: 'Message not delivered',
    hard: (r) =>
      `Your message wasn't delivered to ${r} because the address couldn't be found, or it can't receive mail.`,
    full: (r) => `Your message wasn't delivered to ${r} because the recipient's inbox is full.`,
    expired: (r) =>
      `Gmail kept trying to deliver your message to ${r} but the receiving server didn't accept it in time, so it gave up.`,
    response: 'The response from the remote server was:',
  },
  de: {
    notFound: 'Adresse nicht gefunden',
    notDelivered: 'Nachricht nicht zugestellt',
    hard: (r) =>
      `Ihre Nachricht an ${r} wurde nicht zugestellt, weil die Adresse nicht gefunden wurde oder keine E-Mails empfangen kann.`,
    full: (r) => `Ihre Nachricht an ${r} wurde nicht zugestellt, weil das Postfach des Empfängers voll ist.`,
    expired: (r) =>
      `Gmail hat mehrfach versucht, Ihre Nachricht an ${r} zuzustellen, aber der Empfangsserver hat sie nicht rechtzeitig angenommen.`,
    response: 'Antwort des Remote-Servers:',
  },
}

function defaultStatus(kind: NdrKind): string {
  return kind === 'hard' ? '5.1.1' : '5.2.2'
}

function remoteReply(status: string, recipient: string, style: 'gmail' | 'exchange'): string {
  if (status === '5.1.1') {
    return style === 'gmail'
      ? `550 5.1.1 <${recipient}>: Recipient address rejected: User unknown in virtual mailbox table`
      : `550 5.1.1 <${recipient}>: Recipient address rejected: User unknown`
  }
  if (status.startsWith('5.2.2')) return `552 5.2.2 <${recipient}>: Mailbox full - quota exceeded`
  if (status.startsWith('4.'))
    return style === 'gmail'
      ? `421 ${status} Service not available, try again later`
      : `500 ${status} QUEUE.Expired; message expired`
  return `550 ${status} Requested action not taken`
}

function hex(n: number): string {
  return randomBytes(n).toString('hex')
}

/** What is returned of the original: the whole message while small, else its headers. */
function returned(original: Buffer): { type: string; content: string } {
  const { head } = splitMessage(original)
  if (original.length <= 64 * 1024)
    return { type: 'message/rfc822', content: original.toString('latin1').replace(/\r?\n$/, '') }
  return { type: 'text/rfc822-headers', content: head }
}

function originalInfo(original: Buffer) {
  const { headers, head } = { ...parseMessageHeaders(original), head: splitMessage(original).head }
  return {
    subject: headerValue(headers, 'subject') ?? '',
    messageId: messageIds(headerValue(headers, 'message-id'))[0] ?? '',
    head,
  }
}

/** The raw NDR (CRLF line ends, UTF-8 text parts) delivered to the sender's inbox. */
export function buildNdr(spec: NdrSpec): Buffer {
  // Parts are assembled as latin1 strings so the original message's bytes pass through unchanged.
  return Buffer.from(spec.style === 'gmail' ? gmailDsn(spec) : exchangeNdr(spec), 'latin1')
}

function utf8(text: string): string {
  // Message bytes travel as latin1 strings; UTF-8 text is written as its bytes.
  return Buffer.from(text, 'utf8').toString('latin1')
}

function gmailDsn(spec: NdrSpec): string {
  const t = GMAIL_TEXT[spec.lang] ?? GMAIL_TEXT.en
  const status = spec.status ?? defaultStatus(spec.kind)
  const reply = spec.diagnostic ?? remoteReply(status, spec.recipient, 'gmail')
  const domain = spec.recipient.split('@')[1] ?? 'example.com'
  const orig = originalInfo(spec.original)
  const date = rfc2822Date(spec.now).replace('+0000', '-0000 (UTC)')
  const outer = `000000000000${hex(8)}`
  const related = `000000000000${hex(8)}`
  const alt = `000000000000${hex(8)}`
  const hard = status.startsWith('5.1')
  const title = hard ? t.notFound : t.notDelivered
  const sentence = hard
    ? t.hard(spec.recipient)
    : status.startsWith('4.')
      ? t.expired(spec.recipient)
      : t.full(spec.recipient)
  const text = `\r\n** ${title} **\r\n\r\n${sentence}\r\n\r\n${hard ? 'Learn more here: https://support.google.com/mail/?p=NoSuchUser\r\n\r\n' : ''}${t.response}\r\n${reply}\r\n`
  const html = `<html>\r\n<head>\r\n<style>\r\n* {\r\nfont-family:Roboto, "Helvetica Neue", Helvetica, Arial, sans-serif;\r\n}\r\n</style>\r\n</head>\r\n<body>\r\n<table cellpadding="0" cellspacing="0" class="email-wrapper"><tbody>\r\n<tr><td><h2 style="font-size:20px;color:#212121;margin:0">${title}</h2></td></tr>\r\n<tr><td style="padding-top:20px;color:#757575;font-size:16px">${sentence.replace(spec.recipient, `<a style='color:#212121;text-decoration:none'><b>${spec.recipient}</b></a>`)}</td></tr>\r\n<tr><td style="padding:48px 10px">${t.response}<br/>\r\n<p style="font-family:monospace">${reply.replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p></td></tr>\r\n</tbody></table>\r\n</body>\r\n</html>\r\n`
  const back = returned(spec.original)
  const lines = [
    'Return-Path: <>',
    `Received: by 2002:a05:6a10:${hex(2)}:b0:${hex(2)}:${hex(2)}:${hex(2)} with SMTP id ${hex(6)}csp${hex(4)};`,
    `        ${date}`,
    `X-Google-Smtp-Source: A${randomBytes(36).toString('base64').replace(/=+$/, '')}`,
    'Content-Type: multipart/report; boundary="' + outer + '"; report-type=delivery-status',
    `From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>`,
    `To: ${spec.senderAddress}`,
    'Auto-Submitted: auto-replied',
    'Subject: Delivery Status Notification (Failure)',
    ...(orig.messageId ? [`References: ${orig.messageId}`, `In-Reply-To: ${orig.messageId}`] : []),
    `X-Failed-Recipients: ${spec.recipient}`,
    `Message-ID: <${hex(4)}.${hex(4)}.${hex(3)}.${hex(2)}.GMR@mx.google.com>`,
    `Date: ${date}`,
    'MIME-Version: 1.0',
    '',
    `--${outer}`,
    `Content-Type: multipart/related; boundary="${related}"`,
    '',
    `--${related}`,
    `Content-Type: multipart/alternative; boundary="${alt}"`,
    '',
    `--${alt}`,
    'Content-Type: text/plain; charset="UTF-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    utf8(text),
    `--${alt}`,
    'Content-Type: text/html; charset="UTF-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    utf8(html),
    `--${alt}--`,
    `--${related}--`,
    `--${outer}`,
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; googlemail.com',
    `Received-From-MTA: dns; ${spec.senderAddress}`,
    `Arrival-Date: ${date}`,
    ...(orig.messageId ? [`X-Original-Message-ID: ${orig.messageId}`] : []),
    '',
    `Final-Recipient: rfc822; ${spec.recipient}`,
    'Action: failed',
    `Status: ${status}`,
    `Remote-MTA: dns; mx.${domain}. (192.0.2.25, the server for the domain ${domain}.)`,
    `Diagnostic-Code: smtp; ${reply}`,
    `Last-Attempt-Date: ${date}`,
    '',
    `--${outer}`,
    `Content-Type: ${back.type}`,
    '',
    back.content,
    `--${outer}--`,
    '',
  ]
  return lines.join('\r\n')
}

function qpHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function exchangeNdr(spec: NdrSpec): string {
  const t = EXCHANGE_TEXT[spec.lang] ?? EXCHANGE_TEXT.en
  const status = spec.status ?? defaultStatus(spec.kind)
  const reply = spec.diagnostic ?? remoteReply(status, spec.recipient, 'exchange')
  const domain = spec.recipient.split('@')[1] ?? 'example.com'
  const orig = originalInfo(spec.original)
  const date = rfc2822Date(spec.now)
  const server = spec.server.toUpperCase()
  const outer = randomUUID()
  const alt = randomUUID()
  const explanation = status.startsWith('5.1') ? t.hard : status.startsWith('4.') ? t.expired : t.full
  const headBlock = orig.head.replace(/\r?\n/g, '\r\n')
  const from =
    spec.exchangeFrom === 'postmaster'
      ? `postmaster@${spec.tenant}.onmicrosoft.com`
      : `Microsoft Outlook <${EXCHANGE_SYSTEM_MAILBOX}@${spec.tenant}.onmicrosoft.com>`
  const text = [
    t.intro,
    '',
    `${spec.recipient}<mailto:${spec.recipient}>`,
    explanation,
    '',
    '',
    '',
    t.admin,
    '',
    `${t.server} ${server}`,
    '',
    spec.recipient,
    `Remote Server returned '${reply}'`,
    '',
    t.headers,
    '',
    headBlock,
    '',
  ].join('\r\n')
  const html = [
    '<html>',
    '<head>',
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
    '</head>',
    '<body>',
    `<p><b><font color="#000066" size="3" face="Arial">${qpHtml(t.intro)}</font></b></p>`,
    `<font color="#000000" size="2" face="Tahoma"><p><a href="mailto:${spec.recipient}">${spec.recipient}</a><br></font>`,
    `<font color="#000000" size="3" face="Arial">${qpHtml(explanation)}<br></font></p>`,
    '<br><br><br>',
    `<font color="#808080" size="2" face="Tahoma"><p><b>${qpHtml(t.admin)}</b></p>`,
    `<p>${qpHtml(t.server)} ${server}<br></p>`,
    `<p>${spec.recipient}<br>Remote Server returned '${qpHtml(reply)}'<br></p>`,
    `<p>${qpHtml(t.headers)}</p>`,
    `<pre>${qpHtml(headBlock)}</pre>`,
    '</font>',
    '</body>',
    '</html>',
  ].join('\r\n')
  const back = returned(spec.original)
  const subject = `${t.subject} ${orig.subject}`
  const lines = [
    'Return-Path: <>',
    `Received: from ${server} (::1) by ${server} with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.${1000 + Math.floor(Math.random() * 8999)}.${Math.floor(Math.random() * 40)}; ${date}`,
    `From: ${from}`,
    `To: <${spec.senderAddress}>`,
    `Date: ${date}`,
    `Content-Type: multipart/report; report-type=delivery-status;`,
    `\tboundary="${outer}"`,
    'X-MS-Exchange-Message-Is-Ndr:',
    `Content-Language: ${t.locale}`,
    `Message-ID: <${randomUUID()}@${server}>`,
    ...(orig.messageId ? [`In-Reply-To: ${orig.messageId}`, `References: ${orig.messageId}`] : []),
    `Thread-Topic: ${encodeWord(orig.subject)}`,
    `Thread-Index: ${randomBytes(22).toString('base64')}`,
    `Subject: ${encodeWord(subject)}`,
    'Auto-Submitted: auto-replied',
    'X-MS-PublicTrafficType: Email',
    'X-MS-Exchange-Organization-SCL: -1',
    'MIME-Version: 1.0',
    '',
    `--${outer}`,
    `Content-Type: multipart/alternative; differences=Content-Type;`,
    `\tboundary="${alt}"`,
    '',
    `--${alt}`,
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    utf8(text),
    `--${alt}`,
    'Content-Type: text/html; charset="utf-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    utf8(html),
    '',
    `--${alt}--`,
    '',
    `--${outer}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns;${server}`,
    `Received-From-MTA: dns;${server}`,
    `Arrival-Date: ${date}`,
    '',
    `Final-Recipient: rfc822;${spec.recipient}`,
    'Action: failed',
    `Status: ${status}`,
    `Diagnostic-Code: smtp;${reply}`,
    `Remote-MTA: dns;mx.${domain}`,
    `X-Display-Name: ${spec.recipient}`,
    '',
    '',
    `--${outer}`,
    `Content-Type: ${back.type}`,
    '',
    back.content,
    '',
    `--${outer}--`,
    '',
  ]
  return lines.join('\r\n')
}
