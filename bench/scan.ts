/**
 * scan_api_calls: HTTP requests one incremental inbox scan makes on a 10,000-message mailbox that
 * received 100 new messages since the last scan, 5 of them NDRs (a batch request counts once; the
 * line carries the worse of Gmail and Exchange). Drives the scanner itself in Node against the
 * in-process emulator; the NDRs answer real sends, so correlation runs as in the worker.
 * Target ≤ 10: the cost follows the new mail, not the size of the inbox.
 */
import { pathToFileURL } from 'node:url'
import { startEmulator } from '../e2e/emulator/index.ts'
import {
  apiRequests,
  connectMailbox,
  emulatorDeps,
  freshDb,
  lastSeq,
  ordinaryMail,
  sendAndRecord,
} from '../src/background/bounces/emulator-kit.ts'
import { scanMailbox } from '../src/background/bounces/scanner.ts'
import type { Provider } from '../src/core/types.ts'

const INBOX = 10_000
const NEW_ORDINARY = 95
const NEW_NDRS = 5

async function oneProvider(provider: Provider): Promise<{ requests: number; bounces: number; scanned: number }> {
  const emu = await startEmulator({ port: 0, ndrDelayMs: 3_600_000 })
  try {
    await freshDb()
    const address = provider === 'gmail' ? 'bench.rep@acme-sales.example' : 'bench.rep@contoso.example'
    const account = await connectMailbox(emu, provider, address, { connectedAt: Date.now() - 3600_000 })
    emu.seedInbox(address, INBOX)
    const deps = emulatorDeps(emu)
    await scanMailbox(account, deps)

    for (let i = 0; i < NEW_NDRS; i++) {
      const bad = `gone${i}@northwind.example`
      emu.rejectRecipient(bad, { kind: 'hard' })
      await sendAndRecord(emu, account, { to: [bad], subject: `Proposal ${i}` })
    }
    emu.flush()
    for (let i = 0; i < NEW_ORDINARY; i++) emu.deliver(address, ordinaryMail(address, i))

    const since = lastSeq(emu)
    const result = await scanMailbox(account, deps)
    const requests = apiRequests(emu, address, since)
    if (result.bounces !== NEW_NDRS)
      throw new Error(`${provider}: ${result.bounces} bounces recorded, expected ${NEW_NDRS}`)
    return { requests, bounces: result.bounces, scanned: result.scanned }
  } finally {
    await emu.close()
  }
}

export async function benchScan(): Promise<{
  scan_api_calls: number
  scan_api_calls_gmail: number
  scan_api_calls_exchange: number
}> {
  const gmail = await oneProvider('gmail')
  const exchange = await oneProvider('exchange')
  return {
    scan_api_calls: Math.max(gmail.requests, exchange.requests),
    scan_api_calls_gmail: gmail.requests,
    scan_api_calls_exchange: exchange.requests,
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchScan().then(
    (r) => {
      for (const [k, v] of Object.entries(r)) console.log(`${k}=${v}`)
    },
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
}
