import { DispatchError } from './errors.ts'
import type { ChannelKind, HostKind, Provider, SendOrigin } from './types.ts'

/** The plugin rule: what starts in a Gmail compose goes out through Gmail, Outlook through Exchange. */
export const HOST_CHANNEL: Readonly<Record<HostKind, ChannelKind>> = { gmail: 'gmail', outlook: 'exchange' }
export const HOST_PROVIDER: Readonly<Record<HostKind, Provider>> = { gmail: 'gmail', outlook: 'exchange' }

export interface ChannelChoice {
  origin: SendOrigin
  /** The host of the sender tab, as the worker derived it from the tab's origin. */
  host?: HostKind
  /** The delivery channel for non-compose sends: the admin's team channel, else the rep's choice. */
  teamChannel?: ChannelKind
  repChannel?: ChannelKind
  /** When nobody chose: the rep's connected mailbox (Exchange for an Outlook-only rep). */
  connectedProvider?: Provider
  legacyAccount: boolean
}

/**
 * Which channel a send is fixed to when it is queued. Compose sends follow the tab's host and
 * nothing else (a channel named in the payload never gets here: the protocol strips it); campaign
 * steps and sends from Dispatch's pages use the chosen delivery channel.
 */
export function channelForSend(c: ChannelChoice): ChannelKind {
  if (c.origin === 'compose') {
    if (!c.host) throw new DispatchError('forbidden', 'A compose send must come from a host tab')
    return HOST_CHANNEL[c.host]
  }
  const chosen = c.teamChannel ?? c.repChannel ?? (c.connectedProvider === 'exchange' ? 'exchange' : 'gmail')
  if (chosen === 'legacy' && !c.legacyAccount) {
    throw new DispatchError('channel_unavailable', 'Legacy servers are only available to legacy accounts', ['legacy'])
  }
  return chosen
}

/** The mailbox provider whose identity and budget a channel uses (SMTP and legacy use none). */
export function providerOfChannel(channel: ChannelKind): Provider | null {
  return channel === 'gmail' ? 'gmail' : channel === 'exchange' ? 'exchange' : null
}
