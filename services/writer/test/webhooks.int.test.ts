import { jetstreamManager } from '@nats-io/jetstream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canvasChanges, publish, syncFinished, userSubjectToken, type CanvasChanges, type DeadLetter, type RunningConsumer, type SyncFinished } from '@canvas-sync/shared';
import { createTestNats, startWebhookReceiver, waitFor, type TestNats, type WebhookReceiver } from '@canvas-sync/testkit';
import { verifyCanvasSyncSignature } from '../../../examples/webhook-verify/verify.js';
import type { WebhookConfig, WebhookEventType } from '../src/webhooks/webhook-config.js';
import { startWebhookDispatcher, WEBHOOK_DURABLE } from '../src/webhooks/webhook-dispatcher.js';
import type { WebhookAttemptOutcome } from '../src/webhooks/webhook-metrics.js';
import type { RetryPolicy } from '../src/webhooks/webhook.handler.js';

/**
 * The dispatcher against real JetStream (stream CANVAS_EVENTS of a namespace of its own) and a real
 * HTTP receiver: events are published the way the writer's outbox publishes them.
 */
const SECRET = 'webhook-test-secret-of-32-chars!!';
const FAST_RETRY: RetryPolicy = { baseMs: 200, maxMs: 800, windowMs: 120_000 };
const logger = pino({ level: 'silent' });

let nats: TestNats;
let receiver: WebhookReceiver;
const running: RunningConsumer[] = [];
const attempts: Record<WebhookAttemptOutcome, number> = { delivered: 0, failed: 0, given_up: 0 };

beforeEach(async () => {
  nats = await createTestNats();
  receiver = await startWebhookReceiver();
  for (const k of Object.keys(attempts) as WebhookAttemptOutcome[]) attempts[k] = 0;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop(5_000)));
  await receiver?.close();
  await nats?.close();
});

async function dispatcher(events: WebhookEventType[] = ['sync.finished'], retry = FAST_RETRY, timeoutMs = 10_000): Promise<RunningConsumer> {
  const config: WebhookConfig = { url: receiver.url, secret: SECRET, events, timeoutMs, concurrency: 4 };
  const consumer = await startWebhookDispatcher({ js: nats.js, ns: nats.ns, logger, config, retry, metrics: { attempt: (o) => attempts[o]++ } });
  running.push(consumer);
  return consumer;
}

const finished = (n: number): SyncFinished => ({
  syncId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  userId: `user-${n}`,
  status: 'completed',
  counts: { courses: { created: n, updated: 0, unchanged: 0, deleted: 0 } },
  finishedAt: new Date().toISOString(),
  trigger: 'user',
  dryRun: false,
});
const changes = (n: number): CanvasChanges => ({ userId: 'user.with.dots', syncId: finished(n).syncId, resource: 'submissions', created: [n], updated: [], deleted: [], submissions: [{ id: n, assignmentId: 7, score: 9.5, grade: 'A', workflowState: 'graded', postedAt: null }] });

const publishFinished = (payload: SyncFinished) => publish(nats.js, nats.ns, syncFinished, payload, { correlationId: payload.syncId, tokens: [userSubjectToken(payload.userId)] });
const publishChanges = (payload: CanvasChanges) => publish(nats.js, nats.ns, canvasChanges, payload, { correlationId: payload.syncId, tokens: [userSubjectToken(payload.userId)] });

/** The deliveries that verify with the documented verifier, parsed; throws on any that does not. */
function verifiedDeliveries(): Array<{ id: string; type: string; createdAt: string; data: unknown }> {
  return receiver.received.map((r) => {
    const check = verifyCanvasSyncSignature(SECRET, r.signature, r.body);
    if (!check.ok) throw new Error(`a delivery failed verification: ${check.reason}`);
    return JSON.parse(r.body);
  });
}
const deliveredIds = () => new Set(receiver.received.filter((r) => r.answered === 204).map((r) => (JSON.parse(r.body) as { id: string }).id));

/** Everything delivered to the durable has been acked (or given up): nothing left to send. */
async function drained(): Promise<boolean> {
  const info = await (await jetstreamManager(nats.nc)).consumers.info(nats.ns.stream('CANVAS_EVENTS'), WEBHOOK_DURABLE);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}

describe('webhook dispatcher', () => {
  it('POSTs {id, type, createdAt, data} with a signature the documented verifier accepts', async () => {
    await dispatcher();
    const payload = finished(1);
    const { id } = await publishFinished(payload);
    await waitFor(async () => attempts.delivered >= 1, 30_000, 'a delivery');
    const [delivery] = verifiedDeliveries();
    expect(delivery).toEqual({ id, type: 'sync.finished', createdAt: expect.any(String), data: payload });
    expect(Date.parse(delivery!.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(receiver.received[0]!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(receiver.received[0]!.body).not.toContain(SECRET);
    // (An attempt may time out on a loaded machine and be retried: then the same delivery again.)
    expect(attempts.delivered).toBe(1);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
  });

  it('a receiver down for a while (refusing, then 500s) gets every event afterwards, across a dispatcher restart', { timeout: 150_000 }, async () => {
    let first = await dispatcher();
    await receiver.setMode('down');
    const published = await Promise.all(Array.from({ length: 12 }, (_, i) => publishFinished(finished(i + 10))));
    await waitFor(async () => attempts.failed >= 12, 30_000, () => `12 refused attempts (${attempts.failed})`);
    await receiver.setMode('error');
    await waitFor(async () => receiver.received.length >= 6, 30_000, 'retries answered with 500');
    // Restart mid-outage: the new dispatcher picks the pending retries up from the durable.
    await first.stop(5_000);
    running.splice(running.indexOf(first), 1);
    first = await dispatcher();
    const before = receiver.received.length;
    await waitFor(async () => receiver.received.length >= before + 3, 30_000, 'retries after the restart');
    expect(deliveredIds().size).toBe(0);
    await receiver.setMode('ok');
    const ids = published.map((p) => p.id);
    await waitFor(async () => ids.every((id) => deliveredIds().has(id)), 30_000, () => `all 12 delivered (${deliveredIds().size})`);
    const deliveries = verifiedDeliveries();
    expect(new Set(deliveries.map((d) => d.id))).toEqual(new Set(ids));
    expect(attempts.given_up).toBe(0);
    expect(attempts.failed).toBeGreaterThanOrEqual(12);
    // Each retry of an event is the same event: same body, so the same id for dedupe.
    for (const id of ids) {
      const bodies = new Set(receiver.received.filter((r) => JSON.parse(r.body).id === id).map((r) => r.body));
      expect(bodies.size, id).toBe(1);
    }
  });

  it('sends only the WEBHOOK_EVENTS types', async () => {
    await dispatcher(['canvas.changes']);
    await publishFinished(finished(1));
    const { id } = await publishChanges(changes(2));
    await publishFinished(finished(3));
    await waitFor(drained, 30_000, 'the durable drained');
    const deliveries = verifiedDeliveries();
    expect(deliveries).toEqual([{ id, type: 'canvas.changes', createdAt: expect.any(String), data: changes(2) }]);
  });

  it('sends both types when both are listed', async () => {
    await dispatcher(['sync.finished', 'canvas.changes']);
    const a = await publishFinished(finished(1));
    const b = await publishChanges(changes(2));
    await waitFor(drained, 30_000, 'the durable drained');
    expect(new Map(verifiedDeliveries().map((d) => [d.id, d.type]))).toEqual(new Map([[a.id, 'sync.finished'], [b.id, 'canvas.changes']]));
  });

  it('a POST that times out is retried as the same event: duplicates carry the same id', async () => {
    await receiver.setMode('hang');
    await dispatcher(['sync.finished'], FAST_RETRY, 1_000);
    const { id } = await publishFinished(finished(5));
    await waitFor(async () => receiver.received.length >= 2, 30_000, 'two attempts at the hanging receiver');
    await receiver.setMode('ok');
    await waitFor(async () => deliveredIds().has(id), 30_000, 'the delivery after the receiver answers');
    const deliveries = verifiedDeliveries();
    expect(deliveries.length).toBeGreaterThanOrEqual(3);
    expect(new Set(deliveries.map((d) => d.id))).toEqual(new Set([id]));
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
  });

  it('gives an event up after the retry window with a dead-letter record, and goes on with the next', async () => {
    await receiver.setMode('error');
    await dispatcher(['sync.finished'], { baseMs: 100, maxMs: 300, windowMs: 1_500 });
    const { id } = await publishFinished(finished(6));
    await waitFor(async () => attempts.given_up === 1, 30_000, 'the event given up');
    const jsm = await jetstreamManager(nats.nc);
    const stream = nats.ns.stream('DEAD_LETTERS');
    const last = await jsm.streams.getMessage(stream, { last_by_subj: nats.ns.subject({ subject: 'sync.deadletter.v1' } as never) });
    const record = (JSON.parse(new TextDecoder().decode(last!.data)) as { payload: DeadLetter }).payload;
    expect(record).toMatchObject({ durable: WEBHOOK_DURABLE, messageId: id, code: 'webhook_undeliverable', subject: nats.ns.subject(syncFinished, 'user-6') });
    expect(record.reason).not.toContain(SECRET);
    await waitFor(drained, 30_000, 'nothing left in retry');
    await receiver.setMode('ok');
    const next = await publishFinished(finished(7));
    await waitFor(async () => deliveredIds().has(next.id), 30_000, 'the next event delivered');
  });
});
