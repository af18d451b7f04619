// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import fs from 'node:fs'
import path from 'node:path'
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DispatchDb, setDbForTesting } from '../core/db.ts'
import { EmailSettings, originPattern } from './EmailSettings.tsx'

/**
 * The Email settings page with a fake `chrome`: what a policy locks, which origins are asked for
 * and when, and what reaches the worker. The worker's side is covered by the channel and e2e tests.
 */

const en = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../public/_locales/en/messages.json'), 'utf8'),
) as Record<string, { message: string }>

type Sent = Record<string, unknown> & { type: string }

interface FakeChrome {
  policy: Record<string, unknown>
  sent: Sent[]
  permissionRequests: string[][]
  grant: boolean
  replies: Partial<Record<string, unknown>>
}

let fake: FakeChrome
let root: Root | null = null
let container: HTMLElement
let n = 0

function install(f: FakeChrome) {
  ;(globalThis as unknown as { chrome: unknown }).chrome = {
    i18n: {
      getMessage: (key: string, subs?: string | string[]) => {
        const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs]
        return (en[key]?.message ?? '').replace(/\$(\d)/g, (_, i: string) => list[Number(i) - 1] ?? '')
      },
      getUILanguage: () => 'en',
    },
    storage: {
      managed: { get: async () => f.policy },
      onChanged: { addListener: () => undefined, removeListener: () => undefined },
    },
    permissions: {
      request: async ({ origins }: { origins: string[] }) => {
        f.permissionRequests.push(origins)
        return f.grant
      },
    },
    runtime: {
      sendMessage: async (m: Sent) => {
        f.sent.push(m)
        return f.replies[m.type] ?? { ok: true, data: null }
      },
    },
  }
}

// React's act() warns unless the environment says it is a test one.
;(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true

beforeEach(async () => {
  fake = { policy: {}, sent: [], permissionRequests: [], grant: true, replies: {} }
  install(fake)
  const db = new DispatchDb(`email-settings-${n++}`)
  setDbForTesting(db)
  await db.open()
  container = document.createElement('div')
  document.body.append(container)
})

afterEach(async () => {
  await act(async () => root?.unmount())
  root = null
  container.remove()
  setDbForTesting(undefined)
})

async function render() {
  await act(async () => {
    root = createRoot(container)
    root.render(<EmailSettings />)
  })
  await settle()
}

async function settle() {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 10)))
}

const q = <T extends Element = HTMLElement>(sel: string) => container.querySelector<T>(sel)

async function type(sel: string, value: string) {
  const input = q<HTMLInputElement>(sel)!
  await act(async () => {
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!
    setter.call(input, value)
    input.dispatchEvent(new Event('input', { bubbles: true }))
  })
}

async function click(sel: string) {
  await act(async () => q(sel)!.click())
  await settle()
}

describe('Email settings page', () => {
  it('shows what a policy sets read-only, and never sends a locked key', async () => {
    fake.policy = { relayUrl: 'https://relay.policy.example:8443/', teamChannel: 'smtp' }
    await render()
    expect(q('[data-dispatch=team-channel-note]')?.textContent).toContain('Custom SMTP')
    expect(q<HTMLSelectElement>('[data-dispatch=admin-team-channel]')!.disabled).toBe(true)

    await click('[data-channel=smtp] input')
    const url = q<HTMLInputElement>('[data-dispatch=relay-url]')!
    expect(url.value).toBe('https://relay.policy.example:8443/')
    expect(url.readOnly).toBe(true)
    expect(q('[data-dispatch=smtp-settings] [data-dispatch=locked-note]')?.textContent).toBe(
      en.email_policyLocked!.message,
    )

    await type('[data-dispatch=relay-token]', 'tok-0123456789abcdef')
    await type('[data-dispatch=relay-from]', 'rep@acme.example')
    await click('[data-dispatch=relay-authenticate]')
    expect(fake.permissionRequests).toEqual([['https://relay.policy.example/*']])
    const verify = fake.sent.find((m) => m.type === 'relay.verify')
    expect(verify).toEqual({ type: 'relay.verify', relayToken: 'tok-0123456789abcdef', from: 'rep@acme.example' })
  })

  it('asks for the relay origin first and shows "Authentication unsuccessful" from the worker', async () => {
    fake.replies['relay.verify'] = {
      ok: false,
      error: { code: 'relay_auth_failed', message: 'Authentication unsuccessful (535 …)' },
    }
    await render()
    expect(q('[data-channel=legacy]')).toBeNull()
    expect(q<HTMLInputElement>('[data-channel=marketo] input')!.disabled).toBe(true)
    await click('[data-channel=smtp] input')
    await type('[data-dispatch=relay-url]', 'https://relay.acme.example')
    await type('[data-dispatch=relay-token]', 'tok-0123456789abcdef')
    await type('[data-dispatch=relay-from]', 'rep@acme.example')
    await type('[data-dispatch=smtp-username]', 'rep@acme.example')
    await type('[data-dispatch=smtp-password]', 'typo')
    await click('[data-dispatch=relay-authenticate]')
    expect(fake.permissionRequests).toEqual([['https://relay.acme.example/*']])
    expect(fake.sent.find((m) => m.type === 'relay.verify')).toMatchObject({
      relayUrl: 'https://relay.acme.example',
      smtp: { username: 'rep@acme.example', password: 'typo' },
    })
    expect(q('[data-dispatch=smtp-error]')?.textContent).toBe('Authentication unsuccessful.')
  })

  it('sends nothing to the relay when the origin is not granted', async () => {
    fake.grant = false
    await render()
    await click('[data-channel=smtp] input')
    await type('[data-dispatch=relay-url]', 'https://relay.acme.example/base')
    await type('[data-dispatch=relay-token]', 'tok-0123456789abcdef')
    await type('[data-dispatch=relay-from]', 'rep@acme.example')
    await click('[data-dispatch=relay-authenticate]')
    expect(fake.sent.filter((m) => m.type === 'relay.verify')).toEqual([])
    expect(q('[data-dispatch=smtp-error]')?.textContent).toContain('https://relay.acme.example/*')
  })

  it('saves admin fallbacks: clearing the team channel sends null, a resolver is granted first', async () => {
    const db = new DispatchDb(`email-settings-${n++}`)
    setDbForTesting(db)
    await db.settings.bulkPut([
      { key: 'teamChannel', value: 'exchange' },
      { key: 'legacyAccount', value: true },
    ])
    await render()
    expect(q('[data-channel=legacy] [data-dispatch=legacy-warning]')?.textContent).toContain('deliverability is lower')
    const select = q<HTMLSelectElement>('[data-dispatch=admin-team-channel]')!
    expect(select.value).toBe('exchange')
    await act(async () => {
      select.value = ''
      select.dispatchEvent(new Event('change', { bubbles: true }))
    })
    await type('[data-dispatch=admin-doh]', 'https://doh.acme.example/dns-query')
    await click('[data-dispatch=admin-save]')
    expect(fake.permissionRequests).toEqual([['https://doh.acme.example/*']])
    expect(fake.sent.find((m) => m.type === 'settings.set')).toEqual({
      type: 'settings.set',
      patch: { teamChannel: null, dohResolver: 'https://doh.acme.example/dns-query' },
    })
  })

  it('turns configured URLs into exactly their origin', () => {
    expect(originPattern('https://relay.acme.example:8443/v1')).toBe('https://relay.acme.example/*')
    expect(originPattern('http://127.0.0.1:47000/resolve')).toBe('http://127.0.0.1/*')
    expect(originPattern('ftp://x.example')).toBeNull()
    expect(originPattern('not a url')).toBeNull()
  })
})
