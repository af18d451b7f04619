import { db } from '../../core/db.ts'
import { DispatchError } from '../../core/errors.ts'
import type { OutboxStatus } from '../../core/messages.ts'
import { pushStatus, statusOf } from '../push.ts'
import { release } from './budget.ts'
import { kick } from './scheduler.ts'

/** Cancels a queued (or scheduled) send. A send already under way cannot be called back. */
export async function cancel(id: string): Promise<OutboxStatus> {
  const row = await db().transaction('rw', db().outbox, async () => {
    const row = await db().outbox.get(id)
    if (!row) throw new DispatchError('not_found', 'No such send')
    if (row.state !== 'queued')
      throw new DispatchError('not_allowed', `A ${row.state} send cannot be cancelled`, [row.state])
    row.state = 'cancelled'
    await db().outbox.update(id, { state: 'cancelled' })
    return row
  })
  // A queued row may hold a reservation from an ambiguous attempt that reconciliation never ran for.
  if (!row.reconcile) await release(db(), id)
  pushStatus(row)
  return statusOf(row)
}

/** Sends a failed message again, on the channel it was fixed to when first queued. */
export async function resend(id: string): Promise<OutboxStatus> {
  const now = Date.now()
  const row = await db().transaction('rw', db().outbox, async () => {
    const row = await db().outbox.get(id)
    if (!row) throw new DispatchError('not_found', 'No such send')
    if (row.state !== 'failed')
      throw new DispatchError('not_allowed', `A ${row.state} send cannot be resent`, [row.state])
    const patch = {
      state: 'queued' as const,
      error: undefined,
      attempts: 0,
      nextAttemptAt: now,
      notBefore: now,
      throttleNotified: false,
    }
    await db().outbox.update(id, patch)
    return Object.assign(row, patch)
  })
  pushStatus(row)
  void kick()
  return statusOf(row)
}
