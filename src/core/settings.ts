import { z } from 'zod'
import type { ChannelKind } from './types.ts'

/**
 * Settings have two sources: the admin's enterprise policy (`chrome.storage.managed`, schema in
 * public/managed_schema.json) and the options page (IndexedDB `settings`). Admin keys set by policy
 * win and are shown read-only; everything else falls back to what the rep chose.
 */
export interface AdminThrottleSetting {
  enabled: boolean
  batchSize: number
  waitSeconds: number
}

export interface AdminSettings {
  throttle?: AdminThrottleSetting
  googlePlan?: 'auto' | 'trial'
  teamChannel?: ChannelKind
  legacyAccount?: boolean
  legacyEndpoint?: string
  relayUrl?: string
  dohResolver?: string
  googleClientId?: string
  microsoftClientId?: string
  microsoftTenant?: string
}

export interface RepSettings {
  /** The rep's delivery channel for campaign steps and sends from Dispatch's pages. */
  repChannel?: ChannelKind
  /** Also catch the host's own Send button and Ctrl/Cmd+Enter (off by default). */
  interceptNativeSend?: boolean
  notifyBounces?: boolean
  /** Relay bearer token, set on "Authenticate and Save". */
  relayToken?: string
  relayFrom?: string
  legacyToken?: string
  sendingDomain?: string
  /** The SMTP provider's SPF include (e.g. `sendgrid.net`), for the channel advisor. */
  relaySpfInclude?: string
  /**
   * What the relay said on the last successful "Authenticate and Save". Written only by the worker
   * after `/v1/verify` answered ok (the page cannot set it); `url` ties it to the relay it describes.
   */
  relayVerified?: RelayVerified
}

export interface RelayVerified {
  url: string
  at: number
  username: string | null
  source: 'relay' | 'rep'
  /** The relay's sending domain: `from` must be an address at it. */
  domain: string | null
  dkim: { domain: string; selector: string } | null
  /** The provider's cap the relay keeps; the throttle paces the SMTP channel by it. */
  rateCap: { messages: number; perSeconds: number } | null
}

export type Settings = AdminSettings & RepSettings

export const ADMIN_KEYS = [
  'throttle',
  'googlePlan',
  'teamChannel',
  'legacyAccount',
  'legacyEndpoint',
  'relayUrl',
  'dohResolver',
  'googleClientId',
  'microsoftClientId',
  'microsoftTenant',
] as const satisfies readonly (keyof AdminSettings)[]

export const DEFAULT_SETTINGS: Settings = {
  interceptNativeSend: false,
  notifyBounces: true,
}

/** Merges the sources: policy over options over defaults. Returns which keys the policy locks. */
export function mergeSettings(
  policy: Partial<AdminSettings>,
  stored: Partial<Settings>,
): { settings: Settings; locked: (keyof AdminSettings)[] } {
  const locked = ADMIN_KEYS.filter((k) => policy[k] !== undefined)
  // A stored null is a key the options page cleared (e.g. "no team channel"): unset, not a value.
  const kept = Object.fromEntries(Object.entries(stored).filter(([, v]) => v !== null)) as Partial<Settings>
  const settings: Settings = { ...DEFAULT_SETTINGS, ...kept }
  for (const k of locked) (settings as Record<string, unknown>)[k] = policy[k]
  return { settings, locked }
}

const channel = z.enum(['gmail', 'exchange', 'smtp', 'legacy'])
const httpsUrl = z
  .string()
  .max(2000)
  .refine(
    (u) => /^https:\/\/[^\s]+$|^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/[^\s]*)?$/.test(u),
    'must be an https URL',
  )

/** What the options page may write; a policy value is validated by the same rules. */
export const settingsPatchSchema = z
  .object({
    throttle: z.object({
      enabled: z.boolean(),
      batchSize: z.number().int().min(1).max(10_000),
      waitSeconds: z.number().int().min(1).max(86_400),
    }),
    googlePlan: z.enum(['auto', 'trial']),
    /** null clears it: campaign and page sends follow each rep's choice again. */
    teamChannel: channel.nullable(),
    legacyAccount: z.boolean(),
    legacyEndpoint: httpsUrl.or(z.literal('')),
    relayUrl: httpsUrl.or(z.literal('')),
    dohResolver: httpsUrl.or(z.literal('')),
    googleClientId: z.string().max(300),
    microsoftClientId: z.string().max(300),
    microsoftTenant: z.string().max(100),
    repChannel: channel,
    interceptNativeSend: z.boolean(),
    notifyBounces: z.boolean(),
    relayToken: z.string().max(2000),
    relayFrom: z.string().max(320),
    legacyToken: z.string().max(2000),
    sendingDomain: z.string().max(253),
    relaySpfInclude: z
      .string()
      .max(253)
      .regex(/^$|^[A-Za-z0-9_.-]+$/, 'must be a domain name'),
  })
  .partial()
  .strict()
