import { StrictMode } from 'react'
import { flushSync } from 'react-dom'
import { createRoot } from 'react-dom/client'
import type { ComposeHandle, MailboxHint } from '../shared/compose.ts'
import { Sidebar } from './Sidebar.tsx'
import { SIDEBAR_CSS } from './styles.ts'
import { listenForPushes, showSend } from './toast.ts'

/** The lazily loaded half of the content script: React, the sidebar and the page toast. */
export function renderSidebar(
  shadow: ShadowRoot,
  props: { handle: ComposeHandle; host: 'gmail' | 'outlook'; mailboxHint: () => MailboxHint; floating: boolean },
): () => void {
  const style = document.createElement('style')
  style.textContent = SIDEBAR_CSS
  const container = document.createElement('div')
  shadow.append(style, container)
  const root = createRoot(container)
  // Rendered in the same frame the compose appeared in, not a task later.
  flushSync(() =>
    root.render(
      <StrictMode>
        <Sidebar {...props} onQueued={showSend} />
      </StrictMode>,
    ),
  )
  return () => {
    root.unmount()
    style.remove()
    container.remove()
  }
}

export { listenForPushes }
