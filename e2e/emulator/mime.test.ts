import { describe, expect, it } from 'vitest'
import { parseAddressList, parseHeaderBlock } from './mime.ts'

describe('parseHeaderBlock', () => {
  it('decodes encoded display names in address fields without splitting them at a comma', () => {
    const { headers } = parseHeaderBlock(
      'To: =?UTF-8?B?Uml2ZXJhLCBTYW0=?= <sam@contoso.example>, b@x.example\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=',
    )
    const to = headers.find((h) => h.name === 'To')!.value
    expect(parseAddressList(to)).toEqual({
      list: [
        { name: 'Rivera, Sam', address: 'sam@contoso.example' },
        { name: '', address: 'b@x.example' },
      ],
      invalid: [],
    })
    expect(headers.find((h) => h.name === 'Subject')!.value).toBe('Grüße')
  })
})
