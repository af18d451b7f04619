// @vitest-environment happy-dom
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ComposeHandle } from '../shared/compose.ts'
import { FIXTURE_DIR, fixtureNames, loadFixture, settle } from '../shared/fixture-loader.ts'
import { GMAIL_SELECTORS, gmailRegistry, legacyIdFromPermId } from './selectors.ts'

const INBOX_URL = 'https://mail.google.com/mail/u/0/#inbox'

function composes(): ComposeHandle[] {
  return gmailRegistry.findComposes(document)
}

function only(): ComposeHandle {
  const found = composes()
  expect(found).toHaveLength(1)
  return found[0] as ComposeHandle
}

function body(h: ComposeHandle): HTMLElement {
  return h.root.querySelector('[g_editable="true"]') as HTMLElement
}

afterEach(() => {
  document.getSelection()?.removeAllRanges()
})

describe('Gmail selectors against the dated fixtures', () => {
  const byFixture = new Map<string, string[]>()
  for (const [name, entry] of Object.entries(GMAIL_SELECTORS)) {
    for (const fixture of entry.fixtures) byFixture.set(fixture, [...(byFixture.get(fixture) ?? []), name])
  }

  for (const [fixture, names] of byFixture) {
    it(`every selector naming ${fixture} matches there`, () => {
      expect(existsSync(join(FIXTURE_DIR, fixture)), fixture).toBe(true)
      loadFixture(fixture, { url: INBOX_URL })
      const missing = names.filter(
        (name) => document.querySelector(GMAIL_SELECTORS[name as keyof typeof GMAIL_SELECTORS].css) === null,
      )
      expect(missing).toEqual([])
    })
  }

  it('dates every selector kept for an older Gmail', () => {
    for (const entry of Object.values(GMAIL_SELECTORS)) {
      if ('removeAfter' in entry) expect(entry.removeAfter).toMatch(/^\d{4}-\d{2}: \S/)
    }
  })

  it('has fixtures dated in their names, each opening with a comment naming the evidence', async () => {
    const { fixtureSource } = await import('../shared/fixture-loader.ts')
    const names = fixtureNames('gmail')
    expect(names.length).toBeGreaterThanOrEqual(8)
    for (const name of names) {
      expect(name).toMatch(/^gmail-\d{4}-\d{2}-[a-z0-9-]+\.html$/)
      const src = fixtureSource(name)
      expect(src.startsWith('<!--'), name).toBe(true)
      expect(src.slice(0, src.indexOf('-->'))).toMatch(/Public evidence followed/)
    }
  })
})

describe('Gmail compose detection', () => {
  const expected: Record<string, { kinds: string[]; minimized?: boolean[] }> = {
    'gmail-2026-11-inbox.html': { kinds: [] },
    'gmail-2026-11-thread.html': { kinds: [] },
    'gmail-2026-11-compose-popup.html': { kinds: ['popup'] },
    'gmail-2026-11-compose-two-popups.html': { kinds: ['popup', 'popup'] },
    'gmail-2026-11-compose-minimized.html': { kinds: ['popup'], minimized: [true] },
    'gmail-2026-11-compose-fullscreen.html': { kinds: ['fullscreen'] },
    'gmail-2026-11-de-thread-inline-reply.html': { kinds: ['inline'] },
    'gmail-2026-11-multi-account.html': { kinds: ['popup'] },
  }

  it('covers every Gmail fixture', () => {
    expect(Object.keys(expected).sort()).toEqual(fixtureNames('gmail'))
  })

  for (const [fixture, want] of Object.entries(expected)) {
    it(`finds ${want.kinds.length} compose(s) in ${fixture}`, () => {
      loadFixture(fixture, { url: INBOX_URL })
      const found = composes()
      expect(found.map((h) => h.kind)).toEqual(want.kinds)
      expect(new Set(found.map((h) => h.id)).size).toBe(found.length)
      if (want.minimized) expect(found.map((h) => h.isMinimized())).toEqual(want.minimized)
      // The incremental path sees the same composes as the full scan.
      expect(gmailRegistry.composesIn(document.body)).toEqual(found)
      for (const h of found) expect(h.isOpen()).toBe(true)
    })
  }

  it('does not take the look-alike parts for composes', () => {
    const traps: Array<[string, string]> = [
      ['gmail-2026-11-inbox.html', 'form[role="search"]'],
      ['gmail-2026-11-inbox.html', 'div.Kj-JD'],
      ['gmail-2026-11-inbox.html', 'div.wa'],
      ['gmail-2026-11-inbox.html', '.aUx [contenteditable="true"]'],
      ['gmail-2026-11-compose-popup.html', '.no [role="dialog"][aria-label^="Chat"]'],
      ['gmail-2026-11-compose-popup.html', '.no [role="dialog"] [contenteditable="true"]:not([g_editable])'],
    ]
    for (const [fixture, css] of traps) {
      loadFixture(fixture, { url: INBOX_URL })
      const trap = document.querySelector(css)
      expect(trap, css).not.toBeNull()
      expect(gmailRegistry.composesIn(trap as Element), css).toEqual([])
      for (const h of composes()) expect(h.root.contains(trap) || (trap as Element).contains(h.root), css).toBe(false)
    }
  })

  it('counts only the compose in a mole row that also holds a chat mole', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: INBOX_URL })
    expect(document.querySelectorAll('.no [role="dialog"]')).toHaveLength(2)
    expect(composes()).toHaveLength(1)
  })

  it('does not rely on UI text: detection is unchanged with every label, placeholder and text removed', () => {
    for (const fixture of ['gmail-2026-11-compose-two-popups.html', 'gmail-2026-11-de-thread-inline-reply.html']) {
      loadFixture(fixture, { url: INBOX_URL })
      const before = composes().map((h) => h.kind)
      for (const el of Array.from(document.body.querySelectorAll('*'))) {
        for (const attr of ['aria-label', 'placeholder', 'data-tooltip', 'title', 'alt']) el.removeAttribute(attr)
      }
      const walker = document.createTreeWalker(document.body, 4)
      const texts: Text[] = []
      while (walker.nextNode()) texts.push(walker.currentNode as Text)
      for (const t of texts) t.data = ''
      loadFixture(fixture, { url: INBOX_URL })
      expect(composes().map((h) => h.kind)).toEqual(before)
    }
  })

  it('still finds composes and their recipients when Gmail renames its classes', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: INBOX_URL })
    for (const el of Array.from(document.body.querySelectorAll('[class]'))) el.removeAttribute('class')
    const h = only()
    expect(h.kind).toBe('popup')
    expect(h.read().to).toContain('Maya Chen <maya.chen@northwind.example>')
    expect(h.nativeSendButton()).not.toBeNull()
  })
})

describe('Gmail compose fields', () => {
  it('reads chips, typed text, subject and body of a popup compose', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: INBOX_URL })
    const fields = only().read()
    expect(fields.to).toEqual([
      'Maya Chen <maya.chen@northwind.example>',
      'li.wei@northwind.example',
      'ops@northwind.example',
    ])
    expect(fields.cc).toEqual(['Jonas Weber <jonas.weber@northwind.example>'])
    expect(fields.bcc).toEqual([])
    expect(fields.subject).toBe('Q3 pricing — 40 seats')
    expect(fields.html).toContain('<div>Here is the pricing you asked for.</div>')
    expect(fields.text).toBe(
      'Hi Maya,\n\nHere is the pricing you asked for.\n\n-- \nAna Silva\nAccount Executive, Acme Sales',
    )
  })

  it('quotes display names that need it', () => {
    loadFixture('gmail-2026-11-compose-two-popups.html', { url: INBOX_URL })
    const [blank, followUp] = composes()
    expect(blank?.read()).toMatchObject({ to: [], cc: [], bcc: [], subject: '', text: '' })
    expect(followUp?.read().to).toEqual(['"Rivera, Sam" <sam.rivera@contoso.example>'])
  })

  it('reads the legacy recipient field of the older compose variant', () => {
    loadFixture('gmail-2026-11-compose-minimized.html', { url: INBOX_URL })
    expect(only().read().to).toEqual(['Maya Chen <maya.chen@northwind.example>', 'li.wei@northwind.example'])
  })

  it('reads an inline reply in a German thread and names its thread and message', () => {
    loadFixture('gmail-2026-11-de-thread-inline-reply.html', { url: INBOX_URL })
    const h = only()
    expect(h.read()).toMatchObject({
      to: ['Maya Chen <maya.chen@northwind.example>'],
      cc: ['Jonas Weber <jonas.weber@northwind.example>'],
      subject: 'AW: Q3-Preise für Northwind',
    })
    expect(h.threadHint()).toEqual({ providerThreadId: '19a9d1b2c3e4f501', providerMessageId: '19a9e3f7c1b04a22' })
    expect(h.isMinimized()).toBe(false)
  })

  it('takes a popped-out reply’s thread from its form and the mailbox from the account button at /mail/u/1/', () => {
    loadFixture('gmail-2026-11-multi-account.html', { url: 'https://mail.google.com/mail/u/1/#inbox' })
    expect(only().threadHint()).toEqual({ providerThreadId: '19a9e2aa0c7d9b10' })
    expect(gmailRegistry.mailboxHint(document, new URL(location.href))).toEqual({
      address: 'bruno.costa@acme-sales.example',
      accountIndex: 1,
    })
  })

  it('finds the mailbox in German UI, and from the tab title when the account button is missing', () => {
    loadFixture('gmail-2026-11-de-thread-inline-reply.html', { url: 'https://mail.google.com/mail/#inbox' })
    expect(gmailRegistry.mailboxHint(document, new URL(location.href))).toEqual({
      address: 'ana.silva@acme-sales.example',
      accountIndex: 0,
    })
    document.querySelector(GMAIL_SELECTORS.accountButton.css)?.remove()
    document.title = 'Posteingang - someone.else@acme-sales.example - Acme Sales Mail'
    expect(gmailRegistry.mailboxHint(document, new URL('https://mail.google.com/mail/u/3/')).address).toBe(
      'someone.else@acme-sales.example',
    )
  })

  it('converts Gmail’s decimal permanent ids to the API’s hex ids', () => {
    expect(legacyIdFromPermId('thread-f:1849265114020441601')).toBe(BigInt('1849265114020441601').toString(16))
    expect(legacyIdFromPermId('#msg-f:255')).toBe('ff')
    expect(legacyIdFromPermId('#thread-a:r-123')).toBeUndefined()
  })
})

describe('Gmail compose actions', () => {
  it('inserts at the caret in the body and fires input', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: INBOX_URL })
    const h = only()
    const b = body(h)
    const inputs: string[] = []
    b.addEventListener('input', (e) => inputs.push((e as InputEvent).inputType))
    const textNode = Array.from(b.querySelectorAll('div')).find(
      (d) => d.textContent === 'Here is the pricing you asked for.',
    )?.firstChild as Text
    const range = document.createRange()
    range.setStart(textNode, 'Here is'.length)
    range.collapse(true)
    document.getSelection()?.removeAllRanges()
    document.getSelection()?.addRange(range)
    h.insertAtCursor(' <b>the Q3</b>', ' the Q3')
    expect(b.innerHTML).toContain('<div>Here is <b>the Q3</b> the pricing you asked for.</div>')
    expect(inputs).toHaveLength(1)
  })

  it('inserts at the start of the body when the caret is elsewhere, without scripts or handlers', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: INBOX_URL })
    const h = only()
    const subject = h.root.querySelector('input[name="subjectbox"]') as HTMLInputElement
    subject.focus()
    document.getSelection()?.removeAllRanges()
    h.insertAtCursor(
      '<p onclick="alert(1)">Hello<script>alert(2)</script><img src="x" onerror="alert(3)"></p>',
      'Hello',
    )
    const b = body(h)
    expect(b.firstElementChild?.outerHTML).toBe('<p>Hello<img src="x"></p>')
    expect(b.innerHTML).not.toMatch(/script|onerror|onclick/)
  })

  it('sets the subject through an input event', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: INBOX_URL })
    const h = only()
    const seen: string[] = []
    h.root.addEventListener('input', (e) => seen.push((e.target as HTMLInputElement).value))
    h.setSubject('Updated pricing')
    expect(h.read().subject).toBe('Updated pricing')
    expect(seen).toEqual(['Updated pricing'])
  })

  it('closes a popup with its discard control, without sending', () => {
    loadFixture('gmail-2026-11-compose-popup.html', { url: INBOX_URL, behaviour: true })
    const h = only()
    h.close()
    expect(h.isOpen()).toBe(false)
    expect(composes()).toHaveLength(0)
    expect((window as unknown as { __fixtureNativeSends: number }).__fixtureNativeSends).toBe(0)
  })

  it('closes a full-screen compose and an inline reply', () => {
    loadFixture('gmail-2026-11-compose-fullscreen.html', { url: INBOX_URL, behaviour: true })
    only().close()
    expect(composes()).toHaveLength(0)
    loadFixture('gmail-2026-11-de-thread-inline-reply.html', { url: INBOX_URL, behaviour: true })
    const reply = only()
    reply.close()
    expect(reply.isOpen()).toBe(false)
    expect(document.querySelector('.ip.adB')).toBeNull()
  })

  it('exposes the native Send button (the fixture counts a click on it as a native send)', () => {
    loadFixture('gmail-2026-11-compose-two-popups.html', { url: INBOX_URL, behaviour: true })
    const [first, second] = composes()
    const send = second?.nativeSendButton()
    expect(send?.getAttribute('role')).toBe('button')
    send?.click()
    expect((window as unknown as { __fixtureNativeSends: number }).__fixtureNativeSends).toBe(1)
    expect(composes()).toEqual([first])
  })

  it('keeps the compose’s identity when it goes full screen and back', () => {
    const fixture = loadFixture('gmail-2026-11-inbox.html', { url: INBOX_URL, behaviour: true })
    expect(document.querySelector('.dw')).toBeNull()
    ;(document.querySelector('[gh="cm"]') as HTMLElement).click()
    expect(document.querySelector('.dw')).not.toBeNull()
    const popup = only()
    expect(popup.kind).toBe('popup')
    const id = String(((fixture?.composeIds?.() ?? []) as string[])[0])
    ;(popup.root.querySelector('td.Hm .Hq') as HTMLElement).click()
    const full = only()
    expect(full).toBe(popup)
    expect(full.id).toBe(popup.id)
    expect(full.kind).toBe('fullscreen')
    expect(document.querySelector('body > .aSs > .aSt')?.contains(full.root)).toBe(true)
    fixture?.toggleFullscreen?.(id)
    expect(only()).toBe(popup)
    expect(popup.kind).toBe('popup')
  })

  it('treats a full-screen compose closed while saving (dialog kept, div.aaZ emptied) as closed', () => {
    const fixture = loadFixture('gmail-2026-11-compose-fullscreen.html', { url: INBOX_URL, behaviour: true })
    const h = only()
    fixture?.closeWhileSaving?.('8')
    expect(h.root.isConnected).toBe(true)
    expect(h.root.querySelector('.aaZ')?.childElementCount).toBe(0)
    expect(h.isOpen()).toBe(false)
    expect(composes()).toHaveLength(0)
  })

  it('reports a minimised popup as open and minimised, and restored', () => {
    const fixture = loadFixture('gmail-2026-11-inbox.html', { url: INBOX_URL, behaviour: true })
    const id = String(fixture?.openCompose?.())
    const h = only()
    ;(h.root.querySelector('td.Hm .Hl') as HTMLElement).click()
    expect(h.isMinimized()).toBe(true)
    expect(h.isOpen()).toBe(true)
    fixture?.minimize?.(id, false)
    expect(h.isMinimized()).toBe(false)
  })

  it('finds the inline reply only once Gmail has added it after marking the message with adB', async () => {
    loadFixture('gmail-2026-11-thread.html', { url: `${INBOX_URL}/FMfcgzQXJWsDbgTnlmTpDzvkCCQJzQRd` })
    expect(composes()).toHaveLength(0)
    loadFixture('gmail-2026-11-thread.html', { url: INBOX_URL, behaviour: true })
    ;(document.querySelector('.ams.bkH') as HTMLElement).click()
    expect(document.querySelector('.ip.adB')).not.toBeNull()
    expect(composes()).toHaveLength(0)
    await settle()
    const h = only()
    expect(h.kind).toBe('inline')
    expect(h.root.parentElement?.parentElement?.matches('.ip.adB')).toBe(true)
    expect(h.threadHint()).toEqual({ providerThreadId: '19a9d1b2c3e4f501', providerMessageId: '19a9e3f7c1b04a22' })
  })
})
