/**
 * `npm run package`: zips the production build (dist/) into a store-ready archive. The manifest's
 * `key` is removed: the Chrome Web Store assigns the item's own key and refuses uploads carrying one.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { zipSync } from 'fflate'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DIST = path.join(ROOT, 'dist')

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? files(p) : [p]
  })
}

const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'manifest.json'), 'utf8'))
delete manifest.key
const entries: Record<string, Uint8Array> = {}
for (const file of files(DIST)) {
  if (file.endsWith('.map')) continue
  const name = path.relative(DIST, file).split(path.sep).join('/')
  entries[name] = name === 'manifest.json' ? Buffer.from(JSON.stringify(manifest, null, 2)) : fs.readFileSync(file)
}
const out = path.join(ROOT, `dispatch-${manifest.version}.zip`)
fs.writeFileSync(out, zipSync(entries, { level: 9 }))
console.log(
  `package: ${path.relative(ROOT, out)} (${Object.keys(entries).length} files, ${(fs.statSync(out).size / 1024).toFixed(1)} kB)`,
)
