import { liveQuery } from 'dexie'
import { useEffect, useState } from 'react'

/**
 * Re-runs a Dexie query whenever the tables it read change — in this page or in the worker (Dexie
 * broadcasts changes between contexts of the extension), so pages update live without polling.
 * `key` names the query's inputs: a new key starts a new subscription.
 */
export function useLive<T>(query: () => Promise<T>, key: string, initial: T): T {
  const [value, setValue] = useState<T>(initial)
  useEffect(() => {
    const sub = liveQuery(query).subscribe({
      next: setValue,
      error: (err) => console.error('[dispatch] live query failed', err),
    })
    return () => sub.unsubscribe()
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the query is re-created each render; `key` is its identity.
  }, [key])
  return value
}
