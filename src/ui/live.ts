import { liveQuery } from 'dexie'
import { useEffect, useState } from 'react'

/**
 * Re-runs a Dexie query whenever the tables it read change — in this page or in the worker (Dexie
 * broadcasts changes between contexts of the extension), so pages update live without polling.
 */
export function useLive<T>(query: () => Promise<T>, deps: unknown[], initial: T): T {
  const [value, setValue] = useState<T>(initial)
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists the query's inputs.
  useEffect(() => {
    const sub = liveQuery(query).subscribe({
      next: setValue,
      error: (err) => console.error('[dispatch] live query failed', err),
    })
    return () => sub.unsubscribe()
  }, deps)
  return value
}
