import { Dexie, type EntityTable, type Table, type Transaction } from 'dexie'
import type {
  Account,
  AccountSecret,
  BounceRecord,
  Campaign,
  Enrolment,
  FeedEvent,
  LedgerEntry,
  OutboxRow,
  ScanCursor,
  ScannedMessage,
  SettingRow,
  StatRow,
  SuppressionEntry,
  Template,
  ThrottleState,
} from './types.ts'

export const DB_NAME = 'dispatch'

/**
 * The one IndexedDB schema of the product. The database is the truth: the worker may be killed at
 * any instant, so nothing lives only in memory. Each version's store list is kept as written when it
 * shipped; a new version adds a `.version(n)` with its own stores and upgrade, never edits an old one.
 */
export const SCHEMA_V1 = {
  accounts: 'id, provider, address',
  secrets: 'accountId',
  settings: 'key',
  outbox:
    'id, mailboxId, state, [state+nextAttemptAt], [mailboxId+state], createdAt, sentAt, messageId, campaignId, templateId, enrolmentId',
  ledger: '++seq, [mailboxId+at], outboxId',
  throttle: 'mailboxId',
  bounces: 'id, mailboxId, outboxId, recipient, detectedAt, campaignId, templateId',
  suppression: 'address, addedAt',
  templates: 'id, name, updatedAt',
  campaigns: 'id, name, createdAt',
  enrolments: 'id, campaignId, &[campaignId+address], address, [state+nextDueAt]',
  feed: '++id, at, [read+at], outboxId, bounceId',
  cursors: 'mailboxId',
  scanned: '[mailboxId+providerId], at',
}

/**
 * v2: analytics totals kept incrementally (`stats`, one row per scope, id and UTC day) so the
 * analytics tab never scans every outbox row; and a (recipient, sentAt) lookup for correlating
 * bounces that do not quote our headers. The upgrade backfills `stats` from rows already stored.
 */
export const SCHEMA_V2 = {
  outbox:
    'id, mailboxId, state, [state+nextAttemptAt], [mailboxId+state], createdAt, sentAt, messageId, campaignId, templateId, enrolmentId, *recipientKeys',
  stats: 'key, [scope+scopeId], [scope+day]',
}

export type OutboxRecord = OutboxRow & {
  /** Lower-cased bare addresses of every recipient, multi-entry indexed (v2). */
  recipientKeys?: string[]
}

export class DispatchDb extends Dexie {
  accounts!: EntityTable<Account, 'id'>
  secrets!: EntityTable<AccountSecret, 'accountId'>
  settings!: EntityTable<SettingRow, 'key'>
  outbox!: EntityTable<OutboxRecord, 'id'>
  ledger!: EntityTable<LedgerEntry, 'seq'>
  throttle!: EntityTable<ThrottleState, 'mailboxId'>
  bounces!: EntityTable<BounceRecord, 'id'>
  suppression!: EntityTable<SuppressionEntry, 'address'>
  templates!: EntityTable<Template, 'id'>
  campaigns!: EntityTable<Campaign, 'id'>
  enrolments!: EntityTable<Enrolment, 'id'>
  feed!: EntityTable<FeedEvent, 'id'>
  cursors!: EntityTable<ScanCursor, 'mailboxId'>
  scanned!: Table<ScannedMessage, [string, string]>
  stats!: EntityTable<StatRow, 'key'>

  constructor(name = DB_NAME, options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options)
    this.version(1).stores(SCHEMA_V1)
    this.version(2)
      .stores(SCHEMA_V2)
      .upgrade((tx) => backfillV2(tx))
  }
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

export function statKey(scope: StatRow['scope'], scopeId: string, day: string): string {
  return `${scope}|${scopeId}|${day}`
}

/** Bare, lower-cased address of an RFC 5322 mailbox (`Ana <ana@x.com>` → `ana@x.com`). */
export function bareAddress(mailbox: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(mailbox)
  return (angle ? angle[1]! : mailbox).trim().toLowerCase()
}

export function recipientKeys(row: Pick<OutboxRow, 'message'>): string[] {
  const m = row.message
  return [...new Set([...m.to, ...m.cc, ...m.bcc].map(bareAddress))]
}

async function backfillV2(tx: Transaction): Promise<void> {
  const totals = new Map<string, StatRow>()
  const bump = (scope: StatRow['scope'], scopeId: string | undefined, at: number, field: 'sent' | 'hard' | 'soft') => {
    if (!scopeId) return
    const day = utcDay(at)
    const key = statKey(scope, scopeId, day)
    const row = totals.get(key) ?? { key, scope, scopeId, day, sent: 0, hard: 0, soft: 0, replies: 0 }
    row[field] += 1
    totals.set(key, row)
  }
  await tx
    .table<OutboxRecord, string>('outbox')
    .toCollection()
    .modify((row) => {
      row.recipientKeys = recipientKeys(row)
      if (row.state === 'sent' && row.sentAt) {
        bump('template', row.templateId, row.sentAt, 'sent')
        bump('campaign', row.campaignId, row.sentAt, 'sent')
      }
    })
  await tx
    .table<BounceRecord, string>('bounces')
    .toCollection()
    .each((b) => {
      bump('template', b.templateId, b.detectedAt, b.kind)
      bump('campaign', b.campaignId, b.detectedAt, b.kind)
    })
  await tx.table<StatRow, string>('stats').bulkPut([...totals.values()])
}

let shared: DispatchDb | undefined

/** The database of this extension context (worker or page). Content scripts have no access to it. */
export function db(): DispatchDb {
  shared ??= new DispatchDb()
  return shared
}

/** Tests swap in a fresh database. */
export function setDbForTesting(instance: DispatchDb | undefined): void {
  shared = instance
}
