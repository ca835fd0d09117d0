/** The shapes of DESIGN.md the panel reads: those of @canvas-sync/client (generated from /openapi.json). */
export { isTerminal, type ProgressFrame, type SyncCounts as Counts, type SyncScope as Scope, type SyncStatus, type SyncView } from '@canvas-sync/client';
