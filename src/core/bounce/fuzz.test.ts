// Robustness: mutated sample reports and generated hostile MIME must never crash the classifier,
// never hang it, and stay within a time bound per message.
import { describe, expect, it } from 'vitest'
import { type BounceReport, classifyMessageSync } from './classify.ts'
import * as F from './fixtures.ts'
import { seededRandom } from '../random.ts'

/** Per-message ceiling, generous for a busy 2-core CI machine; typical inputs take well under 1 ms. */
const MAX_MS_PER_MESSAGE = 2000
const MUTATIONS_PER_SEED = 80
const CATEGORIES = new Set(['bounce', 'delayed', 'delivered', 'autoreply', 'feedback', 'receipt', 'ordinary'])

const TOKENS = [
  '\n',
  '\r\n',
  '\n\n',
  '--',
  ':',
  ';',
  '"',
  '<',
  '>',
  '@',
  '=',
  '=?utf-8?B?',
  '?=',
  '=?x-bogus?Q?=ZZ?=',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="',
  'Content-Type: message/rfc822\n\n',
  'Content-Type: text/plain; charset=x-no-such-charset\n',
  'Content-Type: text/plain; charset=utf-16\n',
  'Content-Transfer-Encoding: base64\n',
  'Content-Transfer-Encoding: quoted-printable\n',
  'Final-Recipient: rfc822; ',
  'Action: failed\nStatus: 5.1.1\n',
  'X-Failed-Recipients: ',
  '\u0000',
  '\u00ff\u00fe',
  '\ud800',
  '💥',
]

function mutate(input: string, r: () => number): string {
  let s = input
  const edits = 1 + Math.floor(r() * 6)
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (s.length + 1))
    switch (Math.floor(r() * 9)) {
      case 0: // flip a character
        s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 256)) + s.slice(at + 1)
        break
      case 1: // delete a run
        s = s.slice(0, at) + s.slice(at + Math.floor(r() * 200))
        break
      case 2: // insert a structural token
        s = s.slice(0, at) + TOKENS[Math.floor(r() * TOKENS.length)]! + s.slice(at)
        break
      case 3: // truncate
        s = s.slice(0, at)
        break
      case 4: {
        // duplicate a region
        const len = Math.floor(r() * 2000)
        s = s.slice(0, at) + s.slice(at, at + len).repeat(1 + Math.floor(r() * 4)) + s.slice(at)
        break
      }
      case 5: // break every boundary
        s = s.replace(/boundary="?([^";\s]+)"?/g, (_m, b: string) => `boundary="${b}x"`)
        break
      case 6: // declare an invalid charset or transfer encoding
        s = s.replace(/charset="?[\w-]+"?/i, 'charset="x-\u0001bad"').replace(/7bit|8bit/i, 'base64')
        break
      case 7: // line ends
        s = r() < 0.5 ? s.replace(/\n/g, '\r\n') : s.replace(/\r?\n/g, '\r')
        break
      default:
        {
          // swap two lines
          const lines = s.split('\n')
          const i = Math.floor(r() * lines.length)
          const j = Math.floor(r() * lines.length)
          ;[lines[i], lines[j]] = [lines[j]!, lines[i]!]
          s = lines.join('\n')
        }
        break
    }
  }
  return s
}

const MB = 1024 * 1024

/** Hand-built hostile messages: sizes, depths and floods a mutation would rarely reach. */
function generated(): Array<[string, () => string | Uint8Array]> {
  const ndr = (body: string, extra: string[] = []) =>
    F.plain(['From: MAILER-DAEMON@mx.example.net', 'Subject: Undelivered Mail Returned to Sender', ...extra], body)
  return [
    ['25 MB text part', () => ndr(`<a@example.org>: user unknown\n${'x'.repeat(25 * MB)}`)],
    [
      '25 MB base64 returned message',
      () =>
        F.report({
          from: 'MAILER-DAEMON@mx.example.net',
          subject: 'Undelivered Mail Returned to Sender',
          text: 'could not be delivered',
          dsn: F.dsnFields('mx', [{ rcpt: 'a@example.org', action: 'failed', status: '5.1.1' }]),
          returned: `Subject: big\n\n${'QUFB'.repeat((25 * MB) / 4)}`,
          returnedEncoding: 'base64',
        }),
    ],
    ['25 MB single line without a newline', () => `From: a@example.org\nSubject: x\n\n${'@a.b '.repeat(5 * MB)}`],
    [
      'multipart nested 3000 deep',
      () => {
        let body = 'leaf'
        for (let i = 0; i < 3000; i++)
          body = `Content-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n${body}\n--b${i}--\n`
        return `From: MAILER-DAEMON@x.example\n${body}`
      },
    ],
    [
      'message/rfc822 nested 500 deep',
      () => {
        let m = F.qmailNoMailbox
        for (let i = 0; i < 500; i++)
          m = `From: MAILER-DAEMON@x.example\nSubject: Undeliverable\nContent-Type: message/rfc822\n\n${m}`
        return m
      },
    ],
    [
      'multipart/report with 200,000 parts',
      () =>
        `From: MAILER-DAEMON@x.example\nContent-Type: multipart/report; boundary=b\n\n${'--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n\n'.repeat(200_000)}--b--`,
    ],
    [
      'boundary text everywhere but at line starts',
      () => `Content-Type: multipart/mixed; boundary=b\n\n${'x--b '.repeat(MB)}`,
    ],
    [
      'boundary never closed, no final delimiter',
      () => `Content-Type: multipart/report; boundary=q\n\n--q\n\n${'text\n'.repeat(100_000)}`,
    ],
    [
      'header flood: 400,000 fields',
      () => `${Array.from({ length: 400_000 }, (_, i) => `X-F${i}: v`).join('\n')}\n\nbody`,
    ],
    ['header flood: 5 MB without a colon', () => `From: a@example.org\n${'nocolon '.repeat((5 * MB) / 8)}\n\nbody`],
    ['one 4 MB subject of encoded words', () => `Subject: ${'=?utf-8?B?QUJD?= '.repeat(MB / 4)}\n\nx`],
    [
      '20,000 X-Failed-Recipients',
      () =>
        ndr('failed', [
          `X-Failed-Recipients: ${Array.from({ length: 20_000 }, (_, i) => `u${i}@example.org`).join(', ')}`,
        ]),
    ],
    [
      '20,000 recipient lines',
      () => ndr(Array.from({ length: 20_000 }, (_, i) => `<u${i}@example.org>: 550 5.1.1 user unknown`).join('\n')),
    ],
    [
      '100,000 unclosed <style> tags',
      () => `From: MAILER-DAEMON@x.example\nContent-Type: text/html\n\n${'<style>'.repeat(100_000)}`,
    ],
    [
      'invalid base64 and quoted-printable',
      () => ndr(`${'=Z=\n==!!'.repeat(100_000)}`, ['Content-Transfer-Encoding: quoted-printable']),
    ],
    [
      'invalid charsets on every part',
      () => F.postfixUserUnknown.replace(/charset=[\w-]+/g, 'charset=\u0000\u00ff').replace(/us-ascii/g, 'utf-7'),
    ],
    ['UTF-16 declared on UTF-8 text', () => F.gmailDomainNotFound.replace('charset=us-ascii', 'charset=utf-16le')],
    [
      '10 MB of random bytes',
      () => {
        const r = seededRandom(7)
        const b = new Uint8Array(10 * MB)
        for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256)
        return b
      },
    ],
  ]
}

function checkShape(r: BounceReport): void {
  expect(typeof r.bounce).toBe('boolean')
  expect(CATEGORIES.has(r.category)).toBe(true)
  expect(r.bounce).toBe(r.category === 'bounce')
  expect(Array.isArray(r.recipients)).toBe(true)
  if (r.bounce) expect(['hard', 'soft']).toContain(r.kind)
  else expect(r.recipients).toEqual([])
  for (const x of r.recipients) expect(typeof x.address).toBe('string')
}

describe('classifier robustness', () => {
  it('survives mutated samples and generated hostile MIME within a time bound per message', () => {
    const seeds = Object.values(F).filter((v): v is string => typeof v === 'string' && v.includes('\n'))
    for (const l of F.LOCAL_NDRS.slice(0, 3)) seeds.push(F.localizedExchangeNdr(l, 'x@example.net'))
    const r = seededRandom(20250304)
    let inputs = 0
    let slowest = 0
    let slowestName = ''
    const run = (name: string, input: string | Uint8Array): void => {
      const t0 = performance.now()
      const report = classifyMessageSync(input)
      const ms = performance.now() - t0
      inputs++
      if (ms > slowest) {
        slowest = ms
        slowestName = name
      }
      expect(ms, name).toBeLessThan(MAX_MS_PER_MESSAGE)
      checkShape(report)
    }
    seeds.forEach((seed, i) => {
      run(`seed ${i}`, seed)
      for (let k = 0; k < MUTATIONS_PER_SEED; k++) run(`seed ${i} mutation ${k}`, mutate(seed, r))
    })
    for (const [name, make] of generated()) run(name, make())
    console.log(`bounce fuzz: ${inputs} inputs, slowest ${slowest.toFixed(1)} ms (${slowestName})`)
    expect(inputs).toBeGreaterThan(2000)
  }, 60_000)
})
