import { getSettings } from '../background/settings.ts'
import type { ChannelKind } from '../core/types.ts'
import { type Channel, ProviderError } from './channel.ts'
import { exchangeChannel } from './exchange.ts'
import { gmailChannel } from './gmail.ts'
import { createLegacyChannel } from './legacy.ts'
import { createSmtpChannel } from './smtp.ts'

/** Custom SMTP: the relay URL (admin) and token (set on Authenticate and Save) are read at send time. */
const smtpChannel = createSmtpChannel(async () => {
  const s = await getSettings()
  return s.relayUrl && s.relayToken ? { url: s.relayUrl, token: s.relayToken } : null
})

/** Legacy servers: refused once the account is no longer flagged legacy, even for rows queued before. */
const legacyChannel = createLegacyChannel(async () => {
  const s = await getSettings()
  if (s.legacyAccount !== true) {
    throw new ProviderError(
      'channel_unavailable',
      'Legacy servers are only for legacy accounts',
      { kind: 'permanent' },
      ['legacy'],
    )
  }
  return s.legacyEndpoint ? { url: s.legacyEndpoint, token: s.legacyToken } : null
})

const channels: Partial<Record<ChannelKind, Channel>> = {
  gmail: gmailChannel,
  exchange: exchangeChannel,
  smtp: smtpChannel,
  legacy: legacyChannel,
}

export function registerChannel(channel: Channel): void {
  channels[channel.kind] = channel
}

export function channelOf(kind: ChannelKind): Channel | undefined {
  return channels[kind]
}
