import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RepCredentials } from './rep-credentials.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'relay-creds-'))
  dirs.push(dir)
  return dir
}

describe('RepCredentials', () => {
  it('seals logins at rest, readable again after a reopen with the same key', async () => {
    const dir = tempDir()
    const store = await RepCredentials.open(dir)
    await store.set('caller-a', { username: 'rep@example.com', password: 'hunter2-long' })
    const onDisk = readFileSync(path.join(dir, 'rep-credentials.json'), 'utf8')
    expect(onDisk).not.toContain('hunter2')
    expect(onDisk).not.toContain('rep@example.com')
    expect(statSync(path.join(dir, 'credential.key')).mode & 0o077).toBe(0)
    expect(statSync(path.join(dir, 'rep-credentials.json')).mode & 0o077).toBe(0)

    const reopened = await RepCredentials.open(dir)
    expect(reopened.get('caller-a')).toEqual({ username: 'rep@example.com', password: 'hunter2-long' })
    expect(reopened.get('caller-b')).toBeUndefined()
    expect(await reopened.delete('caller-a')).toBe(true)
    expect((await RepCredentials.open(dir)).has('caller-a')).toBe(false)
  })

  it('will not open a login under another caller, or with another key', async () => {
    const dir = tempDir()
    const store = await RepCredentials.open(dir, Buffer.alloc(32, 1))
    await store.set('caller-a', { username: 'rep@example.com', password: 'pw' })
    const file = path.join(dir, 'rep-credentials.json')
    const sealed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    writeFileSync(file, JSON.stringify({ ...sealed, 'caller-b': sealed['caller-a'] }))

    const reopened = await RepCredentials.open(dir, Buffer.alloc(32, 1))
    expect(() => reopened.get('caller-b')).toThrow()
    const wrongKey = await RepCredentials.open(dir, Buffer.alloc(32, 2))
    expect(() => wrongKey.get('caller-a')).toThrow()
  })
})
