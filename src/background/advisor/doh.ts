import {
  type AdvisorReport,
  evaluate,
  lookupsFor,
  parseDohAnswer,
  type RelayFacts,
  type TxtLookup,
} from '../../core/advisor.ts'
import type { ChannelKind } from '../../core/types.ts'

/**
 * TXT lookups over DNS-over-HTTPS, JSON flavour (`GET <resolver>?name=…&type=TXT`,
 * `Accept: application/dns-json`), which Google (dns.google/resolve) and Cloudflare
 * (cloudflare-dns.com/dns-query) both serve. A browser extension has no DNS API of its own.
 */

export const DOH_TIMEOUT_MS = 8_000

export async function queryTxt(
  resolver: string,
  name: string,
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): Promise<TxtLookup> {
  let url: URL
  try {
    url = new URL(resolver)
  } catch {
    return { status: 'error', message: `not a resolver URL: ${resolver}` }
  }
  url.searchParams.set('name', name)
  url.searchParams.set('type', 'TXT')
  try {
    const res = await fetchImpl(url.toString(), {
      headers: { Accept: 'application/dns-json' },
      signal: AbortSignal.timeout(DOH_TIMEOUT_MS),
      // Nothing about the rep travels with a DNS question.
      credentials: 'omit',
      cache: 'no-store',
    })
    if (!res.ok) return { status: 'error', message: `HTTP ${res.status} from the resolver` }
    return parseDohAnswer(await res.json().catch(() => null))
  } catch (err) {
    return { status: 'error', message: err instanceof Error ? err.message : String(err) }
  }
}

/** Looks every name up at once; a name asked twice is asked once. */
export async function lookupAll(
  resolver: string,
  names: string[],
  fetchImpl?: typeof fetch,
): Promise<Record<string, TxtLookup>> {
  const unique = [...new Set(names)]
  const answers = await Promise.all(unique.map((n) => queryTxt(resolver, n, fetchImpl)))
  return Object.fromEntries(unique.map((n, i) => [n, answers[i]!]))
}

/** Looks up what the channel needs and judges it. `allFailed` says the resolver answered nothing usable. */
export async function checkDomain(input: {
  domain: string
  channel: ChannelKind
  resolver: string
  relay?: RelayFacts
  fetchImpl?: typeof fetch
}): Promise<{ report: AdvisorReport; allFailed: boolean }> {
  const names = lookupsFor(input.domain, input.channel, input.relay)
  const txt = await lookupAll(input.resolver, names, input.fetchImpl)
  const answers = Object.values(txt)
  return {
    report: evaluate({ domain: input.domain, channel: input.channel, txt, relay: input.relay }),
    allFailed: answers.length > 0 && answers.every((a) => a.status === 'error'),
  }
}
