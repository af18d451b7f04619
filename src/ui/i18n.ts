import type { ErrorInfo } from '../core/types.ts'

/**
 * Every user-visible string goes through chrome.i18n (`_locales/<lang>/messages.json`). The key is
 * returned when a message is missing, which the locale test makes impossible in a build.
 */
export function t(key: string, substitutions?: string | (string | number)[]): string {
  const subs =
    substitutions === undefined ? undefined : Array.isArray(substitutions) ? substitutions.map(String) : substitutions
  try {
    return chrome.i18n.getMessage(key, subs) || key
  } catch {
    return key
  }
}

/** The translated text of a typed error, with the provider's own words as detail where useful. */
export function errorText(error: ErrorInfo): string {
  const text = t(`error_${error.code}`, error.params ?? [])
  return text === `error_${error.code}` ? error.message : text
}

export function uiLanguage(): string {
  try {
    return chrome.i18n.getUILanguage()
  } catch {
    return 'en'
  }
}

export function formatTime(
  epoch: number,
  opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' },
): string {
  return new Intl.DateTimeFormat(uiLanguage(), opts).format(new Date(epoch))
}

/** "in 3 min", "in 2 h" — for ETAs. */
export function formatRelative(epoch: number, now = Date.now()): string {
  const diff = epoch - now
  const rtf = new Intl.RelativeTimeFormat(uiLanguage(), { numeric: 'auto' })
  const abs = Math.abs(diff)
  if (abs < 60_000) return rtf.format(Math.round(diff / 1000), 'second')
  if (abs < 3600_000) return rtf.format(Math.round(diff / 60_000), 'minute')
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3600_000), 'hour')
  return rtf.format(Math.round(diff / 86_400_000), 'day')
}
