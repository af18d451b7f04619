import type { ChannelKind } from '../core/types.ts'
import type { Channel } from './channel.ts'
import { exchangeChannel } from './exchange.ts'
import { gmailChannel } from './gmail.ts'

const channels: Partial<Record<ChannelKind, Channel>> = {
  gmail: gmailChannel,
  exchange: exchangeChannel,
}

export function registerChannel(channel: Channel): void {
  channels[channel.kind] = channel
}

export function channelOf(kind: ChannelKind): Channel | undefined {
  return channels[kind]
}
