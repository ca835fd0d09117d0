import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanvasChanges, SyncFinished } from '@canvas-sync/shared';
import { startPipeline, startWebhookReceiver, waitFor, type PipelineHarness, type WebhookReceiver } from '@canvas-sync/testkit';
import { verifyCanvasSyncSignature } from '../../examples/webhook-verify/verify.js';
import { idsOf, outboxDrained, streamEvents, truthDiff, truthOf } from '../../services/writer/test/support/change-events.support.js';

/**
 * Webhooks end to end: syncs through fetcher and writer processes (the writer with WEBHOOK_URL set)
 * reach a real HTTP receiver as signed `sync.finished` and `canvas.changes` deliveries that name
 * exactly the rows the simulator changed.
 */
const SECRET = 'pipeline-webhook-secret-0123456789abcdef';
const USER = 'hook-student';

describe('webhooks from a real pipeline', () => {
  let h: PipelineHarness;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await startPipeline({ sim: { users: [{ profile: 'tiny' }] }, env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_EVENTS: 'sync.finished,canvas.changes' } });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  /** Every delivery, verified with the documented verifier and deduped on `id` as a receiver would. */
  const deliveries = () => {
    const byId = new Map<string, { id: string; type: string; createdAt: string; data: unknown }>();
    for (const r of receiver.received) {
      const check = verifyCanvasSyncSignature(SECRET, r.signature, r.body);
      if (!check.ok) throw new Error(`a delivery failed verification: ${check.reason}`);
      const event = JSON.parse(r.body) as { id: string; type: string; createdAt: string; data: unknown };
      byId.set(event.id, event);
    }
    return [...byId.values()];
  };
  const changesOf = (syncId: string) => deliveries().filter((d) => d.type === 'canvas.changes').map((d) => CanvasChanges.parse(d.data)).filter((c) => c.syncId === syncId);
  const finishedOf = (syncId: string) => deliveries().filter((d) => d.type === 'sync.finished').map((d) => SyncFinished.parse(d.data)).filter((f) => f.syncId === syncId);

  /** Waits until every event of the stream has reached the receiver (by id). */
  const allDelivered = async () => {
    await outboxDrained(h);
    const ids = (await streamEvents(h)).map((e) => e.id);
    await waitFor(async () => ids.every((id) => deliveries().some((d) => d.id === id)), 20_000, 'every event delivered');
  };

  it('delivers sync.finished and canvas.changes naming exactly the rows that changed', async () => {
    const simId = h.sim.users[0]!.id;
    await h.connect(USER, simId);
    const empty = Object.fromEntries(Object.keys(truthOf(h, simId)).map((r) => [r, new Map()]));
    const initial = truthDiff(empty, truthOf(h, simId));

    const first = await h.startSync(USER, { mode: 'full' });
    expect((await h.waitFor(first, ['completed', 'failed'])).status).toBe('completed');
    await allDelivered();
    expect(idsOf(changesOf(first))).toEqual(initial);
    const [finished] = finishedOf(first);
    const row = await h.database.db.selectFrom('syncs').select('counts').where('id', '=', first).executeTakeFirstOrThrow();
    expect(finished).toMatchObject({ syncId: first, userId: USER, status: 'completed', trigger: 'user', dryRun: false, counts: row.counts });

    // Edit an assignment and post a grade: the next sync's deliveries name those two rows only.
    const before = truthOf(h, simId);
    const [editA] = [...before.assignments!.keys()];
    const gradeA = [...before.submissions!.values()].map((s) => (s as { assignment_id: number }).assignment_id).find((a) => a !== editA)!;
    h.sim.mutate({ op: 'editAssignment', assignmentId: editA!, changes: { name: 'Essay 2 (revised)' } });
    h.sim.mutate({ op: 'gradeSubmission', assignmentId: gradeA, userId: simId, score: 9, posted: true });
    const edits = truthDiff(before, truthOf(h, simId));
    const second = await h.startSync(USER, { mode: 'incremental' });
    expect((await h.waitFor(second, ['completed', 'failed'])).status).toBe('completed');
    await allDelivered();
    expect(idsOf(changesOf(second))).toEqual(edits);
    expect(edits.assignments!.updated).toEqual([editA]);
    expect(edits.submissions!.updated).toHaveLength(1);
    const graded = changesOf(second).flatMap((c) => c.submissions ?? []);
    expect(graded).toEqual([expect.objectContaining({ id: edits.submissions!.updated[0], assignmentId: gradeA, score: 9, workflowState: 'graded' })]);
    expect(finishedOf(second)).toHaveLength(1);
  });
});
