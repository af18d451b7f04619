// The bounce CLI per DESIGN.md contract 4, run as a child process on temporary files.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as F from '../src/core/bounce/fixtures.ts'

const ROOT = join(import.meta.dirname, '..')
let dir = ''

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bounce.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bounce-cli-'))
  writeFileSync(join(dir, 'postfix.eml'), F.postfixUserUnknown)
  writeFileSync(join(dir, 'exim.eml'), F.eximTwoRecipients.replace(/\n/g, '\r\n'))
  writeFileSync(join(dir, 'ooo.eml'), F.autoReply(F.AUTO_REPLIES[0]!))
  writeFileSync(join(dir, 'junk.bin'), new Uint8Array([0, 1, 2, 3, 255]))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('bounce CLI', () => {
  it('prints one JSON object per file, in input order, and nothing else', () => {
    const files = ['postfix.eml', 'ooo.eml', 'missing.eml', 'exim.eml', 'junk.bin'].map((f) => join(dir, f))
    const r = cli(['--json', ...files])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(files.length)
    const objs = lines.map((l) => JSON.parse(l))
    expect(objs.map((o) => o.file)).toEqual(files)

    expect(objs[0]).toMatchObject({
      bounce: true,
      kind: 'hard',
      reason: 'userunknown',
      status: '5.1.1',
      recipients: ['nobody.here@example.org'],
      category: 'bounce',
      dispatchId: F.DISPATCH_ID,
    })
    expect(objs[1]).toMatchObject({ bounce: false, kind: null, status: null, recipients: [], category: 'autoreply' })
    expect(objs[2]).toMatchObject({ bounce: false, recipients: [] })
    expect(objs[2].error).toMatch(/cannot read/)
    expect(objs[3]).toMatchObject({ bounce: true, recipients: ['gone@example.org', 'stuffed@example.com'] })
    expect(objs[4]).toMatchObject({ bounce: false, recipients: [] })
    expect(typeof objs[4].error).toBe('string')
    for (const o of objs)
      expect(Object.keys(o).slice(0, 6)).toEqual(['file', 'bounce', 'kind', 'reason', 'status', 'recipients'])
  })

  it('rejects wrong arguments with usage on stderr and exit code 2', () => {
    for (const args of [[], ['--json'], ['--bogus', join(dir, 'postfix.eml')], [join(dir, 'postfix.eml')]]) {
      const r = cli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/usage:/)
    }
  })

  it('works through the npm script named in the contract', () => {
    const r = spawnSync('npm', ['run', '--silent', 'bounce', '--', '--json', join(dir, 'postfix.eml')], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ file: join(dir, 'postfix.eml'), bounce: true })
  })
})
