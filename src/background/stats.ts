import { db, statKey, utcDay } from '../core/db.ts'
import type { StatRow, StatScope } from '../core/types.ts'

export interface StatTarget {
  templateId?: string
  campaignId?: string
  stepIndex?: number
}

/**
 * Adds to the incremental analytics totals (one row per scope, id and UTC day), so the analytics
 * tab reads a few hundred small rows instead of every outbox row. Call inside the transaction that
 * records the event, with `stats` in its scope, so a total never drifts from what it counts.
 */
export async function bumpStats(
  target: StatTarget,
  at: number,
  field: 'sent' | 'hard' | 'soft' | 'replies',
  by = 1,
): Promise<void> {
  const day = utcDay(at)
  const scopes: [StatScope, string][] = []
  if (target.templateId) scopes.push(['template', target.templateId])
  if (target.campaignId) scopes.push(['campaign', target.campaignId])
  if (target.campaignId && target.stepIndex !== undefined)
    scopes.push(['step', `${target.campaignId}#${target.stepIndex}`])
  for (const [scope, scopeId] of scopes) {
    const key = statKey(scope, scopeId, day)
    const row: StatRow = (await db().stats.get(key)) ?? {
      key,
      scope,
      scopeId,
      day,
      sent: 0,
      hard: 0,
      soft: 0,
      replies: 0,
    }
    row[field] += by
    await db().stats.put(row)
  }
}
