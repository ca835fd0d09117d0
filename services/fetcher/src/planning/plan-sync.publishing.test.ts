import { setImmediate as tick } from 'node:timers/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CanvasClient } from '../canvas/canvas.client.js';
import { createSession } from '../canvas/canvas-session.js';
import { DEFAULT_SYNC_LIMITS } from '../canvas/walk-limits.js';
import type { PipelinePublisher } from '../messaging/pipeline.publisher.js';
import type { SyncState } from '../syncs/sync-state.repository.js';
import { planWork } from './plan-sync.handler.js';

const sync: SyncState = { id: '5b0e3a55-0c55-4c1e-9d42-2f3f1b6f7a03', userId: 'u1', status: 'running', run: 0, scope: { type: 'all' }, chunkSize: 2, planReady: false, connectionId: 'c1' };
const origin = { correlationId: sync.id, traceparent: undefined };

/** A publisher whose acks (JetStream's) come only when the test lets them: it records what was handed to it meanwhile. */
function heldAcks() {
  const sent: string[] = [];
  const held: Array<() => void> = [];
  const hold = (what: string) => {
    sent.push(what);
    return new Promise<void>((resolve) => held.push(resolve));
  };
  const publisher: PipelinePublisher = {
    records: (m) => hold(`records:${m.unitKey}`),
    planned: () => hold('planned'),
    unit: (m) => hold(`unit:${m.unitIndex}`),
    status: (m) => hold(`status:${m.kind}`),
  };
  return { publisher, sent, ackAll: () => held.splice(0).forEach((ack) => ack()) };
}

/** One page of five readable courses. */
const canvas = {
  async *paginate() {
    yield [1, 2, 3, 4, 5].map((id) => ({ id, name: `Course ${id}`, term: { id: 7, name: 'Fall' } }));
  },
} as unknown as CanvasClient;

describe('planner: publishing the plan', () => {
  it('hands the course list, the plan and every fetch unit to JetStream without waiting for one ack after another', async () => {
    const { publisher, sent, ackAll } = heldAcks();
    const work = planWork({ db: undefined as never, canvas, publisher, syncLimits: DEFAULT_SYNC_LIMITS }, sync, origin, { logger: pino({ level: 'silent' }) });
    let finished = false;
    const planning = work(createSession('https://canvas.school.test', 'tok')).then(() => (finished = true));
    await tick();
    // Before: the course list's records waited for their ack, the plan for its own, each unit for
    // the previous one's: ~3 + units broker round trips before the first unit could be fetched.
    expect(sent).toEqual(['records:courses', 'planned', 'unit:0', 'unit:1', 'unit:2']);
    expect(finished).toBe(false);
    // Acked only once every ack is in: a lost publish still fails the planning (and it is retried).
    ackAll();
    await planning;
    expect(finished).toBe(true);
  });

  it('fails the planning (the message is retried) when any of those publishes fails, after sending the rest', async () => {
    const { publisher, sent, ackAll } = heldAcks();
    const refused = new Error('publish ack timed out');
    const work = planWork({ db: undefined as never, canvas, publisher: { ...publisher, planned: () => Promise.reject(refused) }, syncLimits: DEFAULT_SYNC_LIMITS }, sync, origin, { logger: pino({ level: 'silent' }) });
    const planning = work(createSession('https://canvas.school.test', 'tok')).catch((err: unknown) => err);
    await tick();
    ackAll();
    expect(await planning).toBe(refused);
    expect(sent).toEqual(['records:courses', 'unit:0', 'unit:1', 'unit:2']);
  });
});
