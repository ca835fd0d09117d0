import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError, type MessageContext } from '@canvas-sync/shared';
import { CancelRegistry } from '../cancel/cancel-registry.js';
import { createSession } from '../canvas/canvas-session.js';
import type { PipelinePublisher } from '../messaging/pipeline.publisher.js';
import type { SyncState } from '../syncs/sync-state.repository.js';
import { WorkGuard } from './work-guard.js';

const sync: SyncState = { id: 's1', userId: 'u1', status: 'running', run: 1, scope: { type: 'all' }, chunkSize: 10, planReady: true, connectionId: 'c1' };
const ctx: MessageContext = { msgId: 'm1', correlationId: 'c', deliveryCount: 1, lastDelivery: false, traceparent: undefined, logger: pino({ level: 'silent' }) };

/** Runs work that throws `err` under a WorkGuard; returns what went up and the statuses published. */
async function guarded(err: AppError): Promise<{ thrown: unknown; kinds: string[] }> {
  const kinds: string[] = [];
  const publisher = { status: async (m: { kind: string }) => void kinds.push(m.kind) } as unknown as PipelinePublisher;
  const guard = new WorkGuard(new CancelRegistry(), async () => createSession('https://canvas.example.edu', 'tok'), publisher, async () => true);
  const thrown = await guard.run(sync, { correlationId: 'c', traceparent: undefined }, ctx, async () => Promise.reject(err)).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { thrown, kinds };
}

describe('WorkGuard: which failures fail the sync', () => {
  it('hands canvas_busy back to the consumer (nak and retry), like a Canvas outage, without failing the sync', async () => {
    for (const code of ['canvas_busy', 'canvas_unavailable'] as const) {
      const err = new AppError(code);
      expect(await guarded(err)).toEqual({ thrown: err, kinds: [] });
    }
  });

  it('fails the sync on a limit of one answer', async () => {
    expect(await guarded(new AppError('canvas_response_too_large'))).toEqual({ thrown: undefined, kinds: ['sync_failed'] });
  });
});

describe('WorkGuard: a failed run stops its own work only', () => {
  it("a fatal error of a run does not stop the next run's work (a resume started meanwhile); a cancel stops both", async () => {
    const cancels = new CancelRegistry();
    const publisher = { status: async () => undefined } as unknown as PipelinePublisher;
    const guard = new WorkGuard(cancels, async (_s, o) => createSession('https://canvas.example.edu', 'tok', o), publisher, async () => true);
    const origin = { correlationId: 'c', traceparent: undefined };
    let stopped: string | undefined;
    let finish!: () => void;
    // Run 2 works until told; it notes whether its session was aborted meanwhile.
    const next = guard.run({ ...sync, run: 2 }, origin, ctx, (session) =>
      new Promise<void>((resolve, reject) => {
        finish = resolve;
        session.signal?.addEventListener('abort', () => reject(new Error((stopped = 'aborted'))));
      }),
    );
    await new Promise((r) => setImmediate(r));
    // Run 1's last request comes back 401 after the resume: it fails run 1 (sync_failed, dedup'd by run).
    expect(await guard.run(sync, origin, ctx, async () => Promise.reject(new AppError('canvas_token_invalid')))).toBe('ack');
    expect(stopped).toBeUndefined();
    finish();
    expect(await next).toBe('ack');
    // A cancel broadcast names no run: it stops every run's work.
    const third = guard.run({ ...sync, run: 3 }, origin, ctx, (session) => new Promise<void>((_resolve, reject) => session.signal?.addEventListener('abort', () => reject(new Error('aborted')))));
    await new Promise((r) => setImmediate(r));
    cancels.cancel(sync.id);
    expect(await third).toBe('ack');
  });
});
