import { describe, expect, it } from 'vitest'
import { ProviderError, readAnswer, retryAfterMs } from './channel.ts'

describe('readAnswer', () => {
  it('reads a JSON answer', async () => {
    expect(await readAnswer(new Response('{"id":"m1"}'))).toEqual({ id: 'm1' })
  })

  it('treats an answer cut short after a POST as possibly sent, and after a GET as not', async () => {
    const cut = () => new Response('{"id":"m1","thr')
    const post = await readAnswer(cut(), { method: 'POST' }).catch((e: unknown) => e)
    expect(post).toBeInstanceOf(ProviderError)
    expect((post as ProviderError).feedback).toEqual({ kind: 'transient', maybeSent: true })
    const get = await readAnswer(cut()).catch((e: unknown) => e)
    expect((get as ProviderError).feedback).toEqual({ kind: 'transient', maybeSent: false })
  })
})

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000)
    expect(retryAfterMs('Wed, 25 Nov 2026 10:00:10 GMT', Date.UTC(2026, 10, 25, 10, 0, 0))).toBe(10_000)
    expect(retryAfterMs(null)).toBeUndefined()
    expect(retryAfterMs('soon')).toBeUndefined()
  })
})
