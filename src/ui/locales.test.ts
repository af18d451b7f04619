import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * Every UI string ships in the six languages of our users, with the same placeholders, and every
 * key the code asks for exists. Dynamic keys (`error_${code}`) are checked through their families.
 */
const ROOT = path.resolve(__dirname, '../..')
const LOCALES = ['en', 'de', 'nl', 'sv', 'pt_BR', 'zh_CN']
type Messages = Record<string, { message: string; description?: string }>

function load(locale: string): Messages {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'public/_locales', locale, 'messages.json'), 'utf8')) as Messages
}

function placeholders(message: string): string[] {
  return [...message.matchAll(/\$(\d|[A-Za-z_]+\$)/g)].map((m) => m[0]).sort()
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(p)
    return /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : []
  })
}

const en = load('en')

describe('locales', () => {
  it.each(LOCALES.filter((l) => l !== 'en'))('%s has every key with the same placeholders', (locale) => {
    const other = load(locale)
    expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort())
    for (const [key, { message }] of Object.entries(en)) {
      expect(placeholders(other[key]!.message), `${locale}:${key}`).toEqual(placeholders(message))
      expect(other[key]!.message.trim(), `${locale}:${key} is empty`).not.toBe('')
    }
  })

  it.each(LOCALES.filter((l) => l !== 'en'))('%s is a translation, not an English copy', (locale) => {
    const other = load(locale)
    // Brand and channel names stay as they are; everything else must differ from English.
    const same = Object.keys(en).filter(
      (k) => other[k]?.message === en[k]!.message && en[k]!.message.split(' ').length > 1,
    )
    expect(same.length / Object.keys(en).length, `untranslated: ${same.join(', ')}`).toBeLessThan(0.05)
  })

  it('has every key the code uses', () => {
    const used = new Set<string>()
    const families = new Set<string>()
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      const src = fs.readFileSync(file, 'utf8')
      for (const m of src.matchAll(/\bt\(\s*'([A-Za-z0-9_]+)'/g)) used.add(m[1]!)
      for (const m of src.matchAll(/\bt\(\s*`([A-Za-z0-9_]+)\$\{/g)) families.add(m[1]!)
      for (const m of src.matchAll(/getMessage\('([A-Za-z0-9_]+)'/g)) used.add(m[1]!)
    }
    const missing = [...used].filter((k) => !en[k])
    expect(missing).toEqual([])
    for (const family of families)
      expect(
        Object.keys(en).some((k) => k.startsWith(family)),
        family,
      ).toBe(true)
  })

  it('translates every error code of the protocol', async () => {
    const { ERROR_CODES } = await import('../core/messages.ts')
    for (const code of ERROR_CODES) expect(en[`error_${code}`], code).toBeDefined()
  })

  it('names the manifest strings', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')) as Record<string, unknown>
    for (const value of [
      manifest.name,
      manifest.description,
      (manifest.action as { default_title: string }).default_title,
    ]) {
      const key = /^__MSG_(\w+)__$/.exec(String(value))?.[1]
      expect(key && en[key], String(value)).toBeTruthy()
    }
  })
})
