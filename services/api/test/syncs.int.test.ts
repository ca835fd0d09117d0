import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { decodeMessage, DURABLES, syncControl, syncProgress, syncRequested, type SyncRequested } from '@canvas-sync/shared';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

const START = { scope: { type: 'all' }, mode: 'full' };

describe('syncs', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => h.close());

  const call = async (userId: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    h.app.inject({ method, url: `/api/v1${url}`, headers: await h.auth(userId), ...(payload ? { payload } : {}) });
  const connect_ = async (userId: string) => {
    const res = await h.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: await h.auth(userId), payload: { baseUrl: 'http://127.0.0.1:9', accessToken: 'tok' } });
    expect(res.statusCode).toBe(204);
  };
  const setStatus = (id: string, status: string) => h.database.db.updateTable('syncs').set({ status }).where('id', '=', id).execute();

  /**
   * Pulls what the planner durable would get (the real consumer of `sync.requested`) until
   * `expected` requests of `syncId` arrived; other tests' requests are acked and dropped.
   */
  async function pullRequests(syncId: string, expected: number): Promise<Array<{ payload: SyncRequested; msgId: string; traceparent: string | undefined }>> {
    const consumer = await h.nats.js.consumers.get(h.nats.ns.stream('SYNC_WORK'), DURABLES.planner);
    const out: Array<{ payload: SyncRequested; msgId: string; traceparent: string | undefined }> = [];
    const deadline = Date.now() + 5_000;
    while (out.length < expected && Date.now() < deadline) {
      const batch = await consumer.fetch({ max_messages: 10, expires: 1_000 });
      for await (const m of batch) {
        const decoded = decodeMessage(m.data, [syncRequested]);
        if (!decoded.ok) throw new Error(decoded.reason);
        m.ack();
        if ((decoded.message.payload as SyncRequested).syncId !== syncId) continue;
        out.push({ payload: decoded.message.payload as SyncRequested, msgId: m.headers?.get('Nats-Msg-Id') ?? '', traceparent: m.headers?.get('traceparent') });
      }
    }
    return out;
  }

  /** The last progress event of a sync (SYNC_PROGRESS keeps one per subject). */
  async function lastProgress(syncId: string) {
    const jsm = await h.nats.js.jetstreamManager();
    const msg = await jsm.streams.getMessage(h.nats.ns.stream('SYNC_PROGRESS'), { last_by_subj: h.nats.ns.subject(syncProgress, syncId) });
    const decoded = decodeMessage(msg!.data, [syncProgress]);
    if (!decoded.ok) throw new Error(decoded.reason);
    return decoded.message.payload as { seq: number; status: string };
  }

  it('412 no_connection without a connection', async () => {
    const res = await call('u-none', 'POST', '/syncs', START);
    expect(res.statusCode).toBe(412);
    expect(res.json().error.code).toBe('no_connection');
  });

  it('202 queues a sync and a sync.requested really lands in JetStream; a second start is 409 with its id', async () => {
    await connect_('u-start');
    const res = await call('u-start', 'POST', '/syncs', { scope: { type: 'term', termId: 7 }, mode: 'incremental', dryRun: true, chunkSize: 5 });
    expect(res.statusCode).toBe(202);
    const { id, status } = res.json();
    expect(status).toBe('queued');

    const [request, ...rest] = await pullRequests(id, 1);
    expect(rest).toHaveLength(0);
    expect(request!.payload).toEqual({ syncId: id, userId: 'u-start', run: 0 });
    expect(request!.msgId).toBe(`${id}:run:0`);
    const row = await h.database.db.selectFrom('syncs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', user_id: 'u-start', mode: 'incremental', dry_run: true, chunk_size: 5, scope: { type: 'term', termId: 7 }, run: 0 });
    // Same trace as the row, a child span.
    expect(request!.traceparent?.split('-')[1]).toBe(row.traceparent!.split('-')[1]);
    expect(request!.traceparent).not.toBe(row.traceparent);

    const metrics = await h.metrics.scrape();
    expect(metrics.body).toMatch(/canvas_sync_syncs_total\{[^}]*outcome="started"[^}]*\} [1-9]/);

    const again = await call('u-start', 'POST', '/syncs', START);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: { code: 'sync_in_progress', message: expect.any(String) }, syncId: id });

    const view = await call('u-start', 'GET', `/syncs/${id}`);
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ id, status: 'queued', scope: { type: 'term', termId: 7 }, mode: 'incremental', dryRun: true, chunkSize: 5, progress: { done: 0, total: 0, percent: 0 } });
  });

  it('two concurrent starts: exactly one wins, the other is 409 with the winner', async () => {
    await connect_('u-race');
    const [a, b] = await Promise.all([call('u-race', 'POST', '/syncs', START), call('u-race', 'POST', '/syncs', START)]);
    const codes = [a.statusCode, b.statusCode].sort();
    expect(codes).toEqual([202, 409]);
    const winner = a.statusCode === 202 ? a : b;
    const loser = a.statusCode === 202 ? b : a;
    expect(loser.json().syncId).toBe(winner.json().id);
  });

  it('cancel → 202 cancelled with a progress event and a control broadcast; cancel again → 409', async () => {
    await connect_('u-cancel');
    const { id } = (await call('u-cancel', 'POST', '/syncs', START)).json();
    const control = h.nats.nc.subscribe(h.nats.ns.subject(syncControl), { max: 1 });
    const res = await call('u-cancel', 'POST', `/syncs/${id}/cancel`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id, status: 'cancelled', phase: 'done', finishedAt: expect.any(String), seq: 1 });
    for await (const m of control) {
      const decoded = decodeMessage(m.data, [syncControl]);
      expect(decoded.ok && decoded.message.payload).toEqual({ syncId: id, action: 'cancel' });
    }
    expect(await lastProgress(id)).toMatchObject({ seq: 1, status: 'cancelled' });

    const again = await call('u-cancel', 'POST', `/syncs/${id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('sync_not_cancellable');
  });

  it('resume: only failed/cancelled, publishes run+1, and 409 while another sync is active', async () => {
    await connect_('u-resume');
    const { id } = (await call('u-resume', 'POST', '/syncs', START)).json();
    await pullRequests(id, 1);

    const early = await call('u-resume', 'POST', `/syncs/${id}/resume`);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('sync_not_resumable');

    await setStatus(id, 'failed');
    await h.database.db.updateTable('syncs').set({ error: JSON.stringify({ code: 'canvas_token_invalid', message: 'bad token' }), finished_at: new Date() }).where('id', '=', id).execute();
    const resumed = await call('u-resume', 'POST', `/syncs/${id}/resume`);
    expect(resumed.statusCode).toBe(202);
    expect(resumed.json()).toMatchObject({ id, status: 'queued', finishedAt: null });
    expect(resumed.json().error).toBeUndefined();
    const [request] = await pullRequests(id, 1);
    expect(request!.payload).toEqual({ syncId: id, userId: 'u-resume', run: 1 });
    expect(request!.msgId).toBe(`${id}:run:1`);
    expect(await lastProgress(id)).toMatchObject({ status: 'queued' });

    // Finish that one, start another, then try to resume the first.
    await setStatus(id, 'cancelled');
    const other = (await call('u-resume', 'POST', '/syncs', START)).json();
    const blocked = await call('u-resume', 'POST', `/syncs/${id}/resume`);
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json()).toMatchObject({ error: { code: 'sync_in_progress' }, syncId: other.id });
    const row = await h.database.db.selectFrom('syncs').select(['status', 'run']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'cancelled', run: 1 });
  });

  it("another user's sync is 404 on GET, cancel and resume, and a non-uuid id is 404", async () => {
    await connect_('u-owner');
    const { id } = (await call('u-owner', 'POST', '/syncs', START)).json();
    for (const [method, url] of [['GET', `/syncs/${id}`], ['POST', `/syncs/${id}/cancel`], ['POST', `/syncs/${id}/resume`], ['GET', '/syncs/not-a-uuid'], ['POST', '/syncs/1%27%20OR%201=1/cancel']] as const) {
      const res = await call('u-intruder', method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const row = await h.database.db.selectFrom('syncs').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('queued');
    const list = await call('u-intruder', 'GET', '/syncs');
    expect(list.json()).toEqual({ items: [], nextCursor: null });
  });

  it('lists history newest first with a working cursor', async () => {
    await connect_('u-list');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { id } = (await call('u-list', 'POST', '/syncs', START)).json();
      ids.push(id);
      await setStatus(id, 'completed');
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call('u-list', 'GET', `/syncs?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as { items: Array<{ id: string }>; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=nope', `cursor=${ids[0]}&limit=2&x=1`]) {
      const res = await call('u-list', 'GET', `/syncs?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    // A cursor of another user's sync is refused, not used.
    const foreign = await call('u-other-lister', 'GET', `/syncs?cursor=${ids[2]}`);
    expect(foreign.statusCode).toBe(400);
  });
});

describe('syncs when the broker refuses the publish', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    // A NATS connection that is already closed: every publish fails like a broker outage.
    const { inject } = await import('vitest');
    const dead = await connect({ servers: inject('testInfra').natsUrl });
    await dead.close();
    h = await startApiHarness({ nc: dead, js: jetstream(dead) });
  });
  afterAll(async () => h.close());

  it('answers 503 broker_unavailable and leaves the sync failed, not queued', async () => {
    const auth = await h.auth('u-broker');
    await h.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: auth, payload: { baseUrl: 'http://127.0.0.1:9', accessToken: 'tok' } });
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: auth, payload: START });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('broker_unavailable');
    const rows = await h.database.db.selectFrom('syncs').selectAll().where('user_id', '=', 'u-broker').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'failed', phase: 'done', error: { code: 'broker_unavailable' } });
    expect(rows[0]!.finished_at).not.toBeNull();
    // …so the user can start again at once.
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: auth, payload: START });
    expect(again.statusCode).toBe(503);
  });
});
