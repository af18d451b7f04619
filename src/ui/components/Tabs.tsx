import { useRef } from 'react'

/** An ARIA tab list with arrow-key navigation. */
export function TabList<T extends string>({
  label,
  tabs,
  current,
  onChange,
}: {
  label: string
  tabs: { id: T; label: string }[]
  current: T
  onChange: (id: T) => void
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([])
  const onKey = (e: React.KeyboardEvent, i: number) => {
    const dir = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0
    const next =
      e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : dir ? (i + dir + tabs.length) % tabs.length : -1
    if (next < 0) return
    e.preventDefault()
    onChange(tabs[next]!.id)
    refs.current[next]?.focus()
  }
  return (
    <div role="tablist" aria-label={label} className="tabs">
      {tabs.map((tab, i) => (
        <button
          key={tab.id}
          ref={(el) => {
            refs.current[i] = el
          }}
          type="button"
          role="tab"
          id={`tab-${tab.id}`}
          aria-selected={tab.id === current}
          aria-controls={`panel-${tab.id}`}
          tabIndex={tab.id === current ? 0 : -1}
          onClick={() => onChange(tab.id)}
          onKeyDown={(e) => onKey(e, i)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  )
}
