import { crx } from '@crxjs/vite-plugin'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import baseManifest from './manifest.json' with { type: 'json' }
import type { Endpoints } from './src/config.ts'

/**
 * Three builds from one source:
 *  - production (`npm run build`, dist/): real Google and Microsoft endpoints only;
 *  - test (dist-test/): every endpoint on the emulator at 127.0.0.1:$DISPATCH_EMULATOR_PORT;
 *  - demo (dist-demo/): the same for `npm run demo`, on its own port.
 */
export const EMULATOR_PORTS = { test: 47811, demo: 47812 } as const

const PRODUCTION: Endpoints = {
  gmailApi: 'https://gmail.googleapis.com',
  graphApi: 'https://graph.microsoft.com/v1.0',
  googleAuthorize: 'https://accounts.google.com/o/oauth2/v2/auth',
  googleToken: 'https://oauth2.googleapis.com/token',
  microsoftLogin: 'https://login.microsoftonline.com',
}

function emulatorEndpoints(base: string): Endpoints {
  return {
    gmailApi: base,
    graphApi: `${base}/v1.0`,
    googleAuthorize: `${base}/o/oauth2/v2/auth`,
    googleToken: `${base}/token`,
    microsoftLogin: base,
  }
}

export default defineConfig(({ mode }) => {
  const kind = mode === 'test' || mode === 'demo' ? mode : 'production'
  const port = Number(process.env.DISPATCH_EMULATOR_PORT ?? (kind === 'production' ? 0 : EMULATOR_PORTS[kind]))
  const endpoints = kind === 'production' ? PRODUCTION : emulatorEndpoints(`http://127.0.0.1:${port}`)
  const manifest = structuredClone(baseManifest) as typeof baseManifest
  if (kind !== 'production') {
    // Test and demo builds reach the emulator; production never lists it.
    manifest.host_permissions = [...manifest.host_permissions, 'http://127.0.0.1/*']
    manifest.name = kind === 'demo' ? 'Dispatch (demo)' : 'Dispatch (test)'
  }
  const oauth = {
    googleClientId: process.env.DISPATCH_GOOGLE_CLIENT_ID ?? (kind === 'production' ? '' : 'emulator-google-client'),
    googleClientSecret:
      process.env.DISPATCH_GOOGLE_CLIENT_SECRET ?? (kind === 'production' ? '' : 'emulator-google-secret'),
    microsoftClientId:
      process.env.DISPATCH_MICROSOFT_CLIENT_ID ?? (kind === 'production' ? '' : 'emulator-microsoft-client'),
    microsoftTenant: process.env.DISPATCH_MICROSOFT_TENANT ?? 'common',
  }
  return {
    plugins: [react(), crx({ manifest })],
    define: {
      __DISPATCH_ENDPOINTS__: JSON.stringify(endpoints),
      __DISPATCH_BUILD__: JSON.stringify(kind),
      __DISPATCH_OAUTH__: JSON.stringify(oauth),
    },
    build: {
      outDir: process.env.DISPATCH_OUT_DIR ?? (kind === 'production' ? 'dist' : `dist-${kind}`),
      emptyOutDir: true,
      target: 'chrome116',
      sourcemap: kind !== 'production',
      chunkSizeWarningLimit: 1024,
    },
  }
})
