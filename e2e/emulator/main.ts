/**
 * Runs the emulator on its own:
 *   npx tsx e2e/emulator/main.ts --port 47812 [--google rep@example.com] [--microsoft rep@contoso.com]
 *     [--inbox 1000] [--ndr-delay 2000] [--limits]
 * Without accounts it adds one of each provider. Stops on Ctrl-C.
 */
import { parseArgs } from 'node:util'
import { startEmulator } from './index.ts'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '47812' },
    google: { type: 'string', multiple: true },
    microsoft: { type: 'string', multiple: true },
    inbox: { type: 'string' },
    'ndr-delay': { type: 'string' },
    limits: { type: 'boolean', default: false },
  },
})

const emu = await startEmulator({
  port: Number(values.port),
  ndrDelayMs: values['ndr-delay'] ? Number(values['ndr-delay']) : undefined,
  enforceLimits: values.limits,
})
const google = values.google ?? (values.microsoft ? [] : ['rep@dispatch-demo.example'])
const microsoft = values.microsoft ?? (values.google ? [] : ['rep@contoso.example'])
for (const address of google) emu.addAccount({ provider: 'google', address })
for (const address of microsoft) emu.addAccount({ provider: 'microsoft', address })
if (values.inbox) for (const a of emu.accounts()) emu.seedInbox(a.address, Number(values.inbox))
console.log(`emulator listening on ${emu.url}`)
for (const a of emu.accounts()) console.log(`  ${a.provider.padEnd(9)} ${a.address}`)
console.log(`control: ${emu.url}/__emulator`)
const stop = () => {
  emu.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
