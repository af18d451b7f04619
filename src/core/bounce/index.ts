// Public API of the bounce classifier.
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
