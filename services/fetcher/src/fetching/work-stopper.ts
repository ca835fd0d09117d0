import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';

/** Why a piece of work was told to stop. */
export type StopReason = 'cancelled' | 'unwanted' | 'time_limit' | 'overdue';

export interface StopperOptions {
  /** The sync's cancel broadcast (CancelRegistry). */
  cancel: AbortSignal;
  /** The consumer's `maxHandlerMs` signal: the message is no longer ours. */
  overdue?: AbortSignal | undefined;
  timeLimitMs: number;
  wantedCheckMs: number;
  stillWanted(): Promise<boolean>;
  logger: Logger;
}

/**
 * One abort signal for a piece of work, fired by whichever comes first: a cancel, the sync no
 * longer wanting this run (polled every `wantedCheckMs`: a failed, finished or re-planned sync
 * sends no broadcast), the time limit, or the consumer giving the message up. `reason()` says which.
 * A failed poll (database blip) does not stop the work.
 */
export function workStopper(o: StopperOptions): { signal: AbortSignal; reason(): StopReason | undefined; dispose(): void } {
  const own = new AbortController();
  // Every request, budget wait and back-off of the work listens to this one signal (more than
  // Node's default of 10 with three courses at once); they remove themselves when done.
  setMaxListeners(200, own.signal);
  let why: StopReason | undefined;
  const stop = (reason: StopReason) => {
    if (own.signal.aborted) return;
    why = reason;
    own.abort(new Error(`work stopped: ${reason}`));
  };
  const onCancel = () => stop('cancelled');
  const onOverdue = () => stop('overdue');
  if (o.cancel.aborted) onCancel();
  else o.cancel.addEventListener('abort', onCancel, { once: true });
  if (o.overdue?.aborted) onOverdue();
  else o.overdue?.addEventListener('abort', onOverdue, { once: true });
  const deadline = setTimeout(() => stop('time_limit'), o.timeLimitMs);
  let polling = false;
  const poll = setInterval(() => {
    if (polling || own.signal.aborted) return;
    polling = true;
    o.stillWanted()
      .then((wanted) => wanted || stop('unwanted'))
      .catch((err: unknown) => o.logger.warn({ err }, 'could not check whether the sync still wants this work'))
      .finally(() => (polling = false));
  }, o.wantedCheckMs);
  deadline.unref();
  poll.unref();
  return {
    signal: own.signal,
    reason: () => why,
    dispose: () => {
      clearTimeout(deadline);
      clearInterval(poll);
      o.cancel.removeEventListener('abort', onCancel);
      o.overdue?.removeEventListener('abort', onOverdue);
    },
  };
}
