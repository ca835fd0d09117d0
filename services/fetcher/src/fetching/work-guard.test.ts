import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError, type MessageContext } from '@canvas-sync/shared';
import { CancelRegistry } from '../cancel/cancel-registry.js';
import { createSession } from '../canvas/canvas-session.js';
import type { PipelinePublisher } from '../messaging/pipeline.publisher.js';
import type { SyncState } from '../syncs/sync-state.repository.js';
import { WorkGuard } from './work-guard.js';

const sync: SyncState = { id: 's1', userId: 'u1', status: 'running', run: 1, scope: { type: 'all' }, mode: 'full', chunkSize: 10, planReady: true, connectionId: 'c1' };
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
