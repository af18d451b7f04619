// @vitest-environment happy-dom
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ComposeHandle } from '../shared/compose.ts'
import { FIXTURE_DIR, fixtureNames, fixtureSource, loadFixture } from '../shared/fixture-loader.ts'
import { OUTLOOK_SELECTORS, outlookRegistry } from './selectors.ts'

const MAIL_URL =
  'https://outlook.office.com/mail/inbox/id/AAQkADAwATM0MDAAMS0xNjM4LTk1ZDItMDACLTAwCgAQAGq2Yx1b3c9JnVv4O8Jq0Sg%3D'
const POPOUT_URL = 'https://outlook.office.com/mail/deeplink/compose?popoutv2=1&version=20261101003.09'

function urlFor(fixture: string): string {
  return fixture.includes('popout') ? POPOUT_URL : MAIL_URL
}

function composes(): ComposeHandle[] {
  return outlookRegistry.findComposes(document)
}

function only(): ComposeHandle {
  const found = composes()
  expect(found).toHaveLength(1)
  return found[0] as ComposeHandle
}

function buttonWithIcon(icon: string): HTMLElement {
  const button = document.querySelector(`button [data-icon-name="${icon}"]`)?.closest('button')
  if (!button) throw new Error(`no button with icon ${icon}`)
  return button
}

function body(h: ComposeHandle): HTMLElement {
  return h.root.querySelector('[id^="editorParent_"] [contenteditable="true"]') as HTMLElement
}

afterEach(() => {
  document.getSelection()?.removeAllRanges()
})

describe('Outlook selectors against the dated fixtures', () => {
  const byFixture = new Map<string, string[]>()
  for (const [name, entry] of Object.entries(OUTLOOK_SELECTORS)) {
    for (const fixture of entry.fixtures) byFixture.set(fixture, [...(byFixture.get(fixture) ?? []), name])
  }

  for (const [fixture, names] of byFixture) {
    it(`every selector naming ${fixture} matches there`, () => {
      expect(existsSync(join(FIXTURE_DIR, fixture)), fixture).toBe(true)
      loadFixture(fixture, { url: urlFor(fixture) })
      const missing = names.filter(
        (name) => document.querySelector(OUTLOOK_SELECTORS[name as keyof typeof OUTLOOK_SELECTORS].css) === null,
      )
      expect(missing).toEqual([])
    })
  }

  it('has fixtures dated in their names, each opening with a comment naming the evidence', () => {
    const names = fixtureNames('outlook')
    expect(names.length).toBeGreaterThanOrEqual(5)
    for (const name of names) {
      expect(name).toMatch(/^outlook-\d{4}-\d{2}-[a-z0-9-]+\.html$/)
      const src = fixtureSource(name)
      expect(src.startsWith('<!--'), name).toBe(true)
      expect(src.slice(0, src.indexOf('-->'))).toMatch(/Public evidence followed/)
    }
  })
})

describe('Outlook compose detection', () => {
  const expected: Record<string, string[]> = {
    'outlook-2026-11-mail.html': [],
    'outlook-2026-11-compose-new.html': ['inline'],
    'outlook-2026-11-conversation-reply.html': ['inline'],
    'outlook-2026-11-de-compose-new.html': ['inline'],
    'outlook-2026-11-popout-compose.html': ['popup'],
  }

  it('covers every Outlook fixture', () => {
    expect(Object.keys(expected).sort()).toEqual(fixtureNames('outlook'))
  })

  for (const [fixture, kinds] of Object.entries(expected)) {
    it(`finds ${kinds.length} compose(s) in ${fixture}`, () => {
      loadFixture(fixture, { url: urlFor(fixture) })
      const found = composes()
      expect(found.map((h) => h.kind)).toEqual(kinds)
      expect(outlookRegistry.composesIn(document.body)).toEqual(found)
      for (const h of found) {
        expect(h.root.id).toMatch(/^docking_InitVisiblePart_\d+$/)
        expect(h.isOpen()).toBe(true)
        expect(h.isMinimized()).toBe(false)
      }
    })
  }

  it('does not take recipient wells, read-mode bodies or the signature editor for composes', () => {
    const traps: Array<[string, string]> = [
      ['outlook-2026-11-mail.html', '[role="document"]'],
      ['outlook-2026-11-mail.html', '.ms-Modal [contenteditable="true"]'],
      ['outlook-2026-11-mail.html', '#searchBoxId-Mail'],
      ['outlook-2026-11-compose-new.html', '.well-row [contenteditable="true"]'],
      ['outlook-2026-11-de-compose-new.html', '.ms-Modal [contenteditable="true"]'],
    ]
    for (const [fixture, css] of traps) {
      loadFixture(fixture, { url: urlFor(fixture) })
      const trap = document.querySelector(css) as Element
      expect(trap, css).not.toBeNull()
      const found = outlookRegistry.composesIn(trap)
      // A well is inside a compose: asking about it may name that compose, never a new one.
      for (const h of found) expect(h.root.contains(trap), css).toBe(true)
      expect(composes().length, css).toBe(fixture.includes('compose') ? 1 : 0)
    }
  })

  it('falls back to structure when a build drops the editorParent and docking ids', () => {
    for (const fixture of [
      'outlook-2026-11-compose-new.html',
      'outlook-2026-11-de-compose-new.html',
      'outlook-2026-11-conversation-reply.html',
    ]) {
      loadFixture(fixture, { url: MAIL_URL })
      const before = only().read()
      for (const el of Array.from(document.querySelectorAll('[id^="editorParent_"], [id^="docking_"]')))
        el.removeAttribute('id')
      const h = only()
      expect(h.root.contains(document.querySelector('.ms-Modal') ?? document.createElement('i'))).toBe(false)
      expect(h.root.querySelectorAll('[role="textbox"][contenteditable="true"]').length).toBeGreaterThan(1)
      expect(h.read()).toEqual(before)
    }
  })

  it('does not rely on UI text: detection is unchanged with every label, placeholder and title removed', () => {
    for (const fixture of ['outlook-2026-11-compose-new.html', 'outlook-2026-11-de-compose-new.html']) {
      loadFixture(fixture, { url: MAIL_URL })
      for (const el of Array.from(document.body.querySelectorAll('*'))) {
        for (const attr of ['aria-label', 'placeholder', 'title']) el.removeAttribute(attr)
      }
      expect(composes().map((h) => h.kind)).toEqual(['inline'])
    }
  })
})

describe('Outlook compose fields', () => {
  it('reads chips, typed text, subject and body of a new message', () => {
    loadFixture('outlook-2026-11-compose-new.html', { url: MAIL_URL })
    const h = only()
    const fields = h.read()
    expect(fields.to).toEqual([
      'Maya Chen <maya.chen@northwind.example>',
      'li.wei@northwind.example',
      'ops@northwind.example',
    ])
    expect(fields.cc).toEqual(['Jonas Weber <jonas.weber@northwind.example>'])
    expect(fields.bcc).toEqual([])
    expect(fields.subject).toBe('Q3 pricing — 40 seats')
    expect(fields.text).toBe('Hi Maya,\n\nHere is the pricing for 40 seats.\n\nAna Silva\nAccount Executive, Contoso')
    expect(fields.html).toContain('<div id="Signature">')
    expect(h.threadHint()).toEqual({})
  })

  it('reads the German compose, with To, Cc and Bcc wells', () => {
    loadFixture('outlook-2026-11-de-compose-new.html', { url: MAIL_URL })
    expect(only().read()).toMatchObject({
      to: ['Maya Chen <maya.chen@northwind.example>'],
      cc: ['Jonas Weber <jonas.weber@northwind.example>'],
      bcc: ['Ana Silva <ana.silva@contoso.example>'],
      subject: 'Q3-Preise — 40 Plätze',
    })
  })

  it('reads an inline reply: no subject field, the conversation named', () => {
    loadFixture('outlook-2026-11-conversation-reply.html', { url: MAIL_URL })
    const h = only()
    const fields = h.read()
    expect(fields.subject).toBe('')
    expect(fields.to).toEqual(['Maya Chen <maya.chen@northwind.example>'])
    expect(fields.html).toContain('id="divRplyFwdMsg"')
    expect(h.threadHint()).toEqual({
      providerThreadId: 'AAQkADAwATM0MDAAMS0xNjM4LTk1ZDItMDACLTAwCgAQAGq2Yx1b3c9JnVv4O8Jq0Sg=',
    })
  })

  it('names the mailbox from the account flyout, or from the app link’s login_hint', () => {
    loadFixture('outlook-2026-11-compose-new.html', { url: MAIL_URL })
    expect(outlookRegistry.mailboxHint(document, new URL(MAIL_URL))).toEqual({
      address: 'ana.silva@contoso.example',
      accountIndex: null,
    })
    loadFixture('outlook-2026-11-de-compose-new.html', { url: MAIL_URL })
    expect(document.querySelector('#mectrl_currentAccount_secondary')).toBeNull()
    expect(outlookRegistry.mailboxHint(document, new URL('https://outlook.live.com/mail/0/inbox'))).toEqual({
      address: 'ana.silva@contoso.example',
      accountIndex: 0,
    })
  })
})

describe('Outlook compose actions', () => {
  it('inserts at the start of the body with no caret, at the caret, then where the last insertion ended', () => {
    loadFixture('outlook-2026-11-conversation-reply.html', { url: MAIL_URL })
    const h = only()
    const b = body(h)
    let inputs = 0
    b.addEventListener('input', () => inputs++)
    h.insertAtCursor('<div>Top line</div>', 'Top line')
    expect(b.firstElementChild?.outerHTML).toBe('<div>Top line</div>')
    const thanks = b.querySelector('.elementToProof')?.firstChild as Text
    const range = document.createRange()
    range.setStart(thanks, 'Thanks Maya,'.length)
    range.collapse(true)
    document.getSelection()?.removeAllRanges()
    document.getSelection()?.addRange(range)
    h.insertAtCursor(' <i>see below</i>', ' see below')
    expect(b.querySelector('.elementToProof')?.innerHTML).toBe('Thanks Maya, <i>see below</i> pricing attached.')
    // Focus moving to the sidebar drops the selection; the next insertion continues where the last ended.
    document.getSelection()?.removeAllRanges()
    h.insertAtCursor('<b>!</b>', '!')
    expect(b.querySelector('.elementToProof')?.innerHTML).toBe(
      'Thanks Maya, <i>see below</i><b>!</b> pricing attached.',
    )
    expect(inputs).toBe(3)
  })

  it('sets the subject through the value setter and an input event', () => {
    loadFixture('outlook-2026-11-compose-new.html', { url: MAIL_URL })
    const h = only()
    let seen = ''
    h.root.addEventListener('input', (e) => {
      seen = (e.target as HTMLInputElement).value
    })
    h.setSubject('New subject')
    expect(seen).toBe('New subject')
    expect(h.read().subject).toBe('New subject')
  })

  it('opens a compose from New mail and an inline reply from Reply, and closes them with Discard', () => {
    loadFixture('outlook-2026-11-mail.html', { url: MAIL_URL, behaviour: true })
    expect(composes()).toHaveLength(0)
    buttonWithIcon('ComposeRegular').click()
    const created = only()
    expect(created.root.id).toBe('docking_InitVisiblePart_0')
    expect(created.read().subject).toBe('')
    created.close()
    expect(created.isOpen()).toBe(false)
    const reply = document
      .querySelector('button [data-icon-name="ArrowReplyRegular"]')
      ?.closest('button') as HTMLElement
    reply.click()
    const inline = only()
    expect(inline.root.querySelector('input')).toBeNull()
    expect(inline.read().to).toEqual(['Maya Chen <maya.chen@northwind.example>'])
    inline.close()
    expect(composes()).toHaveLength(0)
    expect((window as unknown as { __fixtureNativeSends: number }).__fixtureNativeSends).toBe(0)
  })

  it('exposes the native Send button of the pop-out window', () => {
    loadFixture('outlook-2026-11-popout-compose.html', { url: POPOUT_URL, behaviour: true })
    const h = only()
    h.nativeSendButton()?.click()
    expect((window as unknown as { __fixtureNativeSends: number }).__fixtureNativeSends).toBe(1)
    expect(h.isOpen()).toBe(false)
  })
})
