import { describe, expect, it } from 'vitest'
import * as F from './fixtures.ts'
import { classifyMessage, HARD_REASONS, isAutomatedReply, isBounceCandidate, kindOf } from './index.ts'

describe('bounce module entry point', () => {
  it('exposes the scanner flow: pre-filter, classify, correlate', async () => {
    expect(isBounceCandidate({ from: 'Mail Delivery System <MAILER-DAEMON@mx.example.net>' })).toBe(true)
    const r = await classifyMessage(F.postfixUserUnknown)
    expect([r.bounce, r.kind, r.original.dispatchId]).toEqual([true, 'hard', F.DISPATCH_ID])
    expect(isAutomatedReply(r)).toBe(true)
    expect(HARD_REASONS.has(r.reason!)).toBe(true)
    expect(kindOf(r.reason, r.status)).toBe('hard')
  })
})
