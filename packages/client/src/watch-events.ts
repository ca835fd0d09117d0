import type { CanvasSyncError } from './errors.js';
import type { SyncChange } from './sync-tracker.js';
import { isTerminal, type ProgressFrame, type SyncView } from './types.js';

/** How a watch gets its news: `live` over the WebSocket, `polling` GET while the socket is down. */
export type ConnectionState = 'connecting' | 'live' | 'polling' | 'closed';

/** The progress marks announced once per sync. */
export type Milestone = 25 | 50 | 75;
export const MILESTONES: readonly Milestone[] = [25, 50, 75];

/** What a watch tells its caller; every handler is optional. */
export interface WatchHandlers {
  /** A full view of a sync was taken (a WebSocket snapshot, or a poll while the socket is down). */
  onSnapshot?(sync: SyncView): void;
  /** A progress frame was taken; `sync` is the view with the frame merged in. */
  onProgress?(frame: ProgressFrame, sync: SyncView): void;
  /** Any accepted change of a sync (after onSnapshot / onProgress): the one handler a UI needs. */
  onChange?(sync: SyncView, previous: SyncView | undefined): void;
  /** A running sync passed 25, 50 or 75 % (once each per sync). */
  onMilestone?(percent: Milestone, sync: SyncView): void;
  /** The sync completed (`sync.status === 'completed'`). */
  onFinished?(sync: SyncView): void;
  /** The sync failed (`sync.error` says why). */
  onFailed?(sync: SyncView): void;
  /** The sync was cancelled (it can be resumed). */
  onCancelled?(sync: SyncView): void;
  onConnectionChange?(state: ConnectionState): void;
  /**
   * Something the caller should know: `unauthenticated` (a fresh token was refused too; the watch
   * closes), `not_found` (the watched sync is not the user's; the watch closes), or an error frame.
   */
  onError?(error: CanvasSyncError): void;
}

/**
 * Calls the handlers for one accepted change. `single`: the watch is of this one sync, so a sync
 * first seen already finished is reported finished (a history snapshot of `watchSyncs` is not).
 */
export function emitChange(handlers: WatchHandlers, change: SyncChange, frame: ProgressFrame | undefined, single: boolean, announced: Map<string, Set<Milestone>>): void {
  const { view, previous } = change;
  if (frame) handlers.onProgress?.(frame, view);
  else handlers.onSnapshot?.(view);
  handlers.onChange?.(view, previous);
  if (previous && !isTerminal(view.status) && !isTerminal(previous.status)) {
    let done = announced.get(view.id);
    for (const mark of MILESTONES) {
      if (previous.progress.percent < mark && view.progress.percent >= mark && !done?.has(mark)) {
        if (!done) announced.set(view.id, (done = new Set()));
        done.add(mark);
        handlers.onMilestone?.(mark, view);
      }
    }
  }
  const ended = isTerminal(view.status) && (previous ? !isTerminal(previous.status) : single);
  if (!ended) return;
  if (view.status === 'completed') handlers.onFinished?.(view);
  else if (view.status === 'failed') handlers.onFailed?.(view);
  else handlers.onCancelled?.(view);
}
