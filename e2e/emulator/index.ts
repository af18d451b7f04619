/**
 * Local stand-in for the Gmail API, Microsoft Graph and both identity providers, for the test and
 * demo builds (see README.md in this folder).
 */
export type { AddAccount, Limits, Rejection } from './core.ts'
export { providerLimits } from './core.ts'
export type { AccountInfo, Emulator, EmulatorOptions, MailboxView, MessageView } from './emulator.ts'
export { startEmulator } from './emulator.ts'
export type { FaultConfig } from './faults.ts'
export { FAULT_KINDS } from './faults.ts'
export type { FaultKind, LogEntry } from './http.ts'
export type { Header } from './mime.ts'
export type { NdrKind, NdrLang } from './ndr.ts'
export { buildNdr, EXCHANGE_SYSTEM_MAILBOX, EXCHANGE_TEXT } from './ndr.ts'
export { ALL_GOOGLE_SCOPES, ALL_GRAPH_SCOPES, DEFAULT_CLIENTS } from './oauth.ts'
export type { SendRecord } from './store.ts'
