import { defineConfig } from 'vitest/config'

// Unit and integration tests that run in Node. Browser-level tests live in e2e/*.spec.ts (Playwright).
export default defineConfig({
  define: {
    __DISPATCH_ENDPOINTS__: JSON.stringify({
      gmailApi: 'http://127.0.0.1:1',
      graphApi: 'http://127.0.0.1:1/v1.0',
      googleAuthorize: 'http://127.0.0.1:1/o/oauth2/v2/auth',
      googleToken: 'http://127.0.0.1:1/token',
      microsoftLogin: 'http://127.0.0.1:1',
    }),
    __DISPATCH_BUILD__: JSON.stringify('test'),
    __DISPATCH_OAUTH__: JSON.stringify({
      googleClientId: 'unit-google',
      googleClientSecret: 'unit-secret',
      microsoftClientId: 'unit-microsoft',
      microsoftTenant: 'common',
    }),
  },
  test: {
    include: [
      'src/**/*.test.{ts,tsx}',
      'relay/**/*.test.ts',
      'e2e/emulator/**/*.test.ts',
      'scripts/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    testTimeout: 20_000,
    pool: 'forks',
  },
})
