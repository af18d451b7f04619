/**
 * JSON control surface under /__emulator/ for a browser or another process: the same knobs as the
 * TypeScript API. Requests here are not logged and never faulted.
 */
import type { Emulator, MessageView } from './emulator.ts'
import type { ApiResponse } from './errors.ts'
import type { EmuRequest, FaultKind } from './http.ts'

function body(req: EmuRequest): Record<string, unknown> {
  if (!req.body.length) return {}
  return JSON.parse(req.body.toString('utf8')) as Record<string, unknown>
}

const ok = (value: unknown): ApiResponse => ({ status: 200, body: value })

function summary(m: MessageView, withRaw: boolean) {
  return {
    id: m.id,
    threadId: m.threadId,
    labelIds: m.labelIds,
    internalDate: m.internalDate,
    messageId: m.messageId,
    subject: m.subject,
    from: m.from,
    recipients: m.recipients,
    headers: m.headers,
    ...(withRaw ? { raw: m.raw } : {}),
  }
}

export const CONTROL_ROUTES = [
  'GET /__emulator',
  'GET|POST /__emulator/accounts',
  'GET /__emulator/mailboxes/{address}?raw=1&limit=N',
  'POST /__emulator/mailboxes/{address}/deliver {raw}',
  'POST /__emulator/mailboxes/{address}/seed {n}',
  'GET /__emulator/mailboxes/{address}/sends',
  'POST /__emulator/reject {address, kind, lang?, status?} · DELETE /__emulator/reject/{address}',
  'POST|DELETE /__emulator/faults {rate, kinds, paths?, slowMs?}',
  'POST /__emulator/fail-next {kind, n?, paths?}',
  'POST /__emulator/revoke {address}',
  'POST /__emulator/tokens {address, scopes?, refresh?}',
  'POST /__emulator/expire-tokens {address?}',
  'POST /__emulator/token-lifetime {seconds}',
  'POST /__emulator/limits {address, limits}',
  'POST /__emulator/block {address, blocked?}',
  'POST /__emulator/expire-history {address}',
  'POST /__emulator/reset-sync {address}',
  'POST /__emulator/advance-time {ms}',
  'POST /__emulator/flush',
  'GET|DELETE /__emulator/log',
]

export async function handleControl(emu: Emulator, req: EmuRequest): Promise<ApiResponse> {
  const path = req.url.pathname.replace(/\/+$/, '')
  const route = `${req.method} ${path}`
  const b = req.method === 'POST' ? body(req) : {}
  const mailbox = /^\/__emulator\/mailboxes\/([^/]+)(\/[a-z-]+)?$/.exec(path)
  if (mailbox) {
    const address = decodeURIComponent(mailbox[1]!)
    const action = mailbox[2] ?? ''
    if (req.method === 'GET' && action === '') {
      const view = emu.mailbox(address)
      const withRaw = req.url.searchParams.get('raw') === '1'
      const limit = Number(req.url.searchParams.get('limit') ?? 200)
      const pick = (list: MessageView[]) => list.slice(-limit).map((m) => summary(m, withRaw))
      return ok({
        address: view.address,
        provider: view.provider,
        counts: { inbox: view.inbox.length, sent: view.sent.length, drafts: view.drafts.length },
        inbox: pick(view.inbox),
        sent: pick(view.sent),
        drafts: pick(view.drafts),
      })
    }
    if (req.method === 'POST' && action === '/deliver') return ok(emu.deliver(address, String(b.raw ?? '')))
    if (req.method === 'POST' && action === '/seed') {
      emu.seedInbox(address, Number(b.n ?? 0))
      return ok({ seeded: Number(b.n ?? 0) })
    }
    if (req.method === 'GET' && action === '/sends') return ok(emu.sends(address))
  }
  const rejected = /^\/__emulator\/reject\/([^/]+)$/.exec(path)
  if (rejected && req.method === 'DELETE') {
    emu.acceptRecipient(decodeURIComponent(rejected[1]!))
    return ok({ accepted: true })
  }
  const address = typeof b.address === 'string' ? b.address : ''
  switch (route) {
    case 'GET /__emulator':
      return ok({ url: emu.url, accounts: emu.accounts(), pending: emu.pending(), routes: CONTROL_ROUTES })
    case 'GET /__emulator/accounts':
      return ok(emu.accounts())
    case 'POST /__emulator/accounts':
      return ok(emu.addAccount(b as never))
    case 'POST /__emulator/reject':
      emu.rejectRecipient(address, b as never)
      return ok({ rejected: address })
    case 'POST /__emulator/faults':
      emu.setFaults({
        rate: Number(b.rate ?? 0),
        kinds: (b.kinds ?? []) as FaultKind[],
        paths: typeof b.paths === 'string' ? new RegExp(b.paths) : undefined,
        slowMs: typeof b.slowMs === 'number' ? b.slowMs : undefined,
      })
      return ok({ faults: true })
    case 'DELETE /__emulator/faults':
      emu.clearFaults()
      return ok({ faults: false })
    case 'POST /__emulator/fail-next':
      emu.failNext(b.kind as FaultKind, Number(b.n ?? 1), {
        paths: typeof b.paths === 'string' ? new RegExp(b.paths) : undefined,
      })
      return ok({ queued: Number(b.n ?? 1) })
    case 'POST /__emulator/revoke':
      emu.revoke(address)
      return ok({ revoked: address })
    case 'POST /__emulator/tokens':
      return ok(emu.issueToken(address, { scopes: b.scopes as string[] | undefined, refresh: b.refresh === true }))
    case 'POST /__emulator/expire-tokens':
      emu.expireTokens(address || undefined)
      return ok({ expired: true })
    case 'POST /__emulator/token-lifetime':
      emu.setTokenLifetime(Number(b.seconds))
      return ok({ seconds: Number(b.seconds) })
    case 'POST /__emulator/limits':
      emu.setLimits(address, (b.limits ?? null) as never)
      return ok({ limits: b.limits ?? null })
    case 'POST /__emulator/block':
      emu.blockSending(address, b.blocked !== false)
      return ok({ blocked: b.blocked !== false })
    case 'POST /__emulator/expire-history':
      emu.expireHistory(address)
      return ok({ expired: true })
    case 'POST /__emulator/reset-sync':
      emu.resetSyncState(address)
      return ok({ reset: true })
    case 'POST /__emulator/advance-time':
      emu.advanceTime(Number(b.ms ?? 0))
      return ok({ now: emu.now() })
    case 'POST /__emulator/flush':
      return ok({ delivered: emu.flush() })
    case 'GET /__emulator/log':
      return ok(emu.log())
    case 'DELETE /__emulator/log':
      emu.clearLog()
      return ok({ cleared: true })
    default:
      return { status: 404, body: { error: 'unknown control route', routes: CONTROL_ROUTES } }
  }
}
