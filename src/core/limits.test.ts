import { describe, expect, it } from 'vitest'
import { type AdminThrottle, DAY_MS, limitsFor, lookbackMs, MSA_CONSUMER_TENANT_ID, planFor } from './limits.ts'
import { decide, type LedgerSlot } from './throttle.ts'
import type { MailboxPlan } from './types.ts'
import { seededRandom } from './random.ts'

const PLANS: MailboxPlan[] = ['gmail-consumer', 'workspace', 'workspace-trial', 'exchange-online', 'outlook-consumer']

function windowMax(plan: MailboxPlan, kind: string, counts: string): number | undefined {
  return limitsFor(plan).windows.find((w) => w.kind === kind && w.counts === counts)?.max
}

describe('limitsFor: provider defaults', () => {
  it('keeps Gmail at 2 sends/s, 100 recipients a message, 500 a day (consumer, trial) or 2,000 (Workspace)', () => {
    for (const plan of ['gmail-consumer', 'workspace', 'workspace-trial'] as const) {
      expect(limitsFor(plan).perMessageRecipients).toBe(100)
      expect(windowMax(plan, 'second', 'messages')).toBe(2)
    }
    expect(windowMax('gmail-consumer', 'day', 'messages')).toBe(500)
    expect(windowMax('workspace', 'day', 'messages')).toBe(2_000)
    expect(windowMax('workspace-trial', 'day', 'messages')).toBe(500)
    // Every recipient counts as a unique external one: Google's 2,000 (trial 500) unique-external cap.
    expect(windowMax('workspace', 'day', 'recipients')).toBe(2_000)
    expect(windowMax('workspace-trial', 'day', 'recipients')).toBe(500)
  })

  it('keeps Exchange Online at 30 messages/minute, 10,000 recipients/day, 500 recipients a message', () => {
    const l = limitsFor('exchange-online')
    expect(l.perMessageRecipients).toBe(500)
    expect(windowMax('exchange-online', 'minute', 'messages')).toBe(30)
    expect(windowMax('exchange-online', 'day', 'recipients')).toBe(10_000)
    expect(windowMax('exchange-online', 'day', 'messages')).toBeUndefined()
  })

  it('keeps Outlook.com below every Microsoft figure: 300 recipients/day, 100 a message', () => {
    const l = limitsFor('outlook-consumer')
    expect(l.perMessageRecipients).toBe(100)
    expect(windowMax('outlook-consumer', 'day', 'recipients')).toBe(300)
    expect(windowMax('outlook-consumer', 'minute', 'messages')).toBe(30)
  })

  it('uses rolling windows of the published length (a day is 24 h, not a calendar day)', () => {
    for (const plan of PLANS) {
      for (const w of limitsFor(plan).windows) {
        const expected = { second: 1_000, minute: 60_000, day: DAY_MS, batch: -1 }[w.kind]
        expect(w.windowMs).toBe(expected)
        expect(w.guardMs).toBeGreaterThanOrEqual(0)
        expect(w.guardMs).toBeLessThan(w.windowMs / 20)
      }
      expect(lookbackMs(limitsFor(plan))).toBeGreaterThanOrEqual(DAY_MS)
    }
  })

  it('returns fresh objects, so a caller changing one cannot change the table', () => {
    const a = limitsFor('workspace')
    a.windows[0]!.max = 1_000
    expect(limitsFor('workspace').windows[0]!.max).toBe(2)
  })
})

describe('limitsFor: the admin throttling card', () => {
  it('adds "25 emails every 45 seconds" as a rolling batch window per mailbox', () => {
    const l = limitsFor('workspace', { enabled: true, batchSize: 25, waitSeconds: 45 })
    const batch = l.windows.find((w) => w.kind === 'batch')
    expect(batch).toMatchObject({ max: 25, windowMs: 45_000, counts: 'messages', source: 'admin' })
    const t0 = Date.UTC(2026, 0, 5, 9)
    // 25 sends in the first 12 s (2/s), then the 26th waits for the first to be 45 s old.
    const ledger: LedgerSlot[] = Array.from({ length: 25 }, (_, i) => ({
      at: t0 + Math.floor(i / 2) * 1000,
      recipients: 1,
    }))
    expect(decide(ledger, l, null, t0 + 13_000, 1)).toEqual({ ok: false, at: t0 + 45_000, reason: 'batch' })
    expect(decide(ledger, l, null, t0 + 45_000, 1)).toEqual({ ok: true })
  })

  it('ignores a disabled or unusable card', () => {
    const bad: AdminThrottle[] = [
      { enabled: false, batchSize: 1, waitSeconds: 60 },
      { enabled: true, batchSize: 0, waitSeconds: 60 },
      { enabled: true, batchSize: 10, waitSeconds: 0 },
      { enabled: true, batchSize: Number.NaN, waitSeconds: 10 },
      { enabled: true, batchSize: 10, waitSeconds: Number.POSITIVE_INFINITY },
    ]
    for (const admin of bad) expect(limitsFor('exchange-online', admin)).toEqual(limitsFor('exchange-online'))
    expect(limitsFor('exchange-online', null)).toEqual(limitsFor('exchange-online'))
  })

  it('can only make limits stricter, never looser, whatever the admin enters', () => {
    const random = seededRandom(7)
    const t0 = Date.UTC(2026, 2, 1)
    const admins: AdminThrottle[] = [
      { enabled: true, batchSize: 1_000_000, waitSeconds: 1 },
      { enabled: true, batchSize: 100_000, waitSeconds: 0.001 },
      { enabled: true, batchSize: 25, waitSeconds: 45 },
      { enabled: true, batchSize: 3, waitSeconds: 600 },
      { enabled: true, batchSize: 5000, waitSeconds: 86_400 * 3 },
    ]
    for (const plan of PLANS) {
      const provider = limitsFor(plan)
      for (const admin of admins) {
        const withAdmin = limitsFor(plan, admin)
        // Structurally: every provider limit is still there, unchanged.
        for (const w of provider.windows) expect(withAdmin.windows).toContainEqual(w)
        expect(withAdmin.perMessageRecipients).toBe(provider.perMessageRecipients)
        // Behaviourally: never allowed earlier than the provider alone allows.
        for (let trial = 0; trial < 40; trial++) {
          const ledger: LedgerSlot[] = Array.from({ length: Math.floor(random() * 600) }, () => ({
            at: t0 - Math.floor(random() * random() * DAY_MS),
            recipients: 1 + Math.floor(random() * 20),
          })).sort((a, b) => a.at - b.at)
          const recipients = 1 + Math.floor(random() * 30)
          const base = decide(ledger, provider, null, t0, recipients)
          const strict = decide(ledger, withAdmin, null, t0, recipients)
          if (!base.ok) {
            expect(strict.ok).toBe(false)
            if (!strict.ok) expect(strict.at).toBeGreaterThanOrEqual(base.at)
          }
        }
      }
    }
  })
})

describe('planFor', () => {
  it('tells consumer Gmail from Workspace by the address, and trial by the admin', () => {
    expect(planFor('gmail', 'Ana@Gmail.com')).toBe('gmail-consumer')
    expect(planFor('gmail', 'ana@googlemail.com', 'trial')).toBe('gmail-consumer')
    expect(planFor('gmail', 'ana@acme.io')).toBe('workspace')
    expect(planFor('gmail', 'ana@acme.io', 'auto')).toBe('workspace')
    expect(planFor('gmail', 'ana@acme.io', 'trial')).toBe('workspace-trial')
    expect(planFor('gmail', 'ana@gmail.com.evil.io')).toBe('workspace')
  })

  it('tells Outlook.com from Exchange Online by tenant, then domain, then host', () => {
    for (const address of [
      'a@outlook.com',
      'a@hotmail.com',
      'a@live.com',
      'a@msn.com',
      'a@hotmail.co.uk',
      'a@outlook.fr',
    ]) {
      expect(planFor('exchange', address)).toBe('outlook-consumer')
    }
    expect(planFor('exchange', 'a@contoso.com')).toBe('exchange-online')
    expect(planFor('exchange', 'a@contoso.com', undefined, 'outlook.office.com')).toBe('exchange-online')
    expect(planFor('exchange', 'a@contoso.com', undefined, 'outlook.live.com')).toBe('outlook-consumer')
    expect(planFor('exchange', 'a@liveevents.com')).toBe('exchange-online')
    // The id token's tenant is authoritative either way.
    expect(planFor('exchange', 'a@contoso.com', undefined, undefined, MSA_CONSUMER_TENANT_ID)).toBe('outlook-consumer')
    expect(
      planFor('exchange', 'a@contoso.com', undefined, 'outlook.live.com', '72f988bf-86f1-41af-91ab-2d7cd011db47'),
    ).toBe('exchange-online')
  })
})
