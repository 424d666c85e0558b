/**
 * The auth files podman and docker read: discovery, parsing, the effective entry, safe writes.
 * File I/O only; no processes (the podman version comes in as an argument).
 */
export {
  AUTHFILE_ONLY_SINCE,
  COMPAT_AUTH_FILE_SINCE,
  authFileCandidates,
  authFileRef,
  parsePodmanVersion,
  podmanAuthBehaviour,
  podmanVersionMatters,
  type AuthFileFormat,
  type AuthFileRef,
  type AuthFileRole,
  type DiscoveryOptions,
  type Engine,
  type PodmanAuthBehaviour,
} from './discovery.js';
export {
  AuthEntry,
  encodeAuth,
  type EntryKind,
  type EntryProblem,
} from './entry.js';
export {
  parseAuthFileText,
  parseJsonText,
  readAuthFile,
  readAuthFiles,
  type AuthFileAbsent,
  type AuthFileCorrupt,
  type AuthFileOk,
  type AuthFileState,
  type AuthFileUnreadable,
} from './file.js';
export {
  keyBelongsToHost,
  normalizeRegistry,
  podmanLookupKeys,
} from './keys.js';
export {
  acquireLock,
  lockPathFor,
  withFileLock,
  type LockOptions,
} from './lock.js';
export {
  effectiveCredential,
  matchEntry,
  matchingSources,
  resolveCredential,
  helperKey,
  type AskHelper,
  type HelperAnswer,
  type Sent,
  type SentKind,
  type CredentialSource,
  type EffectiveCredential,
  type LookupOptions,
  type MatchHow,
  type Outcome,
  type SkippedSource,
} from './match.js';
export { writeCacheFile, writeFileAtomic } from './atomic-write.js';
export { backupStamp, scrubBackups, type Scrub } from './backups.js';
export {
  objectField,
  removeCredHelper,
  removeCredentials,
  setCredHelper,
  setCredential,
  type RemoveCredentialsResult,
  type SetCredentialOptions,
  type SetCredentialResult,
} from './edits.js';
export {
  updateAuthFile,
  type AuthJson,
  type UpdateOptions,
  type UpdateResult,
} from './write.js';
