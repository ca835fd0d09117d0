export { SyncDiff, SyncView, SyncWarning, progressOf, toProgressEvent, toSyncView } from './sync-view.js';
export { estimateEtaSeconds, type EtaHistory } from './eta.js';
