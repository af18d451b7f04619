/** Small helpers for the emulator's own tests: real HTTP against a started emulator. */
import type { Emulator } from './emulator.ts'

export interface Reply {
  status: number
  headers: Headers
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are inspected field by field
  json: any
}

export function api(emu: Emulator, token?: string) {
  return async (
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string | Buffer } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) }
    if (token) headers.authorization = `Bearer ${token}`
    let body: string | Uint8Array<ArrayBuffer> | undefined
    if (init.raw !== undefined) body = typeof init.raw === 'string' ? init.raw : new Uint8Array(init.raw)
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body)
      headers['content-type'] ??= 'application/json'
    }
    const r = await fetch(path.startsWith('http') ? path : emu.url + path, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      redirect: 'manual',
    })
    const text = await r.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: r.status, headers: r.headers, text, json }
  }
}

export function mime(fields: Record<string, string>, body = 'Hello from the test.'): string {
  const head = Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')
  return `${head}\r\n\r\n${body}\r\n`
}

export const b64url = (text: string | Buffer) => Buffer.from(text).toString('base64url')
