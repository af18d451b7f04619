/**
 * Request validation driven by Google's own discovery document (the committed subset): query
 * parameters (known names, types, enums, repetition) and JSON bodies (known fields, types), refused
 * with the messages Google's front end uses.
 */
import { type ApiResponse, gmail } from '../errors.ts'
import subset from './discovery-subset.json' with { type: 'json' }

interface ParamSpec {
  type: string
  format?: string
  enum?: string[]
  repeated?: boolean
  required?: boolean
  location: string
  default?: string
}

interface SchemaProp {
  type?: string
  format?: string
  $ref?: string
  items?: SchemaProp
  additionalProperties?: SchemaProp
  readOnly?: boolean
}

interface Schema {
  id: string
  type: string
  properties?: Record<string, SchemaProp>
}

interface MethodSpec {
  id: string
  httpMethod: string
  path: string
  parameters?: Record<string, ParamSpec>
  request?: { $ref: string }
  scopes: string[]
}

const doc = subset as unknown as {
  parameters: Record<string, ParamSpec>
  methods: Record<string, MethodSpec>
  schemas: Record<string, Schema>
}

export function methodSpec(id: string): MethodSpec {
  const m = doc.methods[id]
  if (!m) throw new Error(`method ${id} is not in the discovery subset`)
  return m
}

/** Scopes that grant a method (from the discovery document). */
export function methodScopes(id: string): string[] {
  return methodSpec(id).scopes
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** Proto names of request enums, as they show in Google's "Invalid value" messages. */
const ENUM_TYPES: Record<string, string> = {
  format: 'Format',
  historyTypes: 'HistoryType',
}

const REQUEST_MESSAGE: Record<string, string> = {
  'users.messages.get': 'GetMessageRequest',
  'users.messages.list': 'ListMessagesRequest',
  'users.history.list': 'ListHistoryRequest',
  'users.drafts.get': 'GetDraftRequest',
  'users.drafts.list': 'ListDraftsRequest',
  'users.threads.get': 'GetThreadRequest',
}

export type QueryValues = Record<string, string[]>

/** Checks every query parameter; returns the values by name, or Gmail's 400. */
export function validateQuery(methodId: string, query: URLSearchParams): QueryValues | ApiResponse {
  const method = methodSpec(methodId)
  const values: QueryValues = {}
  for (const [name, value] of query) {
    const spec = method.parameters?.[name] ?? doc.parameters[name]
    if (spec?.location !== 'query') {
      return gmail.invalid(
        `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`,
      )
    }
    const list = values[name] ?? []
    if (list.length && !spec.repeated) continue
    list.push(value)
    values[name] = list
    const bad = checkValue(methodId, name, spec, value)
    if (bad) return bad
  }
  return values
}

function checkValue(methodId: string, name: string, spec: ParamSpec, value: string): ApiResponse | null {
  const field = name === '$.xgafv' ? name : snake(name)
  const invalid = (type: string) => gmail.invalid(`Invalid value at '${field}' (${type}), "${value}"`)
  if (spec.enum) {
    if (!spec.enum.some((e) => e.toLowerCase() === value.toLowerCase())) {
      const enumType = ENUM_TYPES[name]
      const message = REQUEST_MESSAGE[methodId]
      if (enumType && message) return invalid(`type.googleapis.com/google.apps.gmail.v1.${message}.${enumType}`)
      return invalid('TYPE_ENUM')
    }
    return null
  }
  if (spec.type === 'integer') {
    if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) return invalid('TYPE_UINT32')
  } else if (spec.type === 'boolean') {
    if (value !== 'true' && value !== 'false') return invalid('TYPE_BOOL')
  } else if (spec.format === 'uint64') {
    if (!/^\d+$/.test(value) || BigInt(value) > 0xffffffffffffffffn) return invalid('TYPE_UINT64')
  }
  return null
}

const PROTO_TYPE: Record<string, string> = {
  string: 'TYPE_STRING',
  byte: 'TYPE_BYTES',
  int64: 'TYPE_INT64',
  uint64: 'TYPE_UINT64',
  int32: 'TYPE_INT32',
  integer: 'TYPE_INT32',
  boolean: 'TYPE_BOOL',
}

/** Checks a JSON body against a discovery schema: unknown fields and wrong types are refused. */
export function validateBody(schemaName: string, body: unknown, at: string): ApiResponse | null {
  return checkObject(doc.schemas[schemaName]!, body, at)
}

function checkObject(schema: Schema, value: unknown, at: string): ApiResponse | null {
  if (value === null) return null
  if (typeof value !== 'object' || Array.isArray(value)) {
    return gmail.invalid(`Invalid JSON payload received. Expected an object at '${at}'.`)
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const prop = schema.properties?.[key]
    if (!prop)
      return gmail.invalid(`Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`)
    const bad = checkProp(prop, v, `${at}.${snake(key)}`)
    if (bad) return bad
  }
  return null
}

function checkProp(prop: SchemaProp, value: unknown, at: string): ApiResponse | null {
  if (value === null) return null
  if (prop.$ref) return checkObject(doc.schemas[prop.$ref]!, value, at)
  const typeName = PROTO_TYPE[prop.format ?? prop.type ?? 'string'] ?? 'TYPE_STRING'
  const wrong = () => gmail.invalid(`Invalid value at '${at}' (${typeName}), ${JSON.stringify(value)}`)
  switch (prop.type) {
    case 'array': {
      if (!Array.isArray(value)) return wrong()
      for (let i = 0; i < value.length; i++) {
        const bad = checkProp(prop.items ?? {}, value[i], `${at}[${i}]`)
        if (bad) return bad
      }
      return null
    }
    case 'object':
      return typeof value === 'object' && !Array.isArray(value) ? null : wrong()
    case 'boolean':
      return typeof value === 'boolean' ? null : wrong()
    case 'integer':
      return Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value)) ? null : wrong()
    case 'string':
      if (prop.format === 'int64' || prop.format === 'uint64') {
        return (typeof value === 'string' && /^-?\d+$/.test(value)) || Number.isInteger(value) ? null : wrong()
      }
      return typeof value === 'string' ? null : wrong()
    default:
      return null
  }
}
