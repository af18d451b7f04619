import { describe, expect, it } from 'vitest'
import { mergeSettings, settingsPatchSchema } from './settings.ts'

describe('settings', () => {
  it('lets the admin’s policy win and lock its keys; a stored null means "not set"', () => {
    const { settings, locked } = mergeSettings(
      { relayUrl: 'https://relay.acme.example' },
      { relayUrl: 'https://other.example', teamChannel: null as never, repChannel: 'smtp' },
    )
    expect(settings.relayUrl).toBe('https://relay.acme.example')
    expect(locked).toEqual(['relayUrl'])
    expect('teamChannel' in settings).toBe(false)
    expect(settings.repChannel).toBe('smtp')
  })

  it('accepts clearing the team channel and a provider include, refuses junk', () => {
    expect(settingsPatchSchema.safeParse({ teamChannel: null, relaySpfInclude: 'sendgrid.net' }).success).toBe(true)
    expect(settingsPatchSchema.safeParse({ relaySpfInclude: 'include:sendgrid.net ~all' }).success).toBe(false)
    expect(settingsPatchSchema.safeParse({ relayVerified: { url: 'x' } }).success).toBe(false)
    expect(settingsPatchSchema.safeParse({ dohResolver: 'http://dns.example/resolve' }).success).toBe(false)
    expect(settingsPatchSchema.safeParse({ dohResolver: 'http://127.0.0.1:5353/resolve' }).success).toBe(true)
  })
})
