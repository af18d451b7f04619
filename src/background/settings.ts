import { db } from '../core/db.ts'
import { DispatchError } from '../core/errors.ts'
import { type AdminSettings, mergeSettings, type Settings, settingsPatchSchema } from '../core/settings.ts'

async function readPolicy(): Promise<Partial<AdminSettings>> {
  try {
    // Empty when no enterprise policy is installed; rejects on platforms without managed storage.
    return (await chrome.storage.managed.get(null)) as Partial<AdminSettings>
  } catch {
    return {}
  }
}

export async function loadSettings(): Promise<{ settings: Settings; locked: (keyof AdminSettings)[] }> {
  const [policy, rows] = await Promise.all([readPolicy(), db().settings.toArray()])
  const stored = Object.fromEntries(rows.map((r) => [r.key, r.value])) as Partial<Settings>
  return mergeSettings(policy, stored)
}

export async function getSettings(): Promise<Settings> {
  return (await loadSettings()).settings
}

/** Options-page writes. A key the admin's policy sets cannot be changed here. */
export async function saveSettings(patch: Record<string, unknown>): Promise<void> {
  const { locked } = await loadSettings()
  for (const key of Object.keys(patch)) {
    if ((locked as string[]).includes(key))
      throw new DispatchError('not_allowed', `${key} is set by your administrator`, [key])
  }
  const parsed = settingsPatchSchema.safeParse(patch)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new DispatchError(
      'invalid_message',
      `Invalid setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
    )
  }
  await db().settings.bulkPut(Object.entries(parsed.data).map(([key, value]) => ({ key, value })))
}
