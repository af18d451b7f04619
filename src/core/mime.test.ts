import PostalMime from 'postal-mime'
import { describe, expect, it } from 'vitest'
import { buildMime, encodeHeaderValue, htmlToText, newMessageId, toBase64Url } from './mime.ts'
import type { OutgoingMessage } from './types.ts'

const message: OutgoingMessage = {
  to: ['Ana Silva <ana@example.org>', '"Doe, Jane" <jane@example.org>'],
  cc: ['Jörg Müller <joerg@example.de>'],
  bcc: ['audit@example.com'],
  subject: 'Grüße aus Köln — 你好, a subject long enough to need folding across more than one encoded word',
  html: '<p>Hallo <b>Ana</b>,</p><p>schöne Grüße 👋</p>',
  text: '',
  inReplyTo: '<orig@example.org>',
  references: ['<first@example.org>', '<orig@example.org>'],
}

async function parse(raw: string) {
  return PostalMime.parse(raw)
}

describe('buildMime', () => {
  const raw = buildMime({
    from: { name: 'Rep Ühlen', address: 'rep@example.com' },
    message,
    dispatchId: '3f1c9a2e-0000-4000-8000-000000000001',
    messageId: '<dispatch.3f1c@example.com>',
    date: new Date(Date.UTC(2026, 10, 23, 10, 0, 0)),
  })

  it('is 7-bit clean with lines within RFC 5322 limits', () => {
    expect(raw).toMatch(/^[\x00-\x7f]*$/)
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78)
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
  })

  it('round-trips through a MIME parser: addresses, UTF-8 subject and names, both bodies', async () => {
    const email = await parse(raw)
    expect(email.subject).toBe(message.subject)
    expect(email.from).toMatchObject({ name: 'Rep Ühlen', address: 'rep@example.com' })
    expect(email.to?.map((a) => ('address' in a ? a.address : ''))).toEqual(['ana@example.org', 'jane@example.org'])
    expect(email.to?.[1]).toMatchObject({ name: 'Doe, Jane' })
    expect(email.cc?.[0]).toMatchObject({ name: 'Jörg Müller', address: 'joerg@example.de' })
    expect(email.bcc?.[0]).toMatchObject({ address: 'audit@example.com' })
    expect(email.html).toContain('schöne Grüße 👋')
    expect(email.text).toContain('Hallo Ana,')
    expect(email.inReplyTo).toBe('<orig@example.org>')
    expect(email.references).toContain('<first@example.org>')
    expect(email.messageId).toBe('<dispatch.3f1c@example.com>')
    const dispatchHeader = email.headers.find((h) => h.key === 'x-dispatch-id')
    expect(dispatchHeader?.value).toBe('3f1c9a2e-0000-4000-8000-000000000001')
    expect(email.date).toBe('2026-11-23T10:00:00.000Z')
  })

  it('sends multipart/alternative with a text part first', () => {
    expect(raw).toMatch(/Content-Type: multipart\/alternative/)
    expect(raw.indexOf('text/plain')).toBeLessThan(raw.indexOf('text/html'))
  })
})

describe('encodeHeaderValue', () => {
  it('leaves plain ASCII readable', () => {
    expect(encodeHeaderValue('Quick question')).toBe('Quick question')
  })
  it('never splits a multi-byte character and keeps each word ≤ 75 chars', () => {
    const v = '你好'.repeat(40)
    const encoded = encodeHeaderValue(v)
    for (const word of encoded.split('\r\n ')) expect(word.length).toBeLessThanOrEqual(75)
    const decoded = encoded
      .split('\r\n ')
      .map((w) => new TextDecoder().decode(Uint8Array.from(atob(w.slice(10, -2)), (c) => c.charCodeAt(0))))
      .join('')
    expect(decoded).toBe(v)
  })
  it('encodes text that looks like an encoded word so it is not decoded by receivers', () => {
    expect(encodeHeaderValue('=?utf-8?B?Zm9v?=')).toMatch(/^=\?UTF-8\?B\?/)
  })
})

describe('helpers', () => {
  it('base64url has no padding or unsafe characters', () => {
    const s = toBase64Url('Subject: ÿÿÿ?>>\r\n\r\nbody')
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/)
  })
  it('htmlToText keeps paragraphs and decodes entities', () => {
    expect(htmlToText('<p>A &amp; B</p><p>C<br>D</p><script>x()</script>')).toBe('A & B\nC\nD')
  })
  it('newMessageId uses the sender domain', () => {
    expect(newMessageId('abc', 'rep@example.com')).toBe('<dispatch.abc@example.com>')
  })
})
