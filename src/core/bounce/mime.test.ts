import PostalMime from 'postal-mime'
import { describe, expect, it } from 'vitest'
import * as F from './fixtures.ts'
import {
  decodeCharset,
  decodeHeader,
  headerValue,
  MAX_DEPTH,
  parseEmbedded,
  parseMime,
  parseStructured,
  partText,
  toByteString,
  walkParts,
} from './mime.ts'

describe('headers', () => {
  it('unfolds continuation lines and lower-cases names', () => {
    const m = parseMime('Subject: a long\n  folded subject\nX-Thing:  v \n\nbody')
    expect(m.root.headers).toEqual([
      { name: 'subject', value: 'a long folded subject' },
      { name: 'x-thing', value: 'v' },
    ])
  })

  it('skips blank and white-space lines before the first header field', () => {
    const m = parseMime('\n' + ' '.repeat(40) + '\nFrom: postmaster@example.org\nSubject: x\n\nbody')
    expect(headerValue(m.root.headers, 'from')).toBe('postmaster@example.org')
    expect(headerValue(m.root.headers, 'subject')).toBe('x')
    // a leading blank line followed by text (no header field) still means "no headers"
    expect(parseMime('\nHello there\n').root.headers).toEqual([])
  })

  it('skips an mbox "From " line and keeps going', () => {
    const m = parseMime('From mailer-daemon Tue Mar  4 10:15:00 2025\nFrom: MAILER-DAEMON@example.org\n\nx')
    expect(headerValue(m.root.headers, 'from')).toBe('MAILER-DAEMON@example.org')
  })

  it('decodes RFC 2047 encoded words', () => {
    expect(decodeHeader(F.encodedWord('Unzustellbar: Frage'))).toBe('Unzustellbar: Frage')
    expect(decodeHeader('=?iso-8859-1?Q?N=E3o_entregue?=')).toBe('Não entregue')
  })

  it('parses content-type parameters: quoted, unquoted, RFC 2231, missing semicolon', () => {
    expect(parseStructured('multipart/report; report-type=delivery-status;\n boundary="a b;c"')).toEqual({
      type: 'multipart/report',
      params: { 'report-type': 'delivery-status', boundary: 'a b;c' },
    })
    expect(parseStructured("text/plain; name*0*=utf-8''na%C3%AF; name*1*=ve.txt").params.name).toBe('naïve.txt')
    expect(parseStructured('text/plain   charset="iso-2022-jp"')).toEqual({
      type: 'text/plain',
      params: { charset: 'iso-2022-jp' },
    })
  })
})

describe('the part tree', () => {
  it('splits a multipart/report into its parts', () => {
    const m = parseMime(F.postfixUserUnknown)
    const types: string[] = []
    walkParts(m.root, (p) => types.push(p.type))
    expect(types).toEqual(['multipart/report', 'text/plain', 'message/delivery-status', 'message/rfc822'])
  })

  it('reads an embedded message, also when base64-encoded', () => {
    const m = parseMime(F.postfixUserUnknown)
    const rfc822 = m.root.children[2]!
    expect(headerValue(parseEmbedded(rfc822).headers, 'x-dispatch-id')).toBe(F.DISPATCH_ID)
  })

  it('reads a multipart whose boundary never appears as text', () => {
    const m = parseMime('Content-Type: multipart/mixed; boundary="nope"\n\nplain words only')
    expect(m.root.brokenBoundary).toBe(true)
    expect(partText(m.root)).toBe('plain words only')
  })

  it('ends the last part at the end of input when the close delimiter is missing', () => {
    const m = parseMime('Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\none\n--b\n\ntwo')
    expect(m.root.children.map((p) => partText(p))).toEqual(['one', 'two'])
  })

  it('stops following nesting at MAX_DEPTH', () => {
    let body = 'leaf'
    for (let i = 0; i < MAX_DEPTH + 10; i++)
      body = `Content-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n${body}\n--b${i}--\n`
    const m = parseMime(`Subject: deep\n${body}`)
    let depth = 0
    walkParts(m.root, (p) => {
      depth = Math.max(depth, p.depth)
    })
    expect(depth).toBeLessThanOrEqual(MAX_DEPTH)
  })
})

describe('decoding', () => {
  it('decodes base64 and quoted-printable bodies in their charset', () => {
    const qp = parseMime(
      'Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\nwasn=92t f=\nound',
    )
    expect(partText(qp.root)).toBe('wasn\u2019t found')
    const b64 = parseMime(
      `Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${btoa('Unzustellbar')}`,
    )
    expect(partText(b64.root)).toBe('Unzustellbar')
  })

  it('decodes ISO-2022-JP and falls back for unknown charsets', () => {
    const jis = '\u001b$B%a!<%k\u001b(B'
    expect(decodeCharset(jis, 'iso-2022-jp')).toBe('メール')
    expect(decodeCharset(toByteString(new TextEncoder().encode('déjà')), 'x-no-such-charset')).toBe('déjà')
    expect(decodeCharset(toByteString(new Uint8Array([0x64, 0xe9])), 'bogus')).toBe('dé')
  })

  it('keeps bytes through the byte string for 8-bit UTF-8 bodies', () => {
    const raw = new TextEncoder().encode('Content-Type: text/plain; charset=utf-8\n\n无法传递到以下收件人')
    expect(partText(parseMime(raw).root)).toBe('无法传递到以下收件人')
  })
})

describe('agreement with postal-mime on the part tree', () => {
  const samples: Array<[string, string]> = [
    ['postfix report', F.postfixUserUnknown],
    ['headers-only report', F.postfixMailboxFull],
    ['gmail nested alternative', F.gmailAddressNotFound],
    ['office 365', F.office365RecipientNotFound],
    ['arf', F.arfReport],
    ['mdn', F.readReceipt],
    ['localized base64', F.localizedExchangeNdr(F.LOCAL_NDRS[0]!, 'x@example.net')],
  ]
  for (const [name, raw] of samples) {
    it(name, async () => {
      const theirs = await PostalMime.parse(raw, { forceRfc822Attachments: true, attachmentEncoding: 'utf8' })
      const m = parseMime(raw)
      const leaves: { type: string; text: string }[] = []
      walkParts(m.root, (p) => {
        if (!p.type.startsWith('multipart/')) leaves.push({ type: p.type, text: partText(p) })
      })
      // postal-mime lists non-text leaves as attachments and joins text/plain into `text`.
      expect(
        leaves.filter((l) => !l.type.startsWith('text/plain') && l.type !== 'text/html').map((l) => l.type),
      ).toEqual(theirs.attachments.map((a) => a.mimeType))
      const plain = leaves.filter((l) => l.type === 'text/plain').map((l) => l.text.trim())
      expect((theirs.text ?? '').trim()).toContain(plain[0]!.split('\n')[0]!.trim())
      expect(m.root.headers.find((h) => h.name === 'subject')?.value).toBe(
        theirs.headers.find((h) => h.key === 'subject')?.value,
      )
    })
  }
})
