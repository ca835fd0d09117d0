import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advance, Client, createConnection, createSync, publishRow, startHarness, type Harness } from './notifier.harness.js';

const running = (done: number, total = 10) => ({ status: 'running', phase: 'fetching', plan_ready: true, units_total: total, units_done: done, started_at: new Date(Date.now() - 10_000) });

describe('notifier /ws progress', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('gives two users syncing at once only their own frames', async () => {
    const [connA, connB] = [await createConnection(h, 'ann'), await createConnection(h, 'ben')];
    const syncA = await createSync(h, 'ann', connA);
    const syncB = await createSync(h, 'ben', connB);
    const ann = await Client.ready(h.url, 'ann');
    const ben = await Client.ready(h.url, 'ben');
    ann.send({ type: 'subscribe' });
    ben.send({ type: 'subscribe' });
    await ann.waitFor((f) => f.type === 'snapshot' && f.sync.id === syncA.id);
    await ben.waitFor((f) => f.type === 'snapshot' && f.sync.id === syncB.id);

    for (let i = 1; i <= 5; i++) {
      await advance(h, syncA.id, running(i * 2));
      await advance(h, syncB.id, running(i));
    }
    await advance(h, syncA.id, { status: 'completed', phase: 'done', units_done: 10, finished_at: new Date(), counts: JSON.stringify({ courses: { created: 3, updated: 0, unchanged: 0, deleted: 0 } }) });
    await advance(h, syncB.id, { status: 'failed', phase: 'done', finished_at: new Date(), error: JSON.stringify({ code: 'canvas_token_invalid', message: 'Canvas rejected the access token.' }) });

    const doneA = await ann.waitFor((f) => f.type === 'progress' && f.status === 'completed');
    const doneB = await ben.waitFor((f) => f.type === 'progress' && f.status === 'failed');
    expect(doneA).toMatchObject({ syncId: syncA.id, seq: 6, progress: { done: 10, total: 10, percent: 100 }, summary: '3 courses' });
    expect(doneB).toMatchObject({ syncId: syncB.id, seq: 6, error: { code: 'canvas_token_invalid' } });
    const ids = (c: Client) => new Set(c.frames.flatMap((f) => (f.type === 'snapshot' ? [f.sync.id] : f.type === 'progress' ? [f.syncId] : [])));
    expect(ids(ann)).toEqual(new Set([syncA.id]));
    expect(ids(ben)).toEqual(new Set([syncB.id]));
    // Every frame of the sync, in order, none twice.
    expect(ann.framesOf(syncA.id).filter((f) => f.type === 'progress').map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    ann.close();
    ben.close();
  });

  it('gives a client that reconnects mid-sync a snapshot and then only newer frames', async () => {
    const conn = await createConnection(h, 'cleo');
    const sync = await createSync(h, 'cleo', conn);
    const first = await Client.ready(h.url, 'cleo');
    first.send({ type: 'subscribe', syncId: sync.id });
    await first.waitFor((f) => f.type === 'snapshot');
    await advance(h, sync.id, running(1));
    await advance(h, sync.id, running(2));
    await first.waitFor((f) => f.type === 'progress' && f.seq === 2);
    first.close();
    await first.closed;

    // While nobody listens, the sync moves on.
    const seq3 = await advance(h, sync.id, running(3));
    await advance(h, sync.id, running(4));

    const second = await Client.ready(h.url, 'cleo');
    second.send({ type: 'subscribe', syncId: sync.id });
    const snapshot = await second.waitFor((f) => f.type === 'snapshot');
    expect(snapshot.sync).toMatchObject({ id: sync.id, seq: 4, status: 'running', progress: { done: 4, total: 10, percent: 40 } });

    // A stale event (redelivered, or a late replica) and a repeated one must not reach the client.
    await publishRow(h, seq3, `${sync.id}:replay:3`);
    await advance(h, sync.id, running(5));
    const latest = await advance(h, sync.id, running(6));
    await publishRow(h, latest, `${sync.id}:replay:6`);
    await advance(h, sync.id, { status: 'completed', phase: 'done', units_done: 10, finished_at: new Date() });
    await second.waitFor((f) => f.type === 'progress' && f.status === 'completed');
    const seqs = second.framesOf(sync.id).map((f) => (f.type === 'snapshot' ? f.sync.seq : f.seq));
    expect(seqs).toEqual([4, 5, 6, 7]);
    second.close();
  });

  it('answers another user\'s sync id, and an unknown one, as not found', async () => {
    const conn = await createConnection(h, 'dora');
    const theirs = await createSync(h, 'dora', conn);
    const eve = await Client.ready(h.url, 'eve');
    eve.send({ type: 'subscribe', syncId: theirs.id });
    expect(await eve.waitFor((f) => f.type === 'error')).toMatchObject({ type: 'error', code: 'not_found', syncId: theirs.id });
    // And no frame of it leaks later, even though eve asked.
    await advance(h, theirs.id, running(1));
    const dora = await Client.ready(h.url, 'dora');
    dora.send({ type: 'subscribe', syncId: theirs.id });
    await dora.waitFor((f) => f.type === 'snapshot');
    await advance(h, theirs.id, running(2));
    await dora.waitFor((f) => f.type === 'progress' && f.seq === 2);
    expect(eve.frames.filter((f) => f.type !== 'ready' && f.type !== 'error')).toEqual([]);
    eve.close();
    dora.close();
  });

  it('with subscribe-all, sends a snapshot of a sync created later before its frames', async () => {
    const conn = await createConnection(h, 'finn');
    const old = await createSync(h, 'finn', conn, { status: 'completed', phase: 'done', seq: 9, finished_at: new Date(), started_at: new Date() });
    const client = await Client.ready(h.url, 'finn');
    client.send({ type: 'subscribe' });
    await client.waitFor((f) => f.type === 'snapshot' && f.sync.id === old.id);
    const fresh = await createSync(h, 'finn', conn);
    await advance(h, fresh.id, running(1));
    await advance(h, fresh.id, running(2));
    // Seq 2 arrives as a frame, or already inside the snapshot when the snapshot was read after it.
    await client.waitFor((f) => (f.type === 'progress' && f.syncId === fresh.id && f.seq === 2) || (f.type === 'snapshot' && f.sync.id === fresh.id && f.sync.seq === 2));
    const frames = client.framesOf(fresh.id);
    expect(frames[0].type).toBe('snapshot');
    const seqs = frames.map((f) => (f.type === 'snapshot' ? f.sync.seq : f.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.at(-1)).toBe(2);
    client.close();
  });

  it('drops an invalid event on the stream and goes on with the next', async () => {
    const conn = await createConnection(h, 'gus');
    const sync = await createSync(h, 'gus', conn);
    const client = await Client.ready(h.url, 'gus');
    client.send({ type: 'subscribe', syncId: sync.id });
    await client.waitFor((f) => f.type === 'snapshot');
    const subject = h.nats.ns.subject({ subject: 'sync.progress.v1' } as never, sync.id);
    await h.nats.js.publish(subject, new TextEncoder().encode('{"not":"an envelope"}'));
    await h.nats.js.publish(subject, new TextEncoder().encode(JSON.stringify({ id: 'x1', type: 'sync.progress', v: 1, occurredAt: new Date().toISOString(), correlationId: 'c', payload: { syncId: sync.id, seq: 99 } })));
    await advance(h, sync.id, running(1));
    expect(await client.waitFor((f) => f.type === 'progress')).toMatchObject({ seq: 1 });
    expect(client.frames.filter((f) => f.type === 'progress')).toHaveLength(1);
    client.close();
  });

  it('seeds the ETA of a sync with no unit done from the user\'s earlier syncs, and says null without history', async () => {
    const conn = await createConnection(h, 'hugo');
    const t0 = new Date('2026-01-01T10:00:00Z');
    // Two earlier syncs: 30 units in 150 s = 5 s per unit.
    await createSync(h, 'hugo', conn, { status: 'completed', phase: 'done', plan_ready: true, units_total: 10, units_done: 10, started_at: t0, finished_at: new Date(t0.getTime() + 40_000) });
    await createSync(h, 'hugo', conn, { status: 'completed', phase: 'done', plan_ready: true, units_total: 20, units_done: 20, started_at: t0, finished_at: new Date(t0.getTime() + 110_000) });
    const sync = await createSync(h, 'hugo', conn, { status: 'running', phase: 'fetching', plan_ready: true, units_total: 8, units_done: 0, started_at: new Date() });
    const client = await Client.ready(h.url, 'hugo');
    client.send({ type: 'subscribe', syncId: sync.id });
    expect((await client.waitFor((f) => f.type === 'snapshot')).sync.etaSeconds).toBe(40);
    await advance(h, sync.id, { units_total: 12 });
    expect(await client.waitFor((f) => f.type === 'progress')).toMatchObject({ seq: 1, etaSeconds: 60 });

    const newcomerConn = await createConnection(h, 'ivy');
    const first = await createSync(h, 'ivy', newcomerConn, { status: 'running', phase: 'fetching', plan_ready: true, units_total: 8, units_done: 0, started_at: new Date() });
    const ivy = await Client.ready(h.url, 'ivy');
    ivy.send({ type: 'subscribe', syncId: first.id });
    expect((await ivy.waitFor((f) => f.type === 'snapshot')).sync.etaSeconds).toBeNull();
    await advance(h, first.id, { units_total: 9 });
    expect(await ivy.waitFor((f) => f.type === 'progress')).toMatchObject({ etaSeconds: null });
    client.close();
    ivy.close();
  });
});
