import { describe, expect, it } from 'vitest'
import { base64ToBytes, failureOf, parseMultipartHttp } from './api.ts'

describe('parseMultipartHttp', () => {
  it('reads each HTTP answer of a Gmail batch with its Content-ID, status, headers and body', () => {
    const text = [
      '--batch_x',
      'Content-Type: application/http',
      'Content-ID: <response-p1>',
      '',
      'HTTP/1.1 404 Not Found',
      'Content-Type: application/json; charset=UTF-8',
      '',
      '{"error":{"code":404}}',
      '--batch_x',
      'Content-Type: application/http',
      'Content-ID: <response-p0>',
      '',
      'HTTP/1.1 200 OK',
      'Content-Type: application/json; charset=UTF-8',
      '',
      '{"id":"a1","raw":"SGk"}',
      '--batch_x--',
      '',
    ].join('\r\n')
    const parts = parseMultipartHttp('multipart/mixed; boundary=batch_x', text)
    expect(parts).toEqual([
      {
        contentId: '<response-p1>',
        response: expect.objectContaining({ status: 404, body: '{"error":{"code":404}}' }),
      },
      {
        contentId: '<response-p0>',
        response: expect.objectContaining({ status: 200, body: '{"id":"a1","raw":"SGk"}' }),
      },
    ])
    expect(parts[1]!.response.headers['content-type']).toMatch(/json/)
  })

  it('refuses an answer that is not multipart', () => {
    expect(() => parseMultipartHttp('application/json', '{}')).toThrow(/boundary/)
  })
})

describe('base64ToBytes', () => {
  it('decodes standard and URL-safe base64, with or without padding', () => {
    const text = 'Subject: Grüße ~?>\r\n'
    const bytes = new TextEncoder().encode(text)
    const std = btoa(String.fromCharCode(...bytes))
    const url = std.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    expect(new TextDecoder().decode(base64ToBytes(std))).toBe(text)
    expect(new TextDecoder().decode(base64ToBytes(url))).toBe(text)
    expect(() => base64ToBytes('@@ not base64 @@')).toThrow()
  })
})

describe('failureOf', () => {
  it('sorts answers by what the scanner does about them', () => {
    expect(failureOf(401, '')).toBe('auth')
    expect(failureOf(429, '')).toBe('rate')
    expect(failureOf(403, '{"error":{"errors":[{"reason":"userRateLimitExceeded"}]}}')).toBe('rate')
    expect(failureOf(403, '{"error":{"errors":[{"reason":"insufficientPermissions"}]}}')).toBe('auth')
    expect(failureOf(410, '')).toBe('gone')
    expect(failureOf(500, '')).toBe('transient')
    expect(failureOf(503, '', '2')).toBe('rate')
    expect(failureOf(400, '')).toBe('permanent')
  })
})
