/**
 * OData `$filter` for messages: comparisons (eq ne gt ge lt le), and/or/not, parentheses and
 * startswith/contains/endswith over the message properties Outlook lets clients filter on.
 */
import type { StoredMessage } from '../store.ts'

export type FilterValue = string | number | boolean | null

export class FilterError extends Error {
  constructor(
    message: string,
    readonly code = 'BadRequest',
  ) {
    super(message)
  }
}

type Getter = (m: StoredMessage) => FilterValue

interface Token {
  kind: 'ident' | 'string' | 'number' | 'date' | 'bool' | 'null' | '(' | ')' | ','
  text: string
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c })
      i++
      continue
    }
    if (c === "'") {
      let value = ''
      i++
      while (i < text.length) {
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'"
          i += 2
        } else if (text[i] === "'") break
        else value += text[i++]
      }
      if (text[i] !== "'") throw new FilterError('Invalid filter clause: unterminated string literal.')
      i++
      tokens.push({ kind: 'string', text: value })
      continue
    }
    const date = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/.exec(text.slice(i))
    if (date) {
      tokens.push({ kind: 'date', text: date[0] })
      i += date[0].length
      continue
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i))
    if (num) {
      tokens.push({ kind: 'number', text: num[0] })
      i += num[0].length
      continue
    }
    const ident = /^[A-Za-z_][\w/]*/.exec(text.slice(i))
    if (!ident) throw new FilterError(`Invalid filter clause: syntax error at position ${i} in '${text}'.`)
    const word = ident[0]
    if (word === 'true' || word === 'false') tokens.push({ kind: 'bool', text: word })
    else if (word === 'null') tokens.push({ kind: 'null', text: word })
    else tokens.push({ kind: 'ident', text: word })
    i += word.length
  }
  return tokens
}

export type Predicate = (m: StoredMessage) => boolean

export interface ParsedFilter {
  predicate: Predicate
  /** `internetMessageId eq '…'` when the filter pins one (lets the caller use its index). */
  internetMessageId: string | null
}

const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le'])

function compare(op: string, a: FilterValue, b: FilterValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    a = a.toLowerCase()
    b = b.toLowerCase()
  }
  switch (op) {
    case 'eq':
      return a === b
    case 'ne':
      return a !== b
    default: {
      if (a === null || b === null) return false
      if (op === 'gt') return a > b
      if (op === 'ge') return a >= b
      if (op === 'lt') return a < b
      return a <= b
    }
  }
}

export function parseFilter(text: string, properties: Record<string, Getter>, typeName: string): ParsedFilter {
  const tokens = tokenize(text)
  let pos = 0
  let pinnedId: string | null = null
  let depth = 0

  const property = (name: string): Getter => {
    const getter = properties[name] ?? properties[name.toLowerCase()]
    if (!getter) {
      const first = name.split('/')[0]
      throw new FilterError(
        `Could not find a property named '${first}' on type '${typeName}'.`,
        'RequestBroker--ParseUri',
      )
    }
    return getter
  }

  const literal = (): { value: FilterValue; isDate: boolean } => {
    const t = tokens[pos++]
    if (!t) throw new FilterError('Invalid filter clause: a value was expected.')
    switch (t.kind) {
      case 'string':
        return { value: t.text, isDate: false }
      case 'number':
        return { value: Number(t.text), isDate: false }
      case 'date': {
        const ms = Date.parse(t.text)
        if (Number.isNaN(ms)) throw new FilterError(`Invalid filter clause: '${t.text}' is not a valid date.`)
        return { value: ms, isDate: true }
      }
      case 'bool':
        return { value: t.text === 'true', isDate: false }
      case 'null':
        return { value: null, isDate: false }
      default:
        throw new FilterError(`Invalid filter clause: unexpected '${t.text}'.`)
    }
  }

  const primary = (): Predicate => {
    const t = tokens[pos]
    if (!t) throw new FilterError('Invalid filter clause: unexpected end of expression.')
    if (t.kind === '(') {
      pos++
      depth++
      const inner = orExpr()
      if (tokens[pos]?.kind !== ')') throw new FilterError("Invalid filter clause: ')' expected.")
      pos++
      depth--
      return inner
    }
    if (t.kind === 'ident' && t.text === 'not') {
      pos++
      const inner = primary()
      return (m) => !inner(m)
    }
    if (
      t.kind === 'ident' &&
      ['startswith', 'endswith', 'contains'].includes(t.text.toLowerCase()) &&
      tokens[pos + 1]?.kind === '('
    ) {
      const fn = t.text.toLowerCase()
      pos += 2
      const name = tokens[pos++]
      if (name?.kind !== 'ident') throw new FilterError('Invalid filter clause: a property was expected.')
      const get = property(name.text)
      if (tokens[pos++]?.kind !== ',') throw new FilterError("Invalid filter clause: ',' expected.")
      const { value } = literal()
      if (tokens[pos++]?.kind !== ')') throw new FilterError("Invalid filter clause: ')' expected.")
      const needle = String(value).toLowerCase()
      return (m) => {
        const v = String(get(m) ?? '').toLowerCase()
        return fn === 'startswith' ? v.startsWith(needle) : fn === 'endswith' ? v.endsWith(needle) : v.includes(needle)
      }
    }
    if (t.kind !== 'ident') throw new FilterError(`Invalid filter clause: unexpected '${t.text}'.`)
    pos++
    const get = property(t.text)
    const op = tokens[pos++]
    if (op?.kind !== 'ident' || !COMPARE.has(op.text.toLowerCase())) {
      throw new FilterError(`Invalid filter clause: a comparison operator was expected after '${t.text}'.`)
    }
    const { value } = literal()
    const operator = op.text.toLowerCase()
    if (t.text.toLowerCase() === 'internetmessageid' && operator === 'eq' && typeof value === 'string' && depth === 0) {
      pinnedId = value
    }
    return (m) => compare(operator, get(m), value)
  }

  const andExpr = (): Predicate => {
    const parts = [primary()]
    while (tokens[pos]?.kind === 'ident' && tokens[pos]!.text.toLowerCase() === 'and') {
      pos++
      parts.push(primary())
    }
    return parts.length === 1 ? parts[0]! : (m) => parts.every((p) => p(m))
  }

  let sawOr = false
  const orExpr = (): Predicate => {
    const parts = [andExpr()]
    while (tokens[pos]?.kind === 'ident' && tokens[pos]!.text.toLowerCase() === 'or') {
      pos++
      sawOr = true
      parts.push(andExpr())
    }
    return parts.length === 1 ? parts[0]! : (m) => parts.some((p) => p(m))
  }

  const predicate = orExpr()
  if (pos < tokens.length) throw new FilterError(`Invalid filter clause: unexpected '${tokens[pos]!.text}'.`)
  return { predicate, internetMessageId: sawOr ? null : pinnedId }
}
