import { describe, expect, it } from 'vitest'
import { decide } from '../core/throttle.ts'
import { LEGACY_MAILBOX, limitsForMailbox, RELAY_MAILBOX, relayLimits } from './mailboxes.ts'

describe('the SMTP channel’s budget', () => {
  it('paces at the cap the relay reported', () => {
    expect(relayLimits({ messages: 30, perSeconds: 60 }, null).windows).toEqual([
      { kind: 'minute', windowMs: 60_000, guardMs: 1_000, max: 30, counts: 'messages', source: 'provider' },
    ])
    expect(relayLimits({ messages: 10, perSeconds: 1 }, null).windows).toEqual([
      { kind: 'second', windowMs: 1_000, guardMs: 0, max: 10, counts: 'messages', source: 'provider' },
    ])
    expect(relayLimits({ messages: 10_000, perSeconds: 86_400 }, null).windows[0]).toMatchObject({
      kind: 'day',
      max: 10_000,
    })
  })

  it('falls back to two a second without a cap, and keeps the admin’s batch card on top', () => {
    const limits = relayLimits(null, { enabled: true, batchSize: 25, waitSeconds: 45 })
    expect(limits.perMessageRecipients).toBe(100)
    expect(limits.windows.map((w) => [w.kind, w.max, w.windowMs, w.source])).toEqual([
      ['second', 2, 1_000, 'provider'],
      ['batch', 25, 45_000, 'admin'],
    ])
  })

  it('holds the 31st send of a minute at a 30/min cap until the first leaves the window', () => {
    const limits = relayLimits({ messages: 30, perSeconds: 60 }, null)
    const ledger = Array.from({ length: 30 }, (_, i) => ({ at: 1_000 + i * 100, recipients: 1 }))
    expect(decide(ledger.slice(0, 29), limits, null, 5_000, 1)).toEqual({ ok: true })
    expect(decide(ledger, limits, null, 5_000, 1)).toEqual({ ok: false, at: 1_000 + 61_000, reason: 'minute' })
  })

  it('uses the verified cap only for the relay it came from', () => {
    const relayVerified = {
      url: 'https://relay.acme.example',
      at: 1,
      username: null,
      source: 'relay' as const,
      domain: null,
      dkim: null,
      rateCap: { messages: 5, perSeconds: 1 },
    }
    const same = limitsForMailbox(RELAY_MAILBOX, null, { relayUrl: 'https://relay.acme.example', relayVerified })
    expect(same.windows[0]!.max).toBe(5)
    const moved = limitsForMailbox(RELAY_MAILBOX, null, { relayUrl: 'https://relay2.acme.example', relayVerified })
    expect(moved.windows[0]!.max).toBe(2)
    expect(limitsForMailbox(LEGACY_MAILBOX, null, { relayVerified }).windows.map((w) => w.max)).toEqual([
      2, 2_000, 2_000,
    ])
  })
})
