/**
 * Ties a bounce, or a reply, to the outbox row it answers. Bounces: our own `X-Dispatch-Id` in the
 * returned headers first, then the original Message-ID, then recipient + subject + time window.
 * Replies: In-Reply-To / References naming a sent row's Message-ID, or the same Gmail thread /
 * Graph conversation, from an address the row was sent to.
 */
import { decodeWords } from 'postal-mime'
import { addressKey } from '../../core/address.ts'
import { db, type OutboxRecord } from '../../core/db.ts'
import type { BounceReport } from '../../core/bounce/index.ts'
import type { BounceRecord, MailboxId } from '../../core/types.ts'

export type CorrelationMethod = BounceRecord['correlation']

export interface Correlation {
  row?: OutboxRecord
  method: CorrelationMethod
}

/** How far back a bounce without our headers may point: NDRs arrive within days (retries). */
export const HEURISTIC_WINDOW_MS = 7 * 24 * 3600_000
/** Clock skew between the provider's receive time and ours. */
const SKEW_MS = 10 * 60_000

/** `<a@b>`, `a@b` → the forms an outbox row may hold. */
export function messageIdForms(id: string): string[] {
  const bare = id.trim().replace(/^<|>$/g, '').trim()
  return bare ? [`<${bare}>`, bare] : []
}

/** Every `<…>` Message-ID in In-Reply-To / References. */
export function referencedIds(...values: (string | undefined)[]): string[] {
  const out: string[] = []
  for (const v of values) for (const m of (v ?? '').matchAll(/<[^<>\s]+>/g)) if (!out.includes(m[0])) out.push(m[0])
  return out
}

/** Subject text for comparing: decoded, reply/forward prefixes off, spacing and case folded. */
export function normalSubject(subject: string | null | undefined): string {
  let s = decodeSafe(subject ?? '')
  for (;;) {
    const next = s.replace(
      /^\s*(re|fw|fwd|aw|wg|sv|vs|antw|doorst|res|enc|tr|rif|回复|答复|转发)\s*(\[\d+\])?\s*[:：]\s*/i,
      '',
    )
    if (next === s) break
    s = next
  }
  return s.replace(/\s+/g, ' ').trim().toLowerCase()
}

export function decodeSafe(value: string): string {
  try {
    return value.includes('=?') ? decodeWords(value) : value
  } catch {
    return value
  }
}

/**
 * The subject an NDR's own subject repeats after its prefix ("Unzustellbar: Angebot" → "Angebot").
 * Only a preference when choosing among rows: some NDR subjects have a colon and no original subject.
 */
function subjectAfterPrefix(ndrSubject: string | undefined): string | null {
  const m = /^[^:：]{1,40}[:：]\s*(.+)$/.exec(decodeSafe(ndrSubject ?? '').trim())
  return m ? normalSubject(m[1]) : null
}

function sentIn(row: OutboxRecord, mailboxId: MailboxId, at: number, windowMs: number): boolean {
  return (
    row.mailboxId === mailboxId && row.sentAt !== undefined && row.sentAt <= at + SKEW_MS && row.sentAt >= at - windowMs
  )
}

async function rowsByMessageId(id: string | null | undefined): Promise<OutboxRecord[]> {
  if (!id) return []
  const forms = messageIdForms(id)
  return forms.length ? db().outbox.where('messageId').anyOf(forms).toArray() : []
}

/** Sent rows of this mailbox to `address`, newest first. */
async function rowsTo(mailboxId: MailboxId, address: string): Promise<OutboxRecord[]> {
  const rows = await db().outbox.where('recipientKeys').equals(address).toArray()
  return rows
    .filter((r) => r.mailboxId === mailboxId && r.sentAt !== undefined)
    .sort((a, b) => (b.sentAt ?? 0) - (a.sentAt ?? 0))
}

/**
 * The outbox row a failed recipient's NDR is about. `ndr` is the NDR's own arrival time and
 * subject header.
 */
export async function correlateBounce(
  mailboxId: MailboxId,
  report: BounceReport,
  recipient: string,
  ndr: { receivedAt: number; subject?: string },
): Promise<Correlation> {
  const dispatchId = report.original.dispatchId
  if (dispatchId) {
    const row = await db().outbox.get(dispatchId.toLowerCase())
    if (row && row.mailboxId === mailboxId) return { row, method: 'dispatch-id' }
  }
  const byMessageId = (await rowsByMessageId(report.original.messageId)).filter((r) => r.mailboxId === mailboxId)
  if (byMessageId.length) return { row: byMessageId[0], method: 'message-id' }

  const candidates = (await rowsTo(mailboxId, recipient.toLowerCase())).filter((r) =>
    sentIn(r, mailboxId, ndr.receivedAt, HEURISTIC_WINDOW_MS),
  )
  if (!candidates.length) return { method: 'none' }
  const quoted = report.original.subject !== null ? normalSubject(report.original.subject) : null
  if (quoted !== null) {
    // The NDR quotes the subject it bounced: a row with another subject is not this bounce.
    const hit = candidates.find((r) => normalSubject(r.message.subject) === quoted)
    return hit ? { row: hit, method: 'heuristic' } : { method: 'none' }
  }
  const hinted = subjectAfterPrefix(ndr.subject)
  const hit = hinted !== null ? candidates.find((r) => normalSubject(r.message.subject) === hinted) : undefined
  return { row: hit ?? candidates[0], method: 'heuristic' }
}

/**
 * The sent row an incoming message replies to, if it comes from someone the row was sent to and
 * names the row's Message-ID or sits in its thread. `null` when it answers nothing of ours.
 */
export async function matchReply(
  mailboxId: MailboxId,
  ownAddress: string,
  headers: Record<string, string>,
  threadId: string | undefined,
): Promise<OutboxRecord | null> {
  const fromHeader = headers.from
  if (!fromHeader) return null
  const from = addressKey(decodeSafe(fromHeader))
  if (!from.includes('@') || from === ownAddress.toLowerCase()) return null
  const rows = (await rowsTo(mailboxId, from)).filter((r) => r.state === 'sent')
  if (!rows.length) return null
  const refs = new Set(referencedIds(headers['in-reply-to'], headers.references))
  const byRef = rows.find((r) => r.messageId && messageIdForms(r.messageId).some((f) => refs.has(f)))
  if (byRef) return byRef
  if (threadId) return rows.find((r) => r.providerThreadId === threadId) ?? null
  return null
}
