/**
 * The client from Node 20 (with `ws`) against the real api and notifier processes, a real pipeline
 * (fetcher, writer, NATS JetStream, Postgres) and the Canvas simulator: it connects Canvas, starts a
 * sync and watches it to the end while the notifier restarts mid-sync, with user tokens of a few
 * seconds that must be renewed on the way.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCanvasSyncClient, type ConnectionState, type SyncView } from '@canvas-sync/client';
import { freePort, spawnService, startPipeline, type PipelineHarness, type ServiceProcess } from '@canvas-sync/testkit';

const SECRET = 'client-int-test-secret-0123456789-abcdef';

const mint = (userId: string, lifetimeSeconds: number) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds).sign(new TextEncoder().encode(SECRET));

describe('@canvas-sync/client against the running services', () => {
  let pipeline: PipelineHarness;
  let api: ServiceProcess;
  let notifier: ServiceProcess;
  let env: Record<string, string>;
  let apiUrl: string;
  let notifierPort: number;

  beforeAll(async () => {
    // Canvas answers slowly enough that a sync takes seconds: time to restart the notifier mid-way.
    pipeline = await startPipeline({ sim: { profile: 'student', latency: { baseMs: 150, perItemMs: 0.5, jitterMs: 0 } } });
    const apiPort = await freePort();
    notifierPort = await freePort();
    env = { ...pipeline.env, AUTH_JWT_SECRET: SECRET, API_PORT: String(apiPort), NOTIFIER_PORT: String(notifierPort) };
    api = spawnService('api', env);
    notifier = spawnService('notifier', env);
    await Promise.all([api.waitReady(apiPort), notifier.waitReady(notifierPort)]);
    apiUrl = `http://127.0.0.1:${apiPort}`;
  }, 120_000);
  afterAll(async () => {
    await Promise.all([api, notifier].map((p) => p?.kill('SIGTERM')));
    await pipeline?.close();
  });

  it('watches a real sync to completion across a notifier restart, renewing 6 s user tokens ahead of exp', { timeout: 90_000 }, async () => {
    let minted = 0;
    const client = createCanvasSyncClient({
      baseUrl: apiUrl,
      getToken: () => (minted++, mint('client-user', 6)),
      WebSocket,
      reconnect: { initialMs: 200, maxMs: 2_000 },
    });
    const simUser = pipeline.sim.users[0]!;
    await client.putConnection({ baseUrl: pipeline.sim.url, accessToken: simUser.token });
    expect(await client.testConnection()).toMatchObject({ ok: true, user: { name: simUser.name } });

    // Beside the sync's own watch, one of all the user's syncs for at least 12 s: two 6 s tokens' worth
    // (6 s, not less: a renewal has half a token's life to come up, on a CI machine running other suites).
    const allStates: ConnectionState[] = [];
    const allErrors: string[] = [];
    const all = client.watchSyncs({ onConnectionChange: (s) => allStates.push(s), onError: (e) => allErrors.push(e.code) });
    const twelveSeconds = new Promise((resolve) => setTimeout(resolve, 12_000));
    const { id } = await client.startSync({ scope: { type: 'all' }, mode: 'full' });
    const states: ConnectionState[] = [];
    const seqs: number[] = [];
    const milestones: number[] = [];
    const ends: string[] = [];
    let restarted: Promise<void> | undefined;
    const finished = new Promise<SyncView>((resolve, reject) => {
      client.watchSync(id, {
        onChange: (sync) => {
          seqs.push(sync.seq);
          // The first live progress: restart the notifier (SIGTERM closes sockets with 1001).
          if (!restarted && sync.status === 'running' && states.at(-1) === 'live') {
            restarted = (async () => {
              await notifier.kill('SIGTERM');
              notifier = spawnService('notifier', env);
              await notifier.waitReady(notifierPort);
            })();
          }
        },
        onMilestone: (percent) => milestones.push(percent),
        onFinished: (sync) => (ends.push('finished'), resolve(sync)),
        onFailed: (sync) => (ends.push('failed'), reject(new Error(`sync failed: ${JSON.stringify(sync.error)}`))),
        onCancelled: () => reject(new Error('sync cancelled')),
        onConnectionChange: (state) => states.push(state),
        onError: (error) => reject(error),
      });
    });
    const done = await finished;
    await Promise.all([restarted, twelveSeconds]);
    all.close();

    expect(done.status).toBe('completed');
    expect(ends).toEqual(['finished']);
    // Seq dedupe: every accepted change moved forward, none twice.
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    expect(milestones).toEqual([...new Set(milestones)].sort((a, b) => a - b));
    // Down while the notifier restarted (polling meanwhile), then closed at the end.
    expect(states.slice(0, 2)).toEqual(['live', 'polling']);
    expect(states.at(-1)).toBe('closed');
    const fresh = await client.getSync(id);
    expect(fresh.seq).toBe(done.seq);
    expect(fresh.counts).toEqual(done.counts);
    expect(fresh.progress.percent).toBe(100);
    expect(restarted).toBeDefined();
    // Tokens were renewed ahead of exp: never a 4401 (that would show as 'connecting'), never an error.
    expect(minted).toBeGreaterThanOrEqual(3);
    expect([...states, ...allStates]).not.toContain('connecting');
    expect(allErrors).toEqual([]);
    expect(allStates.at(-1)).toBe('closed');
  });
});
