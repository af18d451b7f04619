import { describe, expect, it } from 'vitest'
import { validateOutgoing } from './compose-rules.ts'
import type { OutgoingMessage } from './types.ts'

const base: OutgoingMessage = {
  to: ['Ana <ana@example.org>'],
  cc: [],
  bcc: [],
  subject: 'Hello',
  html: '<p>x</p>',
  text: 'x',
}

describe('validateOutgoing', () => {
  it('returns every recipient address', () => {
    expect(
      validateOutgoing({ ...base, cc: ['b@example.org, "C, D" <c@example.org>'], bcc: ['e@example.org'] }, 100),
    ).toEqual(['ana@example.org', 'b@example.org', 'c@example.org', 'e@example.org'])
  })

  it.each([
    ['subject with CRLF', { subject: 'Hi\r\nBcc: victim@example.org' }, 'header_injection'],
    ['subject with a lone LF', { subject: 'Hi\nX: y' }, 'header_injection'],
    ['subject with NUL', { subject: 'Hi\u0000' }, 'header_injection'],
    ['address with CRLF', { to: ['ana@example.org\r\nBcc: victim@example.org'] }, 'header_injection'],
    ['In-Reply-To with CR', { inReplyTo: '<a@b>\rX: y' }, 'header_injection'],
    ['no recipients', { to: [] }, 'no_recipients'],
    ['an invalid address', { to: ['not-an-address'] }, 'invalid_address'],
    ['a display name only', { to: ['Ana Silva'] }, 'invalid_address'],
  ])('refuses %s', (_n, patch, code) => {
    expect(() => validateOutgoing({ ...base, ...patch }, 100)).toThrow(expect.objectContaining({ code }))
  })

  it('refuses more recipients than the channel allows per message', () => {
    const to = Array.from({ length: 101 }, (_, i) => `p${i}@example.org`)
    expect(() => validateOutgoing({ ...base, to }, 100)).toThrow(
      expect.objectContaining({ code: 'too_many_recipients', params: ['101', '100'] }),
    )
    expect(validateOutgoing({ ...base, to: to.slice(0, 100) }, 100)).toHaveLength(100)
  })

  it('refuses giant messages', () => {
    expect(() => validateOutgoing({ ...base, html: 'x'.repeat(26 * 1024 * 1024) }, 100)).toThrow(
      expect.objectContaining({ code: 'message_too_large' }),
    )
  })

  it('accepts international addresses and names', () => {
    expect(validateOutgoing({ ...base, to: ['Jörg <jörg@müller.de>', '张伟 <zhang@example.cn>'] }, 100)).toHaveLength(2)
  })
})
