export { Envelope, defineMessage, type MessageDef, type PayloadOf } from './envelope.js';
export {
  CanvasId,
  ErrorInfo,
  RESOURCES,
  Resource,
  ResourceCounts,
  SyncCounts,
  SyncId,
  SyncMode,
  SyncPhase,
  SyncScope,
  SyncStatus,
  UserId,
} from './common.js';
export { SyncRequested, syncRequested } from './sync-requested.js';
export { FetchUnit, fetchUnit } from './fetch-unit.js';
export { MAX_UNCHANGED_IDS, RawRow, RecordRow, RecordSet, SyncRecords, syncRecords, UnchangedIdSet } from './sync-records.js';
export { contentHash } from './content-hash.js';
export { SyncPlanned, syncPlanned } from './sync-planned.js';
export { SyncStatusEvent, syncStatus } from './sync-status.js';
export { Progress, SyncProgress, syncProgress } from './sync-progress.js';
export { SyncControl, syncControl } from './sync-control.js';
export { DeadLetter, deadLetter } from './dead-letter.js';
export { CanvasChanges, ChangedSubmission, canvasChanges } from './canvas-changes.js';
export { SyncFinished, syncFinished } from './sync-finished.js';
export { userSubjectToken } from './subject-token.js';
export { MESSAGE_CATALOG } from './catalog.js';
export {
  ACK_WAIT_MS,
  DURABLES,
  MAX_MESSAGE_BYTES,
  RECORDS_PART_BYTES,
  consumerConfigs,
  controlSubject,
  namespace,
  streamConfigs,
  TOKEN_BUDGET_KV,
  type ConsumerDef,
  type Namespace,
  type StreamName,
} from './streams.js';
