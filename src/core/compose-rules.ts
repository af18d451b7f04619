import { HEADER_CONTROL, isValidAddress, parseAddressList } from './address.ts'
import { DispatchError } from './errors.ts'
import type { OutgoingMessage } from './types.ts'

/** Gmail refuses API messages over 35 MB; Graph over ~4 MB per request without upload sessions. */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024

export interface RecipientCheck {
  all: string[]
  invalid: string[]
}

export function collectRecipients(m: Pick<OutgoingMessage, 'to' | 'cc' | 'bcc'>): RecipientCheck {
  const all: string[] = []
  const invalid: string[] = []
  for (const field of [m.to, m.cc, m.bcc]) {
    for (const raw of field) {
      if (HEADER_CONTROL.test(raw)) {
        invalid.push(raw)
        continue
      }
      const parsed = parseAddressList(raw)
      if (parsed.length === 0) invalid.push(raw)
      for (const p of parsed) {
        if (isValidAddress(p.address)) all.push(p.address)
        else invalid.push(p.address || raw)
      }
    }
  }
  return { all, invalid }
}

/**
 * Refuses what no channel may send, before anything is queued: header injection (CR/LF or any
 * control character in a header field), no or invalid recipients, more recipients than the
 * channel allows in one message, oversized bodies. Each refusal is a translated error code.
 */
export function validateOutgoing(m: OutgoingMessage, maxRecipientsPerMessage: number): string[] {
  const headerFields: [string, string | undefined][] = [
    ['subject', m.subject],
    ['inReplyTo', m.inReplyTo],
    ...(m.references ?? []).map((r): [string, string] => ['references', r]),
  ]
  for (const [name, value] of headerFields) {
    if (value !== undefined && HEADER_CONTROL.test(value)) {
      throw new DispatchError('header_injection', `Control characters in ${name}`, [name])
    }
  }
  for (const raw of [...m.to, ...m.cc, ...m.bcc]) {
    if (HEADER_CONTROL.test(raw))
      throw new DispatchError('header_injection', 'Control characters in a recipient', ['to'])
  }
  const { all, invalid } = collectRecipients(m)
  if (invalid.length > 0) {
    throw new DispatchError('invalid_address', `Invalid address: ${invalid[0]}`, [invalid[0]!.slice(0, 200)])
  }
  if (all.length === 0) throw new DispatchError('no_recipients', 'The message has no recipients')
  if (all.length > maxRecipientsPerMessage) {
    throw new DispatchError(
      'too_many_recipients',
      `${all.length} recipients; the channel allows ${maxRecipientsPerMessage}`,
      [String(all.length), String(maxRecipientsPerMessage)],
    )
  }
  const size = m.html.length + m.text.length + m.subject.length
  if (size > MAX_MESSAGE_BYTES) {
    throw new DispatchError('message_too_large', `Message is ${size} characters`, [String(Math.ceil(size / 1048576))])
  }
  return all
}
