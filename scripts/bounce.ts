// Bounce classifier CLI (DESIGN.md contract 4):
//   npm run --silent bounce -- --json FILE...
// prints one JSON object per input file, one per line, in input order, and nothing else on stdout.
import { readFileSync } from 'node:fs'
import { classifyMessageSync } from '../src/core/bounce/classify.ts'

const USAGE = `usage: npm run --silent bounce -- --json FILE...
  Classifies each message file (RFC 5322, .eml) as a bounce or not and prints one JSON object
  per file and line: {"file","bounce","kind","reason","status","recipients",...}.`

interface Line {
  file: string
  bounce: boolean
  kind: 'hard' | 'soft' | null
  reason: string | null
  status: string | null
  recipients: string[]
  category?: string
  mta?: string | null
  dispatchId?: string | null
  error?: string
}

function parseArgs(argv: string[]): string[] | null {
  let json = false
  const files: string[] = []
  let rest = false
  for (const a of argv) {
    if (!rest && a === '--') rest = true
    else if (!rest && a === '--json') json = true
    else if (!rest && (a === '-h' || a === '--help')) return null
    else if (!rest && a.startsWith('-') && a !== '-') return null
    else files.push(a)
  }
  return json && files.length ? files : null
}

function classifyFile(file: string): Line {
  let raw: Uint8Array
  try {
    raw = readFileSync(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return { ...notABounce(file), error: `cannot read file${code ? ` (${code})` : ''}` }
  }
  const r = classifyMessageSync(raw)
  const line: Line = {
    file,
    bounce: r.bounce,
    kind: r.kind,
    reason: r.reason,
    status: r.status,
    recipients: r.recipients.map((x) => x.address),
    category: r.category,
    mta: r.mta,
    dispatchId: r.original.dispatchId,
  }
  if (r.error) line.error = r.error
  return line
}

function notABounce(file: string): Line {
  return { file, bounce: false, kind: null, reason: null, status: null, recipients: [] }
}

function main(): number {
  const files = parseArgs(process.argv.slice(2))
  if (!files) {
    process.stderr.write(`${USAGE}\n`)
    return 2
  }
  // A reader that went away (e.g. `| head`) is not an error of ours.
  process.stdout.on('error', () => process.exit(0))
  let out = ''
  for (const file of files) {
    let line: Line
    try {
      line = classifyFile(file)
    } catch (e) {
      line = { ...notABounce(file), error: `classifier failed: ${e instanceof Error ? e.message : String(e)}` }
    }
    out += `${JSON.stringify(line)}\n`
    if (out.length > 64 * 1024) {
      process.stdout.write(out)
      out = ''
    }
  }
  if (out) process.stdout.write(out)
  return 0
}

process.exitCode = main()
