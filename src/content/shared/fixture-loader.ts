/**
 * Test support: the dated host fixtures (e2e/fixtures/) as pages, and loading one into the current
 * happy-dom document at the URL it is served at in the browser tests, optionally running its
 * `<script data-fixture-behaviour>` (happy-dom does not run page scripts by itself).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../e2e/fixtures')

export function fixtureNames(prefix: 'gmail' | 'outlook'): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((name) => name.startsWith(`${prefix}-`) && name.endsWith('.html'))
    .sort()
}

const read = (name: string) => readFileSync(join(FIXTURE_DIR, name), 'utf8')

/**
 * The page as the browser tests serve it. The fixtures of one host and date share their style sheet and
 * behaviour script (files beside them); both are put inline, where the page names them, so the page loads
 * in one response and its script runs at the same point of the parse as a page script would.
 */
export function fixtureSource(name: string): string {
  return read(name)
    .replace(
      /<link rel="stylesheet" href="([\w.-]+\.css)" data-fixture-inline>/g,
      (_all, file: string) => `<style>\n${read(file)}</style>`,
    )
    .replace(
      /<script data-fixture-behaviour src="([\w.-]+\.js)"><\/script>/g,
      (_all, file: string) => `<script data-fixture-behaviour>\n${read(file)}</script>`,
    )
}

interface HappyWindow {
  happyDOM?: { setURL(url: string): void }
}

export interface FixtureApi {
  [action: string]: (...args: unknown[]) => unknown
}

/** Replaces the document with the fixture. With `behaviour`, runs its fixture script and returns `window.__fixture`. */
export function loadFixture(name: string, options: { url?: string; behaviour?: boolean } = {}): FixtureApi | null {
  const html = fixtureSource(name)
  const win = window as unknown as HappyWindow & Record<string, unknown>
  if (options.url) win.happyDOM?.setURL(options.url)
  const scripts: string[] = []
  // One parse (happy-dom parses slowly): scripts are cut out and run by hand; the inert templates the
  // scripts instantiate are kept only when the behaviour runs.
  // The opening comment names <script>/<template>: skip it before cutting those out.
  const page = html.slice(Math.max(0, html.search(/<!doctype/i)))
  let markup = page.replace(/<script\b[^>]*>([\s\S]*?)<\/script>/g, (_all, code: string) => {
    scripts.push(code)
    return ''
  })
  if (!options.behaviour) markup = markup.replace(/<template\b[\s\S]*?<\/template>/g, '')
  const lang = /<html[^>]*\blang="([^"]*)"/.exec(markup)?.[1] ?? ''
  const bodyClass = /<body[^>]*\bclass="([^"]*)"/.exec(markup)?.[1] ?? ''
  document.documentElement.innerHTML = markup.slice(markup.indexOf('<head'), markup.lastIndexOf('</html>'))
  document.documentElement.lang = lang
  document.body.className = bodyClass
  delete win.__fixture
  delete win.__fixtureNativeSends
  // The document outlives each load here (unlike a page load), so the previous fixture's listeners go.
  for (const [type, listener] of behaviourListeners.splice(0)) document.removeEventListener(type, listener)
  if (!options.behaviour) return null
  const ownAdd = Object.hasOwn(document, 'addEventListener')
  const add = document.addEventListener
  document.addEventListener = function (this: Document, type: string, listener: EventListener, opts?: unknown) {
    behaviourListeners.push([type, listener])
    return add.call(this, type, listener, opts as AddEventListenerOptions)
  } as Document['addEventListener']
  try {
    for (const code of scripts) new Function(code)()
  } finally {
    if (ownAdd) document.addEventListener = add
    else delete (document as Partial<Document>).addEventListener
  }
  return (win.__fixture as FixtureApi | undefined) ?? null
}

const behaviourListeners: Array<[string, EventListener]> = []

/** Waits for the fixture's "a tick later" timers and a couple of animation frames. */
export async function settle(frames = 4): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0))
  for (let i = 0; i < frames; i++) await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)))
}
