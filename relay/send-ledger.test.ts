import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { RelaySendReply } from './protocol.ts'
import { SendLedger } from './send-ledger.ts'

const DAY = 86_400_000
const sent: RelaySendReply = { ok: true, messageId: '<m1@example.com>', accepted: ['a@example.com'], rejected: [] }
const rejected: RelaySendReply = { ok: false, error: { code: 'smtp_rejected', message: '550', retryable: false } }
const busy: RelaySendReply = { ok: false, error: { code: 'smtp_temporary', message: '451', retryable: true } }

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function ledgerFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'relay-ledger-'))
  dirs.push(dir)
  return path.join(dir, 'data', 'sends.jsonl')
}

describe('SendLedger', () => {
  it('keeps final answers across a reopen, and forgets retryable failures', async () => {
    const file = ledgerFile()
    const ledger = await SendLedger.open(file, { retentionMs: DAY })
    await ledger.begin('c:1')
    await ledger.finish('c:1', sent)
    await ledger.begin('c:2')
    await ledger.finish('c:2', rejected)
    await ledger.begin('c:3')
    await ledger.finish('c:3', busy)
    expect(ledger.lookup('c:3')).toBeUndefined()
    await ledger.close()

    const reopened = await SendLedger.open(file, { retentionMs: DAY })
    expect(reopened.lookup('c:1')).toEqual(sent)
    expect(reopened.lookup('c:2')).toEqual(rejected)
    expect(reopened.lookup('c:3')).toBeUndefined()
    expect(reopened.size).toBe(2)
    await reopened.close()
  })

  it('answers an id left mid-send by a crash with delivery_unknown, never a second send', async () => {
    const file = ledgerFile()
    const ledger = await SendLedger.open(file, { retentionMs: DAY })
    await ledger.begin('c:crash')
    await ledger.close() // no finish: the process died while the SMTP server had the message

    const reopened = await SendLedger.open(file, { retentionMs: DAY })
    expect(reopened.lookup('c:crash')).toMatchObject({
      ok: false,
      error: { code: 'delivery_unknown', retryable: false },
    })
    await reopened.close()
  })

  it('compacts the file on open, drops old records, and survives a torn last line', async () => {
    const file = ledgerFile()
    const ledger = await SendLedger.open(file, { retentionMs: DAY })
    for (let i = 0; i < 5; i++) {
      await ledger.begin(`c:${i}`)
      await ledger.finish(`c:${i}`, sent)
    }
    await ledger.close()
    const old = Date.now() - 2 * DAY
    appendFileSync(file, `${JSON.stringify({ k: 'c:old', s: 'done', t: old, r: sent })}\n{"k":"c:torn","s":"do`)
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(12)

    const reopened = await SendLedger.open(file, { retentionMs: DAY })
    expect(reopened.size).toBe(5)
    expect(reopened.lookup('c:old')).toBeUndefined()
    await reopened.close()
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(5)
  })

  it('writes concurrent records together and resolves each once it is on disk', async () => {
    const file = ledgerFile()
    const ledger = await SendLedger.open(file, { retentionMs: DAY })
    await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.begin(`c:${i}`)))
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean)
    expect(lines).toHaveLength(50)
    expect(new Set(lines.map((l) => (JSON.parse(l) as { k: string }).k)).size).toBe(50)
    await ledger.close()
  })
})
