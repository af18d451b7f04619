import fs from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'

/**
 * `content_eager_kb_gz`: what every Gmail/Outlook page load pays before any compose opens — the
 * content script loader, its entry module and every module those import statically (dynamic
 * `import()` chunks, the lazily loaded sidebar, are excluded). Measured on the production build.
 */
export function eagerContentKbGz(dist: string): Record<string, number> {
  const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'manifest.json'), 'utf8')) as {
    content_scripts: { js: string[]; matches: string[] }[]
  }
  const out: Record<string, number> = {}
  for (const script of manifest.content_scripts) {
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const code = fs.readFileSync(path.join(dist, file), 'utf8')
      // The loader imports the entry through chrome.runtime.getURL("…"); modules import each other statically.
      for (const m of code.matchAll(/getURL\("([^"]+)"\)/g)) visit(m[1]!)
      for (const m of code.matchAll(/(?:^|[;\s}])import\s*(?:[\w*{},\s$]+from\s*)?["']\.\/([^"']+)["']/g)) {
        visit(path.posix.join(path.posix.dirname(file), m[1]!))
      }
    }
    for (const js of script.js) visit(js)
    const bytes = [...seen].reduce((n, f) => n + gzipSync(fs.readFileSync(path.join(dist, f)), { level: 9 }).length, 0)
    const host = script.matches[0]!.includes('google') ? 'gmail' : 'outlook'
    out[host] = Math.round((bytes / 1024) * 10) / 10
  }
  return out
}
