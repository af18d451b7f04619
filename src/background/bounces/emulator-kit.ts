/**
 * Node-only helpers that drive the scanner against the in-process emulator (unit tests and
 * bench/scan.ts): a fresh database on fake-indexeddb, injected fetch/tokens/endpoints, mailbox rows,
 * and sends through the emulator's real API that leave an outbox row exactly as the worker would
 * (X-Dispatch-Id = row id, the final Message-ID and thread read back). Never imported by the worker.
 */
import type { gmail_v1 } from '@googleapis/gmail'
import type { Message } from '@microsoft/microsoft-graph-types'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { Emulator } from '../../../e2e/emulator/index.ts'
import { DispatchDb, db, type OutboxRecord, recipientKeys, setDbForTesting } from '../../core/db.ts'
import type { Account, OutboxRow, Provider } from '../../core/types.ts'
import type { ScanDeps } from './scanner.ts'

let dbCount = 0

/** A fresh, empty database of its own, made the context's `db()`. */
export async function freshDb(): Promise<DispatchDb> {
  const instance = new DispatchDb(`dispatch-scan-${process.pid}-${++dbCount}`, {
    indexedDB: new IDBFactory(),
    IDBKeyRange,
  })
  await instance.open()
  setDbForTesting(instance)
  return instance
}

export interface KitOptions {
  /** Wraps the real fetch (fault injection in tests). */
  wrapFetch?: (real: typeof fetch) => typeof fetch
  now?: () => number
}

/** Scanner dependencies pointing at the emulator, with tokens issued by it (no sign-in requests). */
export function emulatorDeps(emu: Emulator, opts: KitOptions = {}): ScanDeps {
  const tokens = new Map<string, string>()
  const real: typeof fetch = (input, init) => fetch(input, init)
  return {
    fetch: opts.wrapFetch ? opts.wrapFetch(real) : real,
    token: async (mailboxId) => {
      const address = mailboxId.slice(mailboxId.indexOf(':') + 1)
      let t = tokens.get(address)
      if (!t) {
        t = emu.issueToken(address).accessToken
        tokens.set(address, t)
      }
      return t
    },
    invalidate: async (mailboxId) => {
      tokens.delete(mailboxId.slice(mailboxId.indexOf(':') + 1))
    },
    endpoints: { gmailApi: emu.url, graphApi: `${emu.url}/v1.0` },
    sleep: async () => undefined,
    now: opts.now,
  }
}

/** The mailbox in the emulator and its connected account row in the database. */
export async function connectMailbox(
  emu: Emulator,
  provider: Provider,
  address: string,
  opts: { lang?: 'en' | 'de'; connectedAt?: number } = {},
): Promise<Account> {
  emu.addAccount({ provider: provider === 'gmail' ? 'google' : 'microsoft', address, lang: opts.lang })
  const account: Account = {
    id: `${provider}:${address.toLowerCase()}`,
    provider,
    address,
    displayName: address.split('@')[0]!,
    plan: provider === 'gmail' ? 'workspace' : 'exchange-online',
    status: 'connected',
    connectedAt: opts.connectedAt ?? Date.now(),
  }
  await db().accounts.put(account)
  return account
}

export interface SendSpec {
  to: string[]
  subject: string
  text?: string
  templateId?: string
  campaignId?: string
  stepIndex?: number
}

/** Sends through the emulator's API as the worker's channels do, and stores the sent outbox row. */
export async function sendAndRecord(emu: Emulator, account: Account, spec: SendSpec): Promise<OutboxRecord> {
  const id = crypto.randomUUID()
  const token = emu.issueToken(account.address).accessToken
  const auth = { Authorization: `Bearer ${token}` }
  const at = Date.now()
  let sent: Pick<OutboxRow, 'providerMessageId' | 'providerThreadId' | 'messageId'>
  if (account.provider === 'gmail') {
    const raw = [
      `From: ${account.address}`,
      `To: ${spec.to.join(', ')}`,
      `Subject: ${spec.subject}`,
      `Message-ID: <dispatch.${id}@${account.address.split('@')[1]}>`,
      `X-Dispatch-Id: ${id}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      spec.text ?? 'Hello',
      '',
    ].join('\r\n')
    const res = await fetch(`${emu.url}/gmail/v1/users/me/messages/send`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ raw: Buffer.from(raw).toString('base64url') }),
    })
    if (!res.ok) throw new Error(`send failed: ${res.status} ${await res.text()}`)
    const m = (await res.json()) as gmail_v1.Schema$Message
    const meta = (await (
      await fetch(`${emu.url}/gmail/v1/users/me/messages/${m.id}?format=metadata&metadataHeaders=Message-ID`, {
        headers: auth,
      })
    ).json()) as gmail_v1.Schema$Message
    const messageId = meta.payload?.headers?.find((h) => h.name?.toLowerCase() === 'message-id')?.value ?? undefined
    sent = { providerMessageId: m.id ?? '', providerThreadId: m.threadId ?? undefined, messageId }
  } else {
    const draft: Message = {
      subject: spec.subject,
      body: { contentType: 'text', content: spec.text ?? 'Hello' },
      toRecipients: spec.to.map((address) => ({ emailAddress: { address } })),
      internetMessageHeaders: [{ name: 'x-dispatch-id', value: id }],
    }
    const res = await fetch(`${emu.url}/v1.0/me/messages`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(draft),
    })
    if (!res.ok) throw new Error(`create failed: ${res.status} ${await res.text()}`)
    const d = (await res.json()) as Message
    const send = await fetch(`${emu.url}/v1.0/me/messages/${encodeURIComponent(d.id ?? '')}/send`, {
      method: 'POST',
      headers: auth,
    })
    if (!send.ok) throw new Error(`send failed: ${send.status}`)
    sent = {
      providerMessageId: d.id ?? '',
      providerThreadId: d.conversationId ?? undefined,
      messageId: d.internetMessageId ?? undefined,
    }
  }
  const row: OutboxRow = {
    id,
    mailboxId: account.id,
    channel: account.provider,
    origin: 'page',
    state: 'sent',
    message: { to: spec.to, cc: [], bcc: [], subject: spec.subject, html: '', text: spec.text ?? 'Hello' },
    recipientCount: spec.to.length,
    createdAt: at,
    notBefore: at,
    nextAttemptAt: at,
    attempts: 1,
    log: [{ at, outcome: 'sent' }],
    sentAt: at,
    ...sent,
    templateId: spec.templateId,
    campaignId: spec.campaignId,
    stepIndex: spec.stepIndex,
  }
  const record: OutboxRecord = { ...row, recipientKeys: recipientKeys(row) }
  await db().outbox.put(record)
  return record
}

/** An ordinary incoming message (not a bounce, not a reply). */
export function ordinaryMail(to: string, i: number, extraHeaders: string[] = []): string {
  return [
    `From: Lena Berg <lena.berg${i}@partner.example>`,
    `To: ${to}`,
    `Subject: Meeting notes ${i}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <notes.${i}.${Date.now()}@partner.example>`,
    ...extraHeaders,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    `Here are the notes from meeting ${i}.`,
    '',
  ].join('\r\n')
}

/** Top-level API requests in the emulator log since `since` (a batch is one entry). */
export function apiRequests(emu: Emulator, address: string, sinceSeq: number): number {
  const who = address.toLowerCase()
  return emu
    .log()
    .filter(
      (e) =>
        e.seq > sinceSeq && (e.area === 'gmail' || e.area === 'graph') && (e.account === null || e.account === who),
    ).length
}

export function lastSeq(emu: Emulator): number {
  return emu.log().at(-1)?.seq ?? 0
}
