// `npm run relay -- --config relay.config.json` — or with RELAY_* / SMTP_* / DKIM_* environment
// variables (laid over the file when both are given). See relay/README.md.
import { parseArgs } from 'node:util'
import { loadConfig } from './config.ts'
import { createRelay } from './server.ts'

const USAGE = `Dispatch SMTP relay

  npm run relay -- [--config FILE]

Settings come from the JSON config FILE (example: relay/relay.config.example.json) and/or the
environment: RELAY_HOST, RELAY_PORT, RELAY_TOKENS, SMTP_HOST, SMTP_PORT, SMTP_SECURE,
SMTP_REQUIRE_TLS, SMTP_USER, SMTP_PASS, SMTP_CA_PATH, SMTP_MAX_CONNECTIONS, SMTP_TIMEOUT_MS,
RELAY_DOMAIN, DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_PATH, RELAY_RATE_CAP, RELAY_MAX_REQUEST_BYTES,
RELAY_MAX_RECIPIENTS, RELAY_DATA_DIR, RELAY_IDEMPOTENCY_DAYS, RELAY_ALLOW_REP_CREDENTIALS,
RELAY_CREDENTIAL_KEY, RELAY_ALLOWED_ORIGINS. Environment variables win over the file.
`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  })
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  const config = loadConfig({ file: values.config ?? process.env.RELAY_CONFIG, env: process.env })
  const relay = await createRelay(config)
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    config.log({ time: new Date().toISOString(), level: 'info', event: 'stopping', signal })
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`relay: ${String(error)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error: unknown) => {
  process.stderr.write(`relay: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
  process.exit(2)
})
