// Amazon SES event notifications delivered by e-mail (SNS → e-mail subscription): a JSON body,
// often with the SES event itself as an escaped JSON string in "Message". Read with patterns
// rather than JSON.parse because mail transport tends to wrap long lines inside the strings.

export interface SesRecipient {
  address: string
  status: string | null
  diagnostic: string
  action: string
}

export interface SesNotification {
  type: 'bounce' | 'complaint' | 'delivery'
  /** Permanent | Transient | Undetermined */
  bounceType: string
  bounceSubType: string
  recipients: SesRecipient[]
}

const MAX_JSON = 256 * 1024

export function parseSesNotification(text: string): SesNotification | null {
  const t0 = text.trimStart()
  if (!t0.startsWith('{')) return null
  // Undo one level of string escaping and the line folding mail added.
  const t = (t0.length > MAX_JSON ? t0.slice(0, MAX_JSON) : t0).replace(/\\"/g, '"').replace(/\r?\n[ \t]?/g, '')
  const kind = /"(?:notificationType|eventType)"\s*:\s*"(\w+)"/.exec(t)
  if (!kind) return null
  const type = kind[1]!.toLowerCase()
  if (type !== 'bounce' && type !== 'complaint' && type !== 'delivery') return null
  const out: SesNotification = {
    type,
    bounceType: /"bounceType"\s*:\s*"(\w+)"/.exec(t)?.[1] ?? '',
    bounceSubType: /"bounceSubType"\s*:\s*"(\w+)"/.exec(t)?.[1] ?? '',
    recipients: [],
  }
  const list = /"(?:bouncedRecipients|complainedRecipients)"\s*:\s*\[([\s\S]*?)\]/.exec(t)
  if (list) {
    const objects = list[1]!.split(/\}\s*,\s*\{/)
    for (const o of objects.slice(0, 100)) {
      const address = /"emailAddress"\s*:\s*"([^"]+)"/.exec(o)?.[1]
      if (!address) continue
      out.recipients.push({
        address: address.replace(/^.*<([^>]+)>.*$/, '$1'),
        status: /"status"\s*:\s*"([245]\.\d{1,3}\.\d{1,3})"/.exec(o)?.[1] ?? null,
        diagnostic: (/"diagnosticCode"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(o)?.[1] ?? '').replace(/^smtp;\s*/i, ''),
        action: /"action"\s*:\s*"(\w+)"/.exec(o)?.[1]?.toLowerCase() ?? '',
      })
    }
  }
  if (type === 'delivery') {
    const dest = /"recipients"\s*:\s*\[([^\]]*)\]/.exec(t)
    for (const m of dest?.[1]?.matchAll(/"([^"]+@[^"]+)"/g) ?? [])
      out.recipients.push({ address: m[1]!, status: null, diagnostic: '', action: 'delivered' })
  }
  return out
}
