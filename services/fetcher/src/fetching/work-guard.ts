import { isAppError, type HandlerResult, type MessageContext } from '@canvas-sync/shared';
import type { CancelRegistry } from '../cancel/cancel-registry.js';
import type { CanvasSession } from '../canvas/canvas-session.js';
import type { Origin, PipelinePublisher } from '../messaging/pipeline.publisher.js';
import type { SessionFactory } from '../syncs/session-factory.js';
import type { SyncState } from '../syncs/sync-state.repository.js';

/** Whether the sync still wants work of this run (not cancelled, failed or resumed meanwhile). */
export type StillWanted = (syncId: string, run: number) => Promise<boolean>;

/**
 * Errors after which a sync cannot go on until the user acts (reconnect, fix the key). OAuth adds
 * a refused renewal (`canvas_reauth_required`), a host without a developer key and a token
 * endpoint that refuses our key (`canvas_oauth_failed`, e.g. `invalid_client`).
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
] as const;

/**
 * Runs a piece of sync work with what every piece needs: a cancel signal, a Canvas session whose
 * circuit waits are reported to the writer, and one policy for failures — a cancel ends the work
 * quietly, a fatal error fails the sync (so nothing stays `running`), anything else goes back to
 * the consumer (retryable → nak with back-off).
 */
export class WorkGuard {
  constructor(
    private readonly cancels: CancelRegistry,
    private readonly openSession: SessionFactory,
    private readonly publisher: PipelinePublisher,
    private readonly stillWanted: StillWanted,
  ) {}

  async run(sync: SyncState, origin: Origin, ctx: MessageContext, work: (session: CanvasSession) => Promise<void>): Promise<HandlerResult> {
    const tracked = this.cancels.track(sync.id);
    const base = { syncId: sync.id, userId: sync.userId, run: sync.run };
    try {
      // A cancel that landed between the caller's status read and `track` found nothing to abort.
      if (!(await this.stillWanted(sync.id, sync.run))) return 'ack';
      const session = await this.openSession(sync, {
        signal: tracked.signal,
        onCanvasWait: (waiting) => {
          void this.publisher
            .status({ ...base, kind: waiting ? 'waiting_for_canvas' : 'canvas_back' }, origin)
            .catch((err: unknown) => ctx.logger.warn({ err }, 'could not report canvas wait'));
        },
      });
      await work(session);
      return 'ack';
    } catch (err) {
      if (tracked.signal.aborted) {
        ctx.logger.info({ syncId: sync.id }, 'work stopped: sync cancelled');
        return 'ack';
      }
      if (FATAL.some((code) => isAppError(err, code))) {
        const e = err as { code: string; message: string };
        ctx.logger.warn({ syncId: sync.id, code: e.code }, 'sync cannot go on');
        await this.publisher.status({ ...base, kind: 'sync_failed', error: { code: e.code, message: e.message } }, origin, `${sync.id}:r${sync.run}:failed`);
        return 'ack';
      }
      throw err;
    } finally {
      tracked.done();
    }
  }
}
