import { canvasChanges } from './canvas-changes.js';
import { deadLetter } from './dead-letter.js';
import { fetchUnit } from './fetch-unit.js';
import type { MessageDef } from './envelope.js';
import { syncControl } from './sync-control.js';
import { syncPlanned } from './sync-planned.js';
import { syncProgress } from './sync-progress.js';
import { syncRecords } from './sync-records.js';
import { syncRequested } from './sync-requested.js';
import { syncFinished } from './sync-finished.js';
import { syncStatus } from './sync-status.js';

/** Every message type, by `type`; contract tests walk this list. */
export const MESSAGE_CATALOG: readonly MessageDef[] = [
  syncRequested,
  fetchUnit,
  syncRecords,
  syncPlanned,
  syncStatus,
  syncProgress,
  syncControl,
  deadLetter,
  canvasChanges,
  syncFinished,
];
