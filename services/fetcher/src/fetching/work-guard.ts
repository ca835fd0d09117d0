import { AppError, isAppError, type HandlerResult, type MessageContext } from '@canvas-sync/shared';
import type { CancelRegistry } from '../cancel/cancel-registry.js';
import type { CanvasSession } from '../canvas/canvas-session.js';
import type { WorkBudget } from '../canvas/walk-limits.js';
import type { Origin, PipelinePublisher } from '../messaging/pipeline.publisher.js';
import type { SessionFactory } from '../syncs/session-factory.js';
import type { SyncState } from '../syncs/sync-state.repository.js';
import { workStopper, type StopReason } from './work-stopper.js';

/** Whether the sync still wants work of this run (not cancelled, failed, finished or re-planned meanwhile). */
export type StillWanted = (syncId: string, run: number) => Promise<boolean>;

/** How long one piece of work may run, and how often it asks whether its sync still wants it. */
export interface WorkLimits {
  /** Past this the sync fails with `canvas_time_limit` (`CANVAS_WORK_TIME_LIMIT_MS`). */
  timeLimitMs: number;
  /** `FETCHER_WANTED_CHECK_MS`: a sync failed, finished or re-planned elsewhere stops this work within this. */
  wantedCheckMs: number;
}

export const DEFAULT_WORK_LIMITS: WorkLimits = { timeLimitMs: 10 * 60_000, wantedCheckMs: 5_000 };

/**
 * Errors after which a sync cannot go on until the user acts (reconnect, fix the key) or the limits
 * change. OAuth adds a refused renewal (`canvas_reauth_required`), a host without a developer key
 * and a token endpoint that refuses our key (`canvas_oauth_failed`, e.g. `invalid_client`).
 */
const FATAL = [
  'canvas_token_invalid',
  'canvas_reauth_required',
  'canvas_oauth_unavailable',
  'canvas_oauth_failed',
  'no_connection',
  'config_invalid',
  'canvas_redirect_refused',
  'canvas_bad_request',
  'canvas_url_invalid',
  'canvas_response_too_large',
  'canvas_pagination_limit',
  'canvas_time_limit',
] as const;

/**
 * Runs a piece of sync work with what every piece needs: a stop signal, a Canvas session whose
 * circuit waits are reported to the writer, and one policy for failures. The work stops when its
 * sync is cancelled (broadcast), no longer wanted (failed, finished or re-planned: polled), past
 * its time limit, or past the consumer's `maxHandlerMs` — a stopped walk never runs on beside a
 * redelivered copy. A cancel or an unwanted sync ends the work quietly; a fatal error (or the time
 * limit) fails the sync and stops the sync's other work in this process; anything else goes back
 * to the consumer (retryable → nak with back-off).
 */
export class WorkGuard {
  constructor(
    private readonly cancels: CancelRegistry,
    private readonly openSession: SessionFactory,
    private readonly publisher: PipelinePublisher,
    private readonly stillWanted: StillWanted,
    private readonly limits: WorkLimits = DEFAULT_WORK_LIMITS,
  ) {}

  async run(sync: SyncState, origin: Origin, ctx: MessageContext, work: (session: CanvasSession) => Promise<void>, budget?: WorkBudget): Promise<HandlerResult> {
    const tracked = this.cancels.track(sync.id, sync.run);
    const base = { syncId: sync.id, userId: sync.userId, run: sync.run };
    let waitingForCanvas = false;
    const stopper = workStopper({ cancel: tracked.signal, overdue: ctx.signal, timeLimitMs: this.limits.timeLimitMs, wantedCheckMs: this.limits.wantedCheckMs, stillWanted: () => this.stillWanted(sync.id, sync.run), logger: ctx.logger });
    try {
      // A cancel that landed between the caller's status read and `track` found nothing to abort.
      if (!(await this.stillWanted(sync.id, sync.run))) return 'ack';
      const session = await this.openSession(sync, {
        signal: stopper.signal,
        ...(budget ? { budget } : {}),
        onRowsSkipped: (path, count) => {
          const unitKey = /^\/api\/v1\/courses\/(\d+)\//.exec(path)?.[1];
          const error = { code: 'canvas_row_without_id', message: `Canvas sent ${count} row${count === 1 ? '' : 's'} without a usable id in ${path}; ${count === 1 ? 'it was' : 'they were'} skipped.` };
          void this.publisher
            .status({ ...base, kind: 'rows_skipped', unitKey: unitKey ? `course:${unitKey}` : 'courses', error }, origin)
            .catch((err: unknown) => ctx.logger.warn({ err }, 'could not report skipped rows'));
        },
        onCanvasWait: (waiting) => {
          waitingForCanvas = waiting;
          void this.publisher
            .status({ ...base, kind: waiting ? 'waiting_for_canvas' : 'canvas_back' }, origin)
            .catch((err: unknown) => ctx.logger.warn({ err }, 'could not report canvas wait'));
        },
      });
      await work(session);
      return 'ack';
    } catch (err) {
      const reason: StopReason | undefined = stopper.reason();
      if (reason === 'cancelled' || reason === 'unwanted') {
        ctx.logger.info({ syncId: sync.id, reason }, 'work stopped: the sync no longer wants it');
        return 'ack';
      }
      const timeUp = reason === 'time_limit' || reason === 'overdue';
      if (timeUp && waitingForCanvas) {
        // Canvas is down, not slow on purpose: the circuit decides, the stall watchdog bounds it.
        throw new AppError('canvas_unavailable', 'Canvas did not come back within the time limit of one piece of work.');
      }
      const failure = timeUp ? new AppError('canvas_time_limit', `Canvas took longer than ${Math.round(this.limits.timeLimitMs / 1000)} s for one piece of this sync; the sync stopped.`) : err;
      if (FATAL.some((code) => isAppError(failure, code))) {
        const e = failure as AppError;
        ctx.logger.warn({ syncId: sync.id, code: e.code }, 'sync cannot go on');
        await this.publisher.status({ ...base, kind: 'sync_failed', error: { code: e.code, message: e.message } }, origin, `${sync.id}:r${sync.run}:failed`);
        this.cancels.cancel(sync.id, sync.run);
        return 'ack';
      }
      throw err;
    } finally {
      stopper.dispose();
      tracked.done();
    }
  }
}
