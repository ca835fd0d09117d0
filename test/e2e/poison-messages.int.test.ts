import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { DURABLES, fetchUnit, syncPlanned, syncRecords, syncRequested, syncStatus, type DeadLetter, type MessageDef } from '@canvas-sync/shared';
import { compareWithGroundTruth, startPipeline, waitFor, type PipelineHarness } from '@canvas-sync/testkit';

type Durable = (typeof DURABLES)[keyof typeof DURABLES];
const CONSUMERS: Array<{ durable: Durable; def: MessageDef }> = [
  { durable: DURABLES.planner, def: syncRequested },
  { durable: DURABLES.fetcher, def: fetchUnit },
  { durable: DURABLES.writer, def: syncRecords },
  { durable: DURABLES.writer, def: syncPlanned },
  { durable: DURABLES.writer, def: syncStatus },
];

const envelope = (type: string, v: number, payload: unknown) => ({ id: randomUUID(), type, v, occurredAt: new Date().toISOString(), correlationId: 'poison', payload });
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

/** Poison shapes every consumer must term and dead-letter without calling its handler. */
const POISONS: Array<{ name: string; body: (def: MessageDef) => Uint8Array }> = [
  { name: 'not JSON', body: () => bytes('{"id": "x", "type": ') },
  { name: 'binary garbage', body: () => Uint8Array.from({ length: 256 }, (_, i) => (i * 37) % 256) },
  { name: 'JSON that is not an envelope', body: () => bytes({ hello: 'world' }) },
  { name: 'envelope without payload fields', body: (def) => bytes(envelope(def.type, def.v, {})) },
  { name: 'wrong payload types', body: (def) => bytes(envelope(def.type, def.v, { syncId: 42, userId: null, run: -1, courseIds: 'all', records: [] })) },
  { name: 'unknown message type', body: (def) => bytes(envelope('sync.bogus', def.v, {})) },
  { name: 'unknown major version', body: (def) => bytes(envelope(def.type, 99, {})) },
  { name: 'prototype pollution attempt', body: (def) => bytes(`{"__proto__":{"polluted":true},"id":"p","type":"${def.type}","v":${def.v},"occurredAt":"${new Date().toISOString()}","correlationId":"c","payload":{"__proto__":{"admin":true}}}`) },
  // Oversized but under the stream's 1 MiB limit: a 900 KB field where a short id belongs.
  { name: 'oversized (900 KB)', body: (def) => bytes(envelope(def.type, def.v, { syncId: 'x'.repeat(900_000) })) },
];

/**
 * Poison messages to every consumer of the pipeline (planner, fetcher, writer), against the real
 * services as processes: each is termed after one delivery and dead-lettered, never redelivered,
 * and the services keep working (a sync afterwards completes, equal to the ground truth).
 */
describe('poison messages to every consumer', () => {
  let h: PipelineHarness;
  let jsm: JetStreamManager;
  const deadLetters = async () => (await jsm.streams.info(h.nats.ns.stream('DEAD_LETTERS'))).state.messages;
  const publishRaw = (def: MessageDef, data: Uint8Array) => h.nats.js.publish(h.nats.ns.subject(def), data);
  const readDeadLetters = async (): Promise<DeadLetter[]> => {
    const stream = h.nats.ns.stream('DEAD_LETTERS');
    const { state } = await jsm.streams.info(stream);
    const out: DeadLetter[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      if (m) out.push((m.json<{ payload: DeadLetter }>()).payload);
    }
    return out;
  };

  beforeAll(async () => {
    h = await startPipeline({ sim: { users: [{ profile: 'tiny' }, { profile: 'tiny' }] }, env: { CANVAS_ALLOW_PRIVATE_NETWORK: 'true' } });
    jsm = await jetstreamManager(h.nats.nc);
  }, 120_000);
  afterAll(async () => h?.close());

  it('terms and dead-letters each poison once, on every consumer, and never redelivers it', { timeout: 120_000 }, async () => {
    const before = await deadLetters();
    for (const { def } of CONSUMERS) for (const poison of POISONS) await publishRaw(def, poison.body(def));
    const expected = CONSUMERS.length * POISONS.length;
    await waitFor(async () => (await deadLetters()) - before >= expected, 60_000, () => `${expected} dead letters`);
    // A redelivered poison would be dead-lettered again: give it time to (wrongly) come back.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await deadLetters()) - before).toBe(expected);
    const letters = (await readDeadLetters()).slice(before);
    expect(letters.every((l) => l.deliveries === 1 && l.code === 'message_invalid')).toBe(true);
    for (const durable of new Set(CONSUMERS.map((c) => c.durable))) {
      expect(letters.filter((l) => l.durable === durable).length).toBe(CONSUMERS.filter((c) => c.durable === durable).length * POISONS.length);
      const info = await jsm.consumers.info(h.nats.ns.stream(durable === DURABLES.writer ? 'SYNC_RESULTS' : 'SYNC_WORK'), durable);
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_redelivered).toBe(0);
    }
    // The excerpt names the poison for an operator, bounded in size.
    expect(letters.every((l) => l.excerpt.length <= 1000)).toBe(true);
    for (const s of h.services) expect(s.child.exitCode).toBeNull();
  });

  it('terms a payload of random JSON (property-based) on every consumer', { timeout: 120_000 }, async () => {
    const before = await deadLetters();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CONSUMERS), fc.jsonValue({ maxDepth: 3 }), async ({ def }, payload) => {
        // A random value almost never fits a payload schema; the rare one that does must not count.
        if (def.schema.safeParse(payload).success) return;
        await publishRaw(def, bytes(envelope(def.type, def.v, payload)));
        sent++;
      }),
      { numRuns: 40 },
    );
    await waitFor(async () => (await deadLetters()) - before >= sent, 60_000, () => `${sent} dead letters`);
    expect((await deadLetters()) - before).toBe(sent);
    for (const s of h.services) expect(s.child.exitCode).toBeNull();
  });

  it('refuses hostile but well-formed messages: rows for another user\'s sync are never written', { timeout: 60_000 }, async () => {
    const connection = await h.connect('poison-owner', h.sim.users[0]!.id);
    const syncId = randomUUID();
    await h.database.db.insertInto('syncs').values({ id: syncId, user_id: 'poison-owner', connection_id: connection, status: 'cancelled', scope: JSON.stringify({ type: 'all' }) as never, mode: 'full', chunk_size: 5, traceparent: null }).execute();
    const before = await deadLetters();
    const hostile = envelope(syncRecords.type, syncRecords.v, { syncId, userId: 'intruder', run: 0, unitKey: 'courses', fetchId: randomUUID(), part: 0, final: true, records: { courses: [{ id: 4242, name: 'planted' }] } });
    await publishRaw(syncRecords, bytes(hostile));
    await waitFor(async () => (await deadLetters()) > before, 30_000, 'the hostile records to be dead-lettered');
    const planted = await h.database.db.selectFrom('canvas.courses').select('id').where('id', '=', 4242).execute();
    expect(planted).toEqual([]);
    // Work for a sync that does not exist is dropped (acked), not retried or dead-lettered.
    const ghost = randomUUID();
    const dlBefore = await deadLetters();
    await publishRaw(fetchUnit, bytes(envelope(fetchUnit.type, fetchUnit.v, { syncId: ghost, userId: 'nobody', run: 0, unitIndex: 0, courseIds: [1] })));
    await publishRaw(syncRequested, bytes(envelope(syncRequested.type, syncRequested.v, { syncId: ghost, userId: 'nobody', run: 0 })));
    await waitFor(async () => {
      const [work] = await Promise.all([jsm.streams.info(h.nats.ns.stream('SYNC_WORK'))]);
      return work.state.messages === 0;
    }, 30_000, 'the ghost work to be consumed');
    expect(await deadLetters()).toBe(dlBefore);
  });

  it('a publish over the 1 MiB limit is refused by the stream and never reaches a consumer', async () => {
    const huge = bytes(envelope(syncRecords.type, syncRecords.v, { pad: 'x'.repeat(1_100_000) }));
    await expect(publishRaw(syncRecords, huge)).rejects.toThrow();
  });

  it('the services still work after all that: a sync completes, equal to the ground truth', { timeout: 90_000 }, async () => {
    const user = h.sim.users[1]!;
    await h.connect('after-poison', user.id);
    const row = await h.waitFor(await h.startSync('after-poison'), ['completed', 'failed'], 60_000);
    expect(row.status).toBe('completed');
    expect((await compareWithGroundTruth(h.database.db, 'after-poison', h.sim, user.id)).equal).toBe(true);
  });
});
