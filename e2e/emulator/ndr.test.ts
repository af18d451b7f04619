import PostalMime from 'postal-mime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, EXCHANGE_SYSTEM_MAILBOX, startEmulator } from './index.ts'
import { parseMimeTree } from './mime.ts'
import { api, b64url, mime } from './test-util.ts'

let emu: Emulator
const GOOGLE = 'ndr@gmail.com'
const MS = 'ndr@contoso.com'

beforeAll(async () => {
  emu = await startEmulator({ ndrDelayMs: 40 })
  emu.addAccount({ provider: 'google', address: GOOGLE })
  emu.addAccount({ provider: 'microsoft', address: MS, tenant: 'contoso', lang: 'de' })
  emu.rejectRecipient('ghost@nowhere.example', { kind: 'hard' })
  emu.rejectRecipient('full@busy.example', { kind: 'soft' })
})
afterAll(() => emu.close())

function parts(raw: Buffer) {
  const tree = parseMimeTree(raw)
  return { tree, types: tree.parts.map((p) => p.mimeType) }
}

function field(text: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(text)?.[1]?.trim()
}

async function gmailSend(to: string, id: string) {
  const gmail = api(emu, emu.issueToken(GOOGLE).accessToken)
  const r = await gmail('/gmail/v1/users/me/messages/send', {
    body: {
      raw: b64url(
        mime({ To: to, Subject: `Offer ${id}`, 'X-Dispatch-Id': id, 'Message-ID': `<${id}@dispatch.local>` }),
      ),
    },
  })
  return emu.mailbox(GOOGLE).sent.find((m) => m.id === r.json.id)!
}

describe('Gmail-style DSN', () => {
  it('arrives from mailer-daemon after the delay, as multipart/report with the original returned', async () => {
    const before = Date.now()
    const sent = await gmailSend('ghost@nowhere.example', 'disp-g1')
    const ndr = await emu.waitFor(() =>
      emu.mailbox(GOOGLE).inbox.find((m) => m.headers['x-failed-recipients'] === 'ghost@nowhere.example'),
    )
    expect(Date.now() - before).toBeGreaterThanOrEqual(35)
    expect(ndr.headers.from).toBe('Mail Delivery Subsystem <mailer-daemon@googlemail.com>')
    expect(ndr.subject).toBe('Delivery Status Notification (Failure)')
    expect(ndr.headers['auto-submitted']).toBe('auto-replied')
    expect(ndr.headers['in-reply-to']).toBe(sent.messageId)
    expect(ndr.labelIds).toContain('INBOX')
    // Filed in the conversation of the message that bounced.
    expect(ndr.threadId).toBe(sent.threadId)
    const { tree, types } = parts(ndr.rawBytes)
    expect(tree.mimeType).toBe('multipart/report')
    expect(tree.params['report-type']).toBe('delivery-status')
    expect(types).toEqual(['multipart/related', 'message/delivery-status', 'message/rfc822'])
    const dsn = tree.parts[1]!.body.toString()
    expect(field(dsn, 'Status')).toBe('5.1.1')
    expect(field(dsn, 'Action')).toBe('failed')
    expect(field(dsn, 'Final-Recipient')).toBe('rfc822; ghost@nowhere.example')
    const original = tree.parts[2]!.body.toString()
    // The final Message-ID (Gmail's own), not the one the client put in raw.
    expect(field(original, 'Message-ID')).toBe(sent.messageId)
    expect(sent.messageId).not.toBe('<disp-g1@dispatch.local>')
    expect(field(original, 'X-Dispatch-Id')).toBe('disp-g1')
    const parsed = await PostalMime.parse(ndr.raw)
    expect(parsed.text).toContain('** Address not found **')
    expect(parsed.text).toContain('550 5.1.1')
  })

  it('writes a soft bounce (5.2.2 mailbox full)', async () => {
    await gmailSend('full@busy.example', 'disp-g2')
    const ndr = await emu.waitFor(() =>
      emu.mailbox(GOOGLE).inbox.find((m) => m.headers['x-failed-recipients'] === 'full@busy.example'),
    )
    const dsn = parts(ndr.rawBytes).tree.parts[1]!.body.toString()
    expect(field(dsn, 'Status')).toBe('5.2.2')
    expect(field(dsn, 'Diagnostic-Code')).toContain('552 5.2.2')
  })
})

describe('Exchange-style NDR', () => {
  const graph = () => api(emu, emu.issueToken(MS).accessToken)

  async function graphSend(to: string, id: string, subject = 'Angebot Größe') {
    const g = graph()
    const created = await g('/v1.0/me/messages', {
      body: {
        subject,
        body: { contentType: 'Text', content: 'Hallo' },
        toRecipients: [{ emailAddress: { address: to } }],
        internetMessageHeaders: [{ name: 'X-Dispatch-Id', value: id }],
      },
    })
    await g(`/v1.0/me/messages/${encodeURIComponent(created.json.id)}/send`, { method: 'POST' })
    return created.json.internetMessageId as string
  }

  it('is localized to the sender (de: Unzustellbar:) with the English Remote Server line and the original headers', async () => {
    const internetMessageId = await graphSend('ghost@nowhere.example', 'disp-m1')
    const ndr = await emu.waitFor(() =>
      emu.mailbox(MS).inbox.find((m) => m.headers['in-reply-to'] === internetMessageId),
    )
    expect(ndr.subject).toBe('Unzustellbar: Angebot Größe')
    const sentItem = emu.mailbox(MS).sent.find((m) => m.internetMessageId === internetMessageId)!
    expect(ndr.threadId).toBe(sentItem.threadId)
    expect(ndr.headers.from).toBe(`Microsoft Outlook <${EXCHANGE_SYSTEM_MAILBOX}@contoso.onmicrosoft.com>`)
    expect(ndr.headerList.some((h) => h.name === 'X-MS-Exchange-Message-Is-Ndr')).toBe(true)
    expect(ndr.headers['content-language']).toBe('de-DE')
    const parsed = await PostalMime.parse(ndr.raw)
    expect(parsed.text).toContain('Die Zustellung an diese Empfänger oder Gruppen ist fehlgeschlagen')
    expect(parsed.text).toContain("Remote Server returned '550 5.1.1 <ghost@nowhere.example>")
    expect(parsed.text).toContain('X-Dispatch-Id: disp-m1')
    const { tree, types } = parts(ndr.rawBytes)
    expect(types).toEqual(['multipart/alternative', 'message/delivery-status', 'message/rfc822'])
    expect(field(tree.parts[1]!.body.toString(), 'Status')).toBe('5.1.1')
    expect(field(tree.parts[2]!.body.toString(), 'Message-ID')).toBe(internetMessageId)
    // Graph shows it in the inbox like any other message.
    const listed = await graph()(
      `/v1.0/me/mailFolders/inbox/messages?$filter=${encodeURIComponent("startswith(subject,'Unzustellbar')")}&$select=subject,from`,
    )
    expect(listed.json.value[0].from.emailAddress.address).toBe(`${EXCHANGE_SYSTEM_MAILBOX}@contoso.onmicrosoft.com`)
  })

  it.each([
    ['en', 'Undeliverable:'],
    ['nl', 'Onbestelbaar:'],
    ['sv', 'Olevererbart:'],
    ['pt', 'Não entregue:'],
    ['zh', '未送达:'],
  ] as const)('uses the %s subject prefix', async (lang, prefix) => {
    const rcpt = `nobody-${lang}@nowhere.example`
    emu.rejectRecipient(rcpt, { kind: 'hard', lang })
    await graphSend(rcpt, `disp-${lang}`, 'Offer')
    const ndr = await emu.waitFor(() =>
      emu.mailbox(MS).inbox.find((m) => m.raw.includes(`Final-Recipient: rfc822;${rcpt}`)),
    )
    expect(ndr.subject).toBe(`${prefix} Offer`)
  })

  it('can come from postmaster and carry a 4.x status for a soft failure after retries', async () => {
    emu.rejectRecipient('slow@late.example', { kind: 'soft', status: '4.4.7', exchangeFrom: 'postmaster' })
    await graphSend('slow@late.example', 'disp-m2', 'Later')
    const ndr = await emu.waitFor(() => emu.mailbox(MS).inbox.find((m) => m.subject === 'Unzustellbar: Later'))
    expect(ndr.headers.from).toBe('postmaster@contoso.onmicrosoft.com')
    expect(field(parts(ndr.rawBytes).tree.parts[1]!.body.toString(), 'Status')).toBe('4.4.7')
  })
})

describe('delivery timing', () => {
  it('holds NDRs until the delay or flush()', async () => {
    const slow = await startEmulator({ ndrDelayMs: 60_000 })
    try {
      slow.addAccount({ provider: 'google', address: 's@gmail.com' })
      slow.rejectRecipient('ghost@nowhere.example')
      const g = api(slow, slow.issueToken('s@gmail.com').accessToken)
      await g('/gmail/v1/users/me/messages/send', {
        body: { raw: b64url(mime({ To: 'ghost@nowhere.example, ok@example.com', Subject: 'x' })) },
      })
      expect(slow.pending()).toBe(1)
      expect(slow.mailbox('s@gmail.com').inbox).toHaveLength(0)
      expect(slow.flush()).toBe(1)
      expect(slow.mailbox('s@gmail.com').inbox).toHaveLength(1)
      slow.acceptRecipient('ghost@nowhere.example')
      await g('/gmail/v1/users/me/messages/send', {
        body: { raw: b64url(mime({ To: 'ghost@nowhere.example', Subject: 'y' })) },
      })
      expect(slow.pending()).toBe(0)
    } finally {
      await slow.close()
    }
  })
})
