import { describe, expect, it, vi } from 'vitest'
import { DispatchError } from '../core/errors.ts'
import type { RawSender } from '../core/sender.ts'
import { createRouter } from './router.ts'

const EXT = 'mpofdbdajeihinidnnchhhbjmgnmogik'
const page: RawSender = { id: EXT, url: `chrome-extension://${EXT}/src/options/index.html` }
const gmailTab: RawSender = {
  id: EXT,
  url: 'https://mail.google.com/mail/u/0/#inbox',
  origin: 'https://mail.google.com',
  frameId: 0,
  tab: { id: 7, url: 'https://mail.google.com/mail/u/0/#inbox' },
}

function router() {
  const ping = vi.fn(async (p: { echo: string }, _sender?: unknown) => ({
    echo: p.echo,
    workerStartedAt: 1,
    dbVersion: 2,
    pings: 1,
  }))
  const cancel = vi.fn(async (p: { id: string }) => ({ id: p.id, state: 'cancelled' as const }))
  const send = vi.fn(async () => {
    throw new DispatchError('not_connected', 'No mailbox')
  })
  const boom = vi.fn(async () => {
    throw new Error('disk on fire')
  })
  const route = createRouter(
    { 'diag.ping': ping, 'outbox.cancel': cancel, 'compose.send': send, 'templates.list': boom },
    EXT,
  )
  return { route, ping, cancel }
}

describe('router: sender checks', () => {
  it('accepts extension pages and host content scripts', async () => {
    const { route, ping } = router()
    expect(await route({ type: 'diag.ping', echo: 'a' }, page)).toMatchObject({ ok: true, data: { echo: 'a' } })
    expect(await route({ type: 'diag.ping', echo: 'b' }, gmailTab)).toMatchObject({ ok: true, data: { echo: 'b' } })
    expect(ping).toHaveBeenCalledTimes(2)
    expect(ping.mock.calls[1]![1]).toMatchObject({ kind: 'content', host: 'gmail', tabId: 7 })
  })

  it.each<[string, RawSender]>([
    ['another extension', { ...gmailTab, id: 'abcdefghijklmnopabcdefghijklmnop' }],
    ['no id at all', { url: gmailTab.url, tab: gmailTab.tab }],
    [
      'a page that is not a host',
      {
        ...gmailTab,
        url: 'https://evil.example/',
        origin: 'https://evil.example',
        tab: { id: 3, url: 'https://evil.example/' },
      },
    ],
    [
      'a look-alike host',
      {
        ...gmailTab,
        url: 'https://mail.google.com.evil.example/',
        origin: 'https://mail.google.com.evil.example',
        tab: { id: 3, url: 'https://mail.google.com.evil.example/' },
      },
    ],
    [
      'plain http host',
      {
        ...gmailTab,
        url: 'http://mail.google.com/',
        origin: 'http://mail.google.com',
        tab: { id: 3, url: 'http://mail.google.com/' },
      },
    ],
    ['a sub-frame of a host', { ...gmailTab, frameId: 4 }],
    ['a host frame inside a foreign tab', { ...gmailTab, tab: { id: 3, url: 'https://evil.example/' } }],
    ['a content sender without a tab', { id: EXT, url: gmailTab.url, origin: 'https://mail.google.com' }],
  ])('refuses %s', async (_name, sender) => {
    const { route, ping } = router()
    const reply = await route({ type: 'diag.ping', echo: 'x' }, sender)
    expect(reply).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } })
    expect(ping).not.toHaveBeenCalled()
  })

  it('keeps page-only requests away from host pages', async () => {
    const { route, cancel } = router()
    const reply = await route({ type: 'outbox.cancel', id: 'o1' }, gmailTab)
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(cancel).not.toHaveBeenCalled()
    expect(await route({ type: 'outbox.cancel', id: 'o1' }, page)).toMatchObject({ ok: true })
  })
})

describe('router: payload validation', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'invalid_message'],
    ['an array', [1, 2], 'invalid_message'],
    ['a string', 'diag.ping', 'invalid_message'],
    ['no type', { echo: 'x' }, 'unknown_type'],
    ['an unknown type', { type: 'tokens.dump' }, 'unknown_type'],
    ['a prototype key as type', { type: 'constructor' }, 'unknown_type'],
    ['a wrong field type', { type: 'diag.ping', echo: 42 }, 'invalid_message'],
    ['an oversized field', { type: 'diag.ping', echo: 'x'.repeat(5000) }, 'invalid_message'],
    ['a missing field', { type: 'outbox.cancel' }, 'invalid_message'],
  ])('refuses %s', async (_name, raw, code) => {
    const { route, ping, cancel } = router()
    const reply = await route(raw, page)
    expect(reply).toMatchObject({ ok: false, error: { code } })
    expect(ping).not.toHaveBeenCalled()
    expect(cancel).not.toHaveBeenCalled()
  })

  it('strips fields the schema does not know before the handler sees them', async () => {
    const { route, ping } = router()
    await route({ type: 'diag.ping', echo: 'x', channel: 'smtp', __proto__: { admin: true } }, page)
    expect(ping.mock.calls[0]![0]).toEqual({ echo: 'x' })
  })

  it('turns handler errors into typed replies', async () => {
    const { route } = router()
    const send = await route(
      {
        type: 'compose.send',
        requestId: '6f1c4c8e-5d43-4d0e-9a53-0d8a1f0b7e21',
        composeId: 'c1',
        accountHint: { address: null, accountIndex: null },
        message: { to: ['a@b.c'], cc: [], bcc: [], subject: 's', html: '', text: '' },
      },
      gmailTab,
    )
    expect(send).toEqual({ ok: false, error: { code: 'not_connected', message: 'No mailbox' } })
    const boom = await route({ type: 'templates.list' }, page)
    expect(boom).toEqual({ ok: false, error: { code: 'internal', message: 'disk on fire' } })
  })

  it('answers unknown_type when no handler is registered', async () => {
    const { route } = router()
    expect(await route({ type: 'feed.markAllRead' }, page)).toMatchObject({
      ok: false,
      error: { code: 'unknown_type' },
    })
  })
})
