// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import {
  activate,
  editableText,
  findEmail,
  formatAddress,
  insertIntoEditable,
  sanitizeHtml,
  setFieldValue,
  splitTypedAddresses,
  startsNonEmptyLine,
  trackCaret,
} from './dom.ts'

describe('addresses', () => {
  it('formats display names, quoting those RFC 5322 needs quoted', () => {
    expect(formatAddress('Ana Silva', 'ana@x.example')).toBe('Ana Silva <ana@x.example>')
    expect(formatAddress('Silva, Ana', 'ana@x.example')).toBe('"Silva, Ana" <ana@x.example>')
    expect(formatAddress('Ana "AS" Silva', 'ana@x.example')).toBe('"Ana \\"AS\\" Silva" <ana@x.example>')
    expect(formatAddress('ANA@x.example', 'ana@x.example')).toBe('ana@x.example')
    expect(formatAddress('  ', 'ana@x.example')).toBe('ana@x.example')
  })

  it('finds addresses in labels and splits typed lists', () => {
    expect(findEmail('Google-Konto: Ana Silva\n(ana.silva@acme-sales.example)')).toBe('ana.silva@acme-sales.example')
    expect(findEmail('Ana Silva')).toBeNull()
    expect(splitTypedAddresses(' a@x.example, Bo <b@y.example>;; c@z.example ')).toEqual([
      'a@x.example',
      'Bo <b@y.example>',
      'c@z.example',
    ])
    // Bare addresses separated by spaces are several recipients; a display name with spaces is one.
    expect(splitTypedAddresses('a@x.example  b@y.example, Ana Maria <am@z.example>')).toEqual([
      'a@x.example',
      'b@y.example',
      'Ana Maria <am@z.example>',
    ])
  })
})

describe('sanitizeHtml', () => {
  it('drops scripts, frames, handlers and script URLs, keeps formatting', () => {
    const out = sanitizeHtml(
      '<p style="color:red" onmouseover="x()">Hi <a href=" javascript:alert(1)">x</a><a href="https://a.example">y</a></p><script>1</script><iframe src="https://e.example"></iframe>',
      document,
    )
    expect(out).toBe('<p style="color:red">Hi <a>x</a><a href="https://a.example">y</a></p>')
  })
})

describe('editableText', () => {
  it('turns blocks and line breaks into lines and keeps the signature delimiter', () => {
    const el = document.createElement('div')
    el.innerHTML = '<div>One&nbsp;two</div><div><br></div><p>Three</p>-- <br><span>Ana</span>   '
    expect(editableText(el)).toBe('One two\n\nThree\n-- \nAna')
  })
})

describe('setFieldValue', () => {
  it('goes through the prototype setter (as React expects) and fires input and change', () => {
    const input = document.createElement('input')
    document.body.appendChild(input)
    const instanceSetter = vi.fn()
    Object.defineProperty(input, 'value', {
      configurable: true,
      get: () => Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.get?.call(input),
      set: instanceSetter,
    })
    const events: string[] = []
    input.addEventListener('input', () => events.push('input'))
    input.addEventListener('change', () => events.push('change'))
    setFieldValue(input, 'Hello')
    expect(instanceSetter).not.toHaveBeenCalled()
    expect(input.value).toBe('Hello')
    expect(events).toEqual(['input', 'change'])
    input.remove()
  })
})

describe('activate', () => {
  it('sends mousedown, mouseup and click', () => {
    const el = document.createElement('div')
    const seen: string[] = []
    for (const type of ['mousedown', 'mouseup', 'click']) el.addEventListener(type, () => seen.push(type))
    activate(el)
    expect(seen).toEqual(['mousedown', 'mouseup', 'click'])
  })
})

describe('caret tracking', () => {
  it('remembers where the caret was in a body after the selection moves away', () => {
    const body = document.createElement('div')
    body.setAttribute('contenteditable', 'true')
    body.innerHTML = '<div>Hello world</div>'
    document.body.appendChild(body)
    const stop = trackCaret(document)
    const text = body.firstElementChild?.firstChild as Text
    const range = document.createRange()
    range.setStart(text, 5)
    range.collapse(true)
    document.getSelection()?.removeAllRanges()
    document.getSelection()?.addRange(range)
    document.dispatchEvent(new Event('selectionchange'))
    document.getSelection()?.removeAllRanges()
    insertIntoEditable(body, ',', ',')
    expect(body.textContent).toBe('Hello, world')
    stop()
    stop()
    body.remove()
  })
})

describe('a template inserted where a line already has text', () => {
  const body = () => {
    const el = document.createElement('div')
    el.setAttribute('contenteditable', 'true')
    el.innerHTML = '<div>Hi Maya,</div><div><br></div><div>Here is the pricing.</div>'
    return el
  }
  const at = (container: Node, offset: number) => {
    const r = document.createRange()
    r.setStart(container, offset)
    r.collapse(true)
    return r
  }

  it('knows a caret at the start of a non-empty line from one inside a line or on an empty one', () => {
    const b = body()
    expect(startsNonEmptyLine(at(b, 0), b)).toBe(true)
    expect(startsNonEmptyLine(at(b.firstChild!, 0), b)).toBe(true)
    expect(startsNonEmptyLine(at(b.firstChild!.firstChild!, 0), b)).toBe(true)
    expect(startsNonEmptyLine(at(b.firstChild!.firstChild!, 3), b)).toBe(false)
    expect(startsNonEmptyLine(at(b.children[1]!, 0), b)).toBe(false)
    expect(startsNonEmptyLine(at(b.firstChild!.firstChild!, 8), b)).toBe(false)
    const empty = document.createElement('div')
    empty.innerHTML = '<br>'
    expect(startsNonEmptyLine(at(empty, 0), empty)).toBe(false)
  })

  it('ends the insertion with a line break so the existing text keeps its own line', () => {
    const b = body()
    document.body.appendChild(b)
    document.getSelection()?.removeAllRanges()
    insertIntoEditable(b, '<p>Template text.</p>', 'Template text.')
    expect(b.innerHTML.startsWith('<p>Template text.</p><br><div>Hi Maya,</div>')).toBe(true)
    b.remove()
  })
})
