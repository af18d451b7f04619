import { type AdvisorReport, DEFAULT_DOH_RESOLVER, normalizeDomain } from '../../core/advisor.ts'
import { providerOfChannel } from '../../core/channel-rule.ts'
import { db } from '../../core/db.ts'
import { DispatchError } from '../../core/errors.ts'
import type { ChannelKind } from '../../core/types.ts'
import { getSettings } from '../settings.ts'
import { checkDomain } from './doh.ts'

/**
 * The channel advisor as the options page asks for it: which domain (the one typed, else the
 * rep's sending domain setting, else the From of the chosen channel: the connected mailbox for
 * Gmail/Exchange, the Custom SMTP / legacy From otherwise), which channel (the one asked about,
 * else the channel campaign and page sends use), and which resolver (policy, options, default).
 */
export async function adviseDomain(p: { domain?: string; channel?: ChannelKind }): Promise<AdvisorReport> {
  const settings = await getSettings()
  const channel = p.channel ?? settings.teamChannel ?? settings.repChannel ?? 'gmail'
  let source = p.domain?.trim() || settings.sendingDomain?.trim() || ''
  if (!source) {
    const provider = providerOfChannel(channel)
    const account = provider
      ? (await db().accounts.where('provider').equals(provider).toArray()).find((a) => a.status !== 'disconnected')
      : undefined
    source = account?.address ?? settings.relayFrom ?? ''
  }
  const domain = normalizeDomain(source)
  if (!domain) throw new DispatchError('invalid_address', `Not a sending domain: ${source}`, [source])
  const resolver = settings.dohResolver || DEFAULT_DOH_RESOLVER
  const verified = settings.relayVerified?.url === settings.relayUrl ? settings.relayVerified : undefined
  const { report, allFailed } = await checkDomain({
    domain,
    channel,
    resolver,
    relay: { dkim: verified?.dkim ?? null, spfInclude: settings.relaySpfInclude },
  })
  if (allFailed) throw new DispatchError('dns_lookup_failed', `No answer from ${resolver}`, [resolver])
  return report
}
