/**
 * Wall-clock time in a named IANA zone ⇄ epoch ms, with Intl only (no time-zone library): the
 * scheduler stores epochs; reps pick a date, a time and a zone.
 */

function partsIn(zone: string, epoch: number): Record<string, number> {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
  const out: Record<string, number> = {}
  for (const p of fmt.formatToParts(new Date(epoch))) if (p.type !== 'literal') out[p.type] = Number(p.value)
  return out
}

/** The zone's offset from UTC at `epoch`, in ms (positive east of Greenwich). */
export function zoneOffset(zone: string, epoch: number): number {
  const p = partsIn(zone, epoch)
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!)
  return asUtc - Math.floor(epoch / 1000) * 1000
}

/**
 * `2026-11-23` + `09:30` in `Europe/Berlin` → epoch ms. In a DST gap the time moves forward (as
 * calendars do); in a repeated hour the first occurrence wins.
 */
export function zonedToEpoch(date: string, time: string, zone: string): number {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  const t = /^(\d{2}):(\d{2})$/.exec(time)
  if (!d || !t) return Number.NaN
  const naive = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]))
  // Two passes settle the offset around DST transitions.
  let epoch = naive - zoneOffset(zone, naive)
  epoch = naive - zoneOffset(zone, epoch)
  return epoch
}

export function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** `YYYY-MM-DD` and `HH:MM` of an epoch in a zone, for pre-filling inputs. */
export function epochToZoned(epoch: number, zone: string): { date: string; time: string } {
  const p = partsIn(zone, epoch)
  const pad = (n: number | undefined) => String(n ?? 0).padStart(2, '0')
  return { date: `${p.year}-${pad(p.month)}-${pad(p.day)}`, time: `${pad(p.hour)}:${pad(p.minute)}` }
}
