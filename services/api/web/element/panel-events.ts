import type { ErrorInfo } from '@canvas-sync/client';
import type { Counts, Scope, SyncStatus, SyncView } from '../lib/types.js';

/** The DOM events a `<canvas-sync-panel>` dispatches (DESIGN.md "Embedding"; docs/embedding.md). */
export interface PanelEventMap {
  /** The user started (or resumed) a sync or a preview from this panel. */
  'canvas-sync:started': { syncId: string; dryRun: boolean; scope: Scope | null; mode: 'full' | 'incremental' | null; resumed: boolean };
  /** A watched sync passed 25, 50 or 75 %. */
  'canvas-sync:milestone': { syncId: string; percent: number; dryRun: boolean };
  /** A watched sync ended without error: `completed`, or `cancelled` (it keeps its checkpoint). */
  'canvas-sync:finished': { syncId: string; status: Extract<SyncStatus, 'completed' | 'cancelled'>; dryRun: boolean; counts: Counts };
  /** A watched sync failed; `error.code` is the api's stable code (e.g. `canvas_reauth_required`). */
  'canvas-sync:failed': { syncId: string; dryRun: boolean; error: ErrorInfo };
}

export type PanelEventName = keyof PanelEventMap;
export type PanelEmit = <K extends PanelEventName>(name: K, detail: PanelEventMap[K]) => void;

/** Events cross the shadow boundary (`composed`) and bubble, so a listener on any ancestor hears them. */
export function emitterFor(target: EventTarget): PanelEmit {
  return (name, detail) => void target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}

const MILESTONES = [25, 50, 75];

/** The events one change of a sync means (`previous` undefined = first sight, which announces nothing). */
export function eventsOf(view: SyncView, previous: SyncView | undefined, emit: PanelEmit): void {
  if (!previous) return;
  const terminal = (s: SyncStatus) => s === 'completed' || s === 'failed' || s === 'cancelled';
  if (!terminal(view.status)) {
    for (const percent of MILESTONES) {
      if (view.progress.percent >= percent && previous.progress.percent < percent) emit('canvas-sync:milestone', { syncId: view.id, percent, dryRun: view.dryRun });
    }
    return;
  }
  if (terminal(previous.status)) return;
  if (view.status === 'failed') emit('canvas-sync:failed', { syncId: view.id, dryRun: view.dryRun, error: view.error ?? { code: 'unknown', message: 'The sync failed.' } });
  else emit('canvas-sync:finished', { syncId: view.id, status: view.status as 'completed' | 'cancelled', dryRun: view.dryRun, counts: view.counts });
}
