import { describe, expect, it } from 'vitest'
import { channelForSend, providerOfChannel } from './channel-rule.ts'

describe('channelForSend', () => {
  it('sends Gmail composes through Gmail and Outlook composes through Exchange, whatever was chosen', () => {
    for (const repChannel of ['gmail', 'exchange', 'smtp', 'legacy'] as const) {
      expect(
        channelForSend({ origin: 'compose', host: 'gmail', repChannel, teamChannel: 'smtp', legacyAccount: true }),
      ).toBe('gmail')
      expect(channelForSend({ origin: 'compose', host: 'outlook', repChannel, legacyAccount: true })).toBe('exchange')
    }
  })

  it('refuses a compose send without a host tab', () => {
    expect(() => channelForSend({ origin: 'compose', legacyAccount: false })).toThrow(/host tab/)
  })

  it('uses the team channel over the rep channel for campaign and page sends', () => {
    expect(
      channelForSend({ origin: 'campaign', teamChannel: 'smtp', repChannel: 'exchange', legacyAccount: false }),
    ).toBe('smtp')
    expect(channelForSend({ origin: 'page', repChannel: 'exchange', legacyAccount: false })).toBe('exchange')
    expect(channelForSend({ origin: 'page', legacyAccount: false })).toBe('gmail')
    // Nobody chose: the connected mailbox decides.
    expect(channelForSend({ origin: 'campaign', legacyAccount: false, connectedProvider: 'exchange' })).toBe('exchange')
    expect(channelForSend({ origin: 'campaign', legacyAccount: false, connectedProvider: 'gmail' })).toBe('gmail')
  })

  it('offers legacy servers to legacy accounts only', () => {
    expect(channelForSend({ origin: 'campaign', repChannel: 'legacy', legacyAccount: true })).toBe('legacy')
    expect(() => channelForSend({ origin: 'campaign', repChannel: 'legacy', legacyAccount: false })).toThrow(
      expect.objectContaining({ code: 'channel_unavailable' }),
    )
  })
})

describe('providerOfChannel', () => {
  it('maps native channels to their provider', () => {
    expect(providerOfChannel('gmail')).toBe('gmail')
    expect(providerOfChannel('exchange')).toBe('exchange')
    expect(providerOfChannel('smtp')).toBeNull()
  })
})
