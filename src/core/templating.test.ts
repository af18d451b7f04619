import { describe, expect, it } from 'vitest'
import { listVariables, renderTemplate, variablesFor } from './templating.ts'

describe('renderTemplate', () => {
  const t = {
    subject: 'Quick question, {{first_name}}',
    body: '<p>Hi {{ first_name | "there" }}, how is {{company}}?</p>',
  }

  it('fills variables in subject and body', () => {
    const r = renderTemplate(t, { first_name: 'Ana', company: 'Contoso' })
    expect(r).toEqual({ subject: 'Quick question, Ana', html: '<p>Hi Ana, how is Contoso?</p>', missing: [] })
  })

  it('uses fallbacks and reports variables that have neither value nor fallback', () => {
    const r = renderTemplate(t, {})
    expect(r.html).toBe('<p>Hi there, how is ?</p>')
    expect(r.missing.sort()).toEqual(['company', 'first_name'])
  })

  it('accepts bare and single-quoted fallbacks', () => {
    expect(renderTemplate({ subject: "{{a|x y}} {{b|'z'}}", body: '' }, {}).subject).toBe('x y z')
  })

  it('escapes values in HTML but not in the subject', () => {
    const r = renderTemplate({ subject: 'For {{company}}', body: '<p>{{company}}</p>' }, { company: 'A&B <Labs>' })
    expect(r.subject).toBe('For A&B <Labs>')
    expect(r.html).toBe('<p>A&amp;B &lt;Labs&gt;</p>')
  })

  it('treats blank values as missing', () => {
    expect(renderTemplate({ subject: '{{first_name}}', body: '' }, { first_name: '  ' }).missing).toEqual([
      'first_name',
    ])
  })
})

describe('variablesFor', () => {
  it('splits display names and guesses the company from a business domain', () => {
    expect(variablesFor({ address: 'ana.silva@contoso.com.br', name: 'Ana Maria Silva' })).toMatchObject({
      first_name: 'Ana',
      last_name: 'Silva',
      company: 'Contoso',
    })
    expect(variablesFor({ address: 'ana@contoso.com', name: 'Silva, Ana' })).toMatchObject({
      first_name: 'Ana',
      last_name: 'Silva',
      company: 'Contoso',
    })
  })
  it('handles country second-level suffixes', () => {
    expect(variablesFor({ address: 'a@fabrikam.co.uk' }).company).toBe('Fabrikam')
    expect(variablesFor({ address: 'a@mail.fabrikam.de' }).company).toBe('Fabrikam')
  })
  it('guesses no company for free-mail addresses and lets explicit variables win', () => {
    expect(variablesFor({ address: 'x@gmail.com' }).company).toBeUndefined()
    expect(variablesFor({ address: 'x@contoso.com', variables: { company: 'Contoso Ltd' } }).company).toBe(
      'Contoso Ltd',
    )
  })
})

describe('listVariables', () => {
  it('lists each variable once', () => {
    expect(listVariables('{{a}} {{ b | "x" }} {{a}}')).toEqual(['a', 'b'])
  })
})
