/**
 * Rebuilds gmail/discovery-subset.json from Google's Gmail discovery document: the global
 * parameters, the methods the emulator serves and every schema they reference. The subset is
 * committed so a clean clone needs nothing outside the repository.
 *   npx tsx e2e/emulator/gmail/make-discovery-subset.ts [path/to/gmail-v1-discovery.json]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const SERVED_METHODS = [
  'users.getProfile',
  'users.messages.send',
  'users.messages.list',
  'users.messages.get',
  'users.history.list',
  'users.drafts.create',
  'users.drafts.get',
  'users.drafts.list',
  'users.drafts.send',
  'users.drafts.delete',
  'users.threads.get',
]

type Json = Record<string, unknown>

function findMethod(doc: Json, id: string): Json {
  const parts = id.split('.')
  const method = parts.pop()!
  let node = doc
  for (const p of parts) node = (node.resources as Json)[p] as Json
  return (node.methods as Json)[method] as Json
}

function collectRefs(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) for (const n of node) collectRefs(n, out)
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v)
      else collectRefs(v, out)
    }
  }
}

export function buildSubset(doc: Json): Json {
  const methods: Json = {}
  const refs = new Set<string>()
  for (const id of SERVED_METHODS) {
    const m = findMethod(doc, id)
    const { description: _d, scopes, ...rest } = m
    methods[id] = { ...rest, scopes }
    collectRefs(m, refs)
  }
  const schemas = doc.schemas as Json
  const keep: Json = {}
  const queue = [...refs]
  while (queue.length) {
    const name = queue.pop()!
    if (keep[name]) continue
    keep[name] = schemas[name]
    const more = new Set<string>()
    collectRefs(schemas[name], more)
    queue.push(...more)
  }
  return {
    source: "Subset of Google's Gmail API v1 discovery document (see make-discovery-subset.ts)",
    rootUrl: doc.rootUrl,
    servicePath: doc.servicePath,
    batchPath: doc.batchPath,
    parameters: doc.parameters,
    methods,
    schemas: keep,
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const source = process.argv[2] ?? '/work/shared/api/gmail-v1-discovery.json'
  const subset = buildSubset(JSON.parse(readFileSync(source, 'utf8')))
  const target = fileURLToPath(new URL('./discovery-subset.json', import.meta.url))
  writeFileSync(target, `${JSON.stringify(subset, null, 1)}\n`)
  console.log(`wrote ${target}`)
}
