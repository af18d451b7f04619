import { addressParser } from 'postal-mime'

export interface ParsedAddress {
  name: string
  /** As written (case kept): providers deliver to the local part as given. */
  address: string
}

// Deliberately practical rather than the full RFC 5322 grammar: what providers accept for sending.
const ADDRESS =
  /^[^\s@<>()[\]\\,;:"]+@(?:[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff-]{0,61}[A-Za-z0-9\u00a1-\uffff])?\.)+[A-Za-z\u00a1-\uffff]{2,63}$/

/** Any C0 control character or DEL (CR and LF included): never allowed in a header field. */
export const HEADER_CONTROL = /[\u0000-\u001f\u007f]/

export function isValidAddress(address: string): boolean {
  return address.length <= 254 && ADDRESS.test(address)
}

/**
 * Parses what a compose's recipient field holds (`Ana Silva <ana@x.com>`, `"Doe, J" <j@x.io>`,
 * `ana@x.com`, several separated by commas or semicolons) into mailboxes. Groups are flattened.
 */
export function parseAddressList(input: string | string[]): ParsedAddress[] {
  const parts = Array.isArray(input) ? input : [input]
  const out: ParsedAddress[] = []
  for (const part of parts) {
    if (!part.trim()) continue
    for (const entry of addressParser(part.replace(/;/g, ','))) {
      if ('group' in entry && Array.isArray(entry.group)) {
        for (const m of entry.group) out.push({ name: m.name ?? '', address: m.address ?? '' })
      } else if ('address' in entry) {
        out.push({ name: entry.name ?? '', address: entry.address ?? '' })
      }
    }
  }
  return out
}

/** `ana@x.com` for any of the forms above; lower-cased for lookups (suppression, correlation). */
export function addressKey(mailbox: string): string {
  const parsed = parseAddressList(mailbox)[0]
  return (parsed?.address || mailbox).trim().toLowerCase()
}
