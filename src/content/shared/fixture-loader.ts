/**
 * Test support: loads a dated host fixture (e2e/fixtures/) into the current happy-dom document, at the
 * URL it is served at in the browser tests, optionally running its `<script data-fixture-behaviour>`
 * (happy-dom does not run page scripts by itself).
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

export function fixtureSource(name: string): string {
  return readFileSync(join(FIXTURE_DIR, name), 'utf8')
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
  const parsed = new DOMParser().parseFromString(html, 'text/html')
  const scripts = Array.from(parsed.querySelectorAll('script[data-fixture-behaviour]')).map((s) => s.textContent ?? '')
  for (const s of Array.from(parsed.querySelectorAll('script'))) s.remove()
  document.documentElement.lang = parsed.documentElement.lang
  document.head.innerHTML = parsed.head.innerHTML
  document.body.className = parsed.body.className
  document.body.innerHTML = parsed.body.innerHTML
  document.title = parsed.title
  delete win.__fixture
  delete win.__fixtureNativeSends
  if (!options.behaviour) return null
  for (const code of scripts) new Function(code)()
  return (win.__fixture as FixtureApi | undefined) ?? null
}

/** Waits for the fixture's "a tick later" timers and a couple of animation frames. */
export async function settle(frames = 3): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0))
  for (let i = 0; i < frames; i++) await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)))
}
