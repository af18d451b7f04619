/**
 * Where the extension talks to. A production build points at the real providers; test and demo
 * builds point every endpoint at the local emulator (see vite.config.ts). Nothing at run time can
 * change these: a page cannot redirect the worker's traffic.
 */
export interface Endpoints {
  /** Gmail REST API root, e.g. https://gmail.googleapis.com */
  gmailApi: string
  /** Microsoft Graph root including version, e.g. https://graph.microsoft.com/v1.0 */
  graphApi: string
  googleAuthorize: string
  googleToken: string
  /** Microsoft identity platform root, e.g. https://login.microsoftonline.com */
  microsoftLogin: string
}

declare const __DISPATCH_ENDPOINTS__: Endpoints
declare const __DISPATCH_BUILD__: 'production' | 'test' | 'demo'
declare const __DISPATCH_OAUTH__: {
  googleClientId: string
  googleClientSecret: string
  microsoftClientId: string
  microsoftTenant: string
}

export const endpoints: Endpoints = __DISPATCH_ENDPOINTS__
export const buildKind = __DISPATCH_BUILD__
export const oauthDefaults = __DISPATCH_OAUTH__
