import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const children: ChildProcess[] = []
const dirs: string[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const lines: Record<string, unknown>[] = []
  const waiters: [(line: Record<string, unknown>) => boolean, (line: Record<string, unknown>) => void][] = []
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>
    lines.push(line)
    for (const [match, resolve] of waiters) if (match(line)) resolve(line)
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    waitFor: (match: (line: Record<string, unknown>) => boolean) =>
      new Promise<Record<string, unknown>>((resolve) => waiters.push([match, resolve])),
  }
}

describe('npm run relay', () => {
  it('starts from a config file with the environment on top, serves, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'relay-cli-'))
    dirs.push(dir)
    const file = path.join(dir, 'relay.config.json')
    writeFileSync(
      file,
      JSON.stringify({
        listen: { port: 0 },
        tokens: ['cli-token-0123456789abcdef'],
        smtp: { host: '127.0.0.1', port: 465 },
        rateCap: '10/s',
      }),
    )
    const cli = startCli(['--config', file], { RELAY_DATA_DIR: path.join(dir, 'data') })
    const listening = await cli.waitFor((l) => l.event === 'listening')
    expect(listening).toMatchObject({ smtp_port: 465, smtp_tls: 'implicit', rate_cap: '10/1s' })

    const health = await fetch(`${listening.url as string}/v1/health`)
    expect(await health.json()).toMatchObject({ ok: true, rateCap: { messages: 10, perSeconds: 1 } })
    await cli.waitFor((l) => l.route === '/v1/health')

    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
    expect(cli.lines.some((l) => l.event === 'stopping')).toBe(true)
  })

  it('exits 2 with the reasons when the config is incomplete', async () => {
    const cli = startCli([], { SMTP_HOST: 'smtp.example.com' })
    expect(await cli.exited).toBe(2)
    expect(cli.stderr()).toMatch(/invalid relay config[\s\S]*tokens/)
    expect(cli.stderr()).not.toMatch(/\n\s+at /) // a message for an admin, not a stack trace
  })
})
