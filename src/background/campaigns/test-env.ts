/**
 * Test scaffolding for the worker's campaign code in Node: a fresh fake IndexedDB per test, a
 * minimal `chrome` (alarms, badge, notifications), a Gmail channel that records what it would send,
 * and one clock shared by the campaign engine and the outbox scheduler.
 */
import 'fake-indexeddb/auto'
import { Dexie } from 'dexie'
import type { Channel, SentMessage } from '../../channels/channel.ts'
import { registerChannel } from '../../channels/index.ts'
import { DispatchDb, setDbForTesting } from '../../core/db.ts'
import type { Account, OutboxRow } from '../../core/types.ts'
import { kick, setClockForTesting } from '../outbox/scheduler.ts'
import { runCampaigns, setCampaignClockForTesting } from './engine.ts'

export const REP: Account = {
  id: 'gmail:rep@acme.example',
  provider: 'gmail',
  address: 'rep@acme.example',
  displayName: 'Rita Rep',
  plan: 'workspace',
  status: 'connected',
  connectedAt: 0,
}

export interface Env {
  db: DispatchDb
  sent: OutboxRow[]
  notifications: { id: string; options: Record<string, unknown> }[]
  alarms: Map<string, number>
  badge: { text: string }
  now(): number
  set(t: number): void
}

let n = 0

export function installChrome(env: Pick<Env, 'notifications' | 'alarms' | 'badge'>): void {
  ;(globalThis as unknown as { chrome: unknown }).chrome = {
    runtime: { id: 'test', getURL: (p: string) => `chrome-extension://test/${p}` },
    alarms: {
      create: async (name: string, info: { when?: number }) => void env.alarms.set(name, info.when ?? 0),
      clear: async (name: string) => env.alarms.delete(name),
    },
    storage: { managed: { get: async () => ({}) } },
    action: {
      setBadgeText: async ({ text }: { text: string }) => void (env.badge.text = text),
      setBadgeBackgroundColor: async () => undefined,
    },
    notifications: {
      create: async (id: string, options: Record<string, unknown>) => {
        env.notifications.push({ id, options })
        return id
      },
    },
    tabs: { sendMessage: async () => undefined, create: async () => undefined },
  }
}

/** A Gmail channel that "sends" instantly, with Gmail-like ids (a reply stays in its thread). */
export function recordingGmail(sent: OutboxRow[]): Channel {
  return {
    kind: 'gmail',
    async send(row): Promise<SentMessage> {
      sent.push(structuredClone(row))
      return {
        providerMessageId: `msg-${row.id.slice(0, 8)}`,
        providerThreadId: row.message.providerThreadId ?? `thread-${row.id.slice(0, 8)}`,
        messageId: `<${row.id}@mail.gmail.example>`,
      }
    },
    async findSent() {
      return null
    },
  }
}

export async function setUp(start: number): Promise<Env> {
  const env: Env = {
    db: new DispatchDb(`campaign-test-${Date.now()}-${n++}`),
    sent: [],
    notifications: [],
    alarms: new Map(),
    badge: { text: '' },
    now: () => t,
    set: (x) => void (t = x),
  }
  let t = start
  installChrome(env)
  setDbForTesting(env.db)
  await env.db.open()
  await env.db.accounts.put(REP)
  registerChannel(recordingGmail(env.sent))
  setClockForTesting(
    () => t,
    () => 0.5,
  )
  setCampaignClockForTesting(() => t, 'Europe/Berlin')
  return env
}

export async function tearDown(env: Env): Promise<void> {
  // Let runs started by the test finish on its database; later timers find a fresh default one.
  await runCampaigns()
  await kick()
  env.db.close()
  await Dexie.delete(env.db.name)
  setDbForTesting(undefined)
}
