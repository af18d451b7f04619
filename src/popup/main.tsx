import { createRoot } from 'react-dom/client'

createRoot(document.getElementById('root')!).render(<p>popup</p>)
