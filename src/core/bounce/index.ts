/**
 * Bounce (NDR/DSN) classifier. DOM-free and free of Node built-ins: the same code runs in the MV3
 * service worker (inbox scanner) and in Node (`npm run bounce`, tests, bench).
 *
 * Typical use by the scanner:
 *   1. `isBounceCandidate(metadata)` on each new message's headers (cheap; may let some ordinary
 *      mail through, never misses an NDR it knows: daemon senders, multipart/report,
 *      Auto-Submitted, X-Failed-Recipients, X-MS-Exchange-Message-Is-Ndr, null Return-Path, NDR and
 *      delay subjects in en/de/nl/sv/pt/zh/fr/es/ja/ru and more);
 *   2. fetch the raw MIME of candidates and `classifyMessage(raw)`;
 *   3. `report.bounce` → record `report.recipients` (each with status, reason, hard/soft kind) and
 *      correlate with `report.original.dispatchId` (our `X-Dispatch-Id`), then `original.messageId`.
 *
 * Telling a person's reply from an automatic answer (campaigns end on a real reply only):
 * `isAutomatedReply(report)` is true for every category but `ordinary` — bounces, delay and
 * delivery notices, auto-replies/out-of-office (RFC 3834, X-Autoreply, localized subjects),
 * challenge-response, read receipts and feedback reports. `report.category === 'autoreply'`
 * singles out auto-replies.
 */
export {
  type BounceCategory,
  type BounceReport,
  type CandidateHeaders,
  classifyMessage,
  classifyMessageSync,
  type FailedRecipient,
  isAutomatedReply,
  isBounceCandidate,
  type OriginalMessage,
} from './classify.ts'
export { HARD_REASONS, kindOf, type Reason } from './tables.ts'
