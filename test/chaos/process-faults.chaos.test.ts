import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { DURABLES } from '@canvas-sync/shared';
import {
  freePort,
  spawnService,
  startPipeline,
  startPrivateNats,
  startPrivatePostgres,
  waitFor,
  type PipelineHarness,
  type PrivateNats,
  type PrivatePostgres,
  type ServiceProcess,
} from '@canvas-sync/testkit';
import { ChaosDriver, expectClean, expectNothingRunning } from './support/chaos-driver.js';
import { ChaosReport } from './support/chaos-report.js';
import { apiCall, CHAOS_JWT_SECRET, wsSnapshot } from './support/user-clients.js';

/** A teacher-sized account per fault: 25 courses × 40 assignments, Canvas answering in ~0.2 s. */
const USER = { courses: 25, assignmentsPerCourse: 40 };
const FAULTS = 8;
/** Where faults hit: about a third of the 26 units (course list + 25 courses) done. */
const AT = 8;
/** Shortened ack wait for the SIGKILL cases (production: fetcher 60 s, writer 30 s). */
const SHORT_ACK_WAIT_MS = 12_000;

/**
 * Processes and servers killed mid-sync: fetcher and writer (SIGKILL and SIGTERM), api and
 * notifier, the nats-server and the Postgres cluster (private ones: never the shared servers).
 * Every sync must end `completed` with the simulator's rows, none lost, none doubled.
 */
describe('chaos: processes and servers die mid-sync', () => {
  let natsServer: PrivateNats;
  let pgServer: PrivatePostgres;
  let h: PipelineHarness;
  let driver: ChaosDriver;
  const report = new ChaosReport('process-faults');

  beforeAll(async () => {
    [natsServer, pgServer] = await Promise.all([startPrivateNats(), startPrivatePostgres()]);
    // The private cluster runs with synchronous_commit=off (a throwaway); a SIGKILL then loses the
    // last commits it already acknowledged, which no client can recover from (the first run lost
    // a unit that way; the stall watchdog re-planned it a minute later). Production keeps the
    // default (on): so does this test, for every session.
    const admin = new pg.Client({ connectionString: pgServer.url });
    await admin.connect();
    await admin.query('ALTER ROLE postgres SET synchronous_commit = on');
    await admin.end();
    h = await startPipeline({
      fetchers: 2,
      writers: 1,
      servers: { natsUrl: natsServer.url, postgresUrl: pgServer.url },
      // A SIGKILLed fetcher's Canvas leases expire after the request timeout: keep it short here.
      env: { CANVAS_TIMEOUT_MS: '10000', CANVAS_ALLOW_PRIVATE_NETWORK: 'true' },
      sim: { users: Array.from({ length: FAULTS }, () => USER), latency: { baseMs: 200, perItemMs: 0.1 } },
    });
    driver = new ChaosDriver(h, report);
  });
  afterEach((ctx) => {
    // What the services said, for whoever reads a red CI log.
    if (ctx.task.result?.state === 'fail') for (const s of h?.services ?? []) process.stdout.write(`--- ${s.name} (pid ${s.child.pid}, exit ${s.child.exitCode ?? s.child.signalCode})\n${s.lines.slice(-40).join('\n')}\n`);
  });
  afterAll(async () => {
    // A failed check must not skip the clean-up: services and private servers would outlive the run.
    try {
      if (h) await expectNothingRunning(h);
    } finally {
      report.write();
      await h?.close();
      await Promise.all([natsServer?.stop(), pgServer?.stop()]);
    }
  });

  const shortAckWaits = async () => {
    await driver.shortenAckWait(DURABLES.fetcher, SHORT_ACK_WAIT_MS);
    await driver.shortenAckWait(DURABLES.writer, SHORT_ACK_WAIT_MS);
  };
  const live = (name: 'fetcher' | 'writer') => h.services.filter((s) => s.name === name && s.child.exitCode === null && s.child.signalCode === null);
  const canvasRequests = (simUserId: number) => h.sim.stats().byToken[h.sim.users.find((u) => u.id === simUserId)!.token]?.requests ?? 0;
  const plannedCourses = (simUserId: number) => (h.sim.groundTruth(simUserId).courses as Array<{ access_restricted_by_date?: boolean }>).filter((c) => !c.access_restricted_by_date).length;

  it('SIGTERM to a fetcher mid-sync: it finishes its units, exits 0, nothing is fetched twice', async () => {
    const run = await driver.begin('fetcher-term');
    const injectedAt = await driver.atUnits(run, AT);
    const [victim] = live('fetcher');
    const [code] = await Promise.all([victim!.kill('SIGTERM'), h.start('fetcher')]);
    const result = await driver.finish(run, { fault: 'SIGTERM fetcher (graceful)', injectedAt, recovery: 'in-flight units finished before exit; replacement fetcher', notes: { exitCode: code } });
    result.notes.canvasRequests = canvasRequests(run.simUserId);
    expectClean(result);
    expect(code).toBe(0);
    // Graceful means no page fetched again: the course list once, each course once.
    expect(result.notes.canvasRequests).toBe(1 + plannedCourses(run.simUserId));
  });

  it('SIGTERM to the writer mid-sync: it commits what it holds, exits 0, the replacement redelivers nothing', async () => {
    const run = await driver.begin('writer-term');
    const injectedAt = await driver.atUnits(run, AT);
    const redeliveredBefore = await driver.redeliveries(DURABLES.writer);
    const [victim] = live('writer');
    const code = await victim!.kill('SIGTERM');
    await h.start('writer');
    const result = await driver.finish(run, { fault: 'SIGTERM writer (graceful)', injectedAt, recovery: 'in-flight parts committed and acked before exit; replacement writer', notes: { exitCode: code } });
    const redelivered = (await driver.redeliveries(DURABLES.writer)) - redeliveredBefore;
    result.notes.writerRedeliveries = redelivered;
    expectClean(result);
    expect(code).toBe(0);
    expect(redelivered).toBe(0);
    expect(canvasRequests(run.simUserId)).toBe(1 + plannedCourses(run.simUserId));
  });

  it('SIGKILL a fetcher mid-sync: its units come back after the ack wait and a replacement finishes them', async () => {
    await driver.shortenAckWait(DURABLES.fetcher, SHORT_ACK_WAIT_MS);
    const run = await driver.begin('fetcher-kill');
    const injectedAt = await driver.atUnits(run, AT);
    const [victim] = live('fetcher');
    await victim!.kill('SIGKILL');
    await h.start('fetcher');
    await driver.shortenAckWait(DURABLES.fetcher, SHORT_ACK_WAIT_MS);
    const result = await driver.finish(run, {
      fault: 'SIGKILL fetcher',
      injectedAt,
      recovery: `units held by the dead fetcher redelivered after ack_wait (${SHORT_ACK_WAIT_MS / 1000} s in this test); replacement fetcher`,
    });
    // Pages in flight in the dead fetcher are fetched again (at most a unit's worth); nothing else.
    result.notes.pagesFetchedAgain = canvasRequests(run.simUserId) - (1 + plannedCourses(run.simUserId));
    await driver.restoreConsumers();
    expectClean(result);
    expect(result.notes.pagesFetchedAgain).toBeLessThanOrEqual(2 * 5);
  });

  it('SIGKILL every fetcher while the sync is planned: the planner message comes back and planning completes', async () => {
    await driver.shortenAckWait(DURABLES.planner, SHORT_ACK_WAIT_MS);
    const run = await driver.begin('planner-kill');
    // Canvas answers this user slowly for now, so the kill lands while the course list is in flight.
    h.sim.setFaults({ perToken: { [String(run.simUserId)]: { slowRate: 1, slowMs: 4_000 } } });
    let row = await driver.row(run);
    await waitFor(async () => {
      row = await driver.row(run);
      return row.status === 'running';
    }, 60_000, 'the planner to take the sync');
    const injectedAt = { unitsDone: row.units_done, unitsTotal: row.units_total, afterMs: Date.now() - run.startedAt };
    const planReadyAtKill = row.plan_ready;
    await Promise.all(live('fetcher').map((f) => f.kill('SIGKILL')));
    h.sim.clearFaults();
    await Promise.all([h.start('fetcher'), h.start('fetcher')]);
    await driver.shortenAckWait(DURABLES.planner, SHORT_ACK_WAIT_MS);
    await driver.shortenAckWait(DURABLES.fetcher, SHORT_ACK_WAIT_MS);
    const result = await driver.finish(run, {
      fault: 'SIGKILL all fetchers while planning',
      injectedAt,
      recovery: `sync.requested redelivered after ack_wait (${SHORT_ACK_WAIT_MS / 1000} s here) to new fetchers; the planner lists the courses again`,
      notes: { planReadyAtKill },
    });
    result.notes.canvasRequests = canvasRequests(run.simUserId);
    await driver.restoreConsumers();
    expectClean(result);
    expect(planReadyAtKill).toBe(false);
  });

  it('SIGKILL the writer near the end: unacked parts are redelivered to a new writer, written once, and the sync completes', async () => {
    await driver.shortenAckWait(DURABLES.writer, SHORT_ACK_WAIT_MS);
    const run = await driver.begin('writer-kill');
    const injectedAt = await driver.atUnits(run, 20);
    const redeliveredBefore = await driver.redeliveries(DURABLES.writer);
    const [victim] = live('writer');
    await victim!.kill('SIGKILL');
    await h.start('writer');
    await driver.shortenAckWait(DURABLES.writer, SHORT_ACK_WAIT_MS);
    const result = await driver.finish(run, { fault: 'SIGKILL writer (late in the sync)', injectedAt, recovery: `unacked parts redelivered after ack_wait (${SHORT_ACK_WAIT_MS / 1000} s in this test) to a replacement writer` });
    result.notes.writerRedeliveries = (await driver.redeliveries(DURABLES.writer)) - redeliveredBefore;
    await driver.restoreConsumers();
    expectClean(result);
  });

  it('SIGKILL api and notifier mid-sync: the sync goes on; after a restart both tell the truth', async () => {
    const [apiPort, notifierPort] = [await freePort(), await freePort()];
    const env = { ...h.env, AUTH_JWT_SECRET: CHAOS_JWT_SECRET, CANVAS_ALLOW_PRIVATE_NETWORK: 'true', API_PORT: String(apiPort), NOTIFIER_PORT: String(notifierPort) };
    const spawned: ServiceProcess[] = [];
    const startEdge = async () => {
      const api = spawnService('api', env);
      const notifier = spawnService('notifier', env);
      spawned.push(api, notifier);
      await Promise.all([api.waitReady(apiPort, 90_000), notifier.waitReady(notifierPort, 90_000)]);
      return { api, notifier };
    };
    try {
      let edge = await startEdge();
      const base = `http://127.0.0.1:${apiPort}`;
      const { userId, simUser } = driver.takeUser('edge');
      const deadLettersBefore = await driver.deadLetters();
      expect((await apiCall(base, userId, 'PUT', '/api/v1/canvas/connection', { baseUrl: h.sim.url, accessToken: simUser.token })).status).toBe(204);
      const startedAt = Date.now();
      const started = await apiCall(base, userId, 'POST', '/api/v1/syncs', { scope: { type: 'all' }, mode: 'full', chunkSize: 5 });
      expect(started.status).toBe(202);
      const run = { userId, simUserId: simUser.id, syncId: (started.json as { id: string }).id, startedAt, deadLettersBefore };
      const injectedAt = await driver.atUnits(run, AT);
      await Promise.all([edge.api.kill('SIGKILL'), edge.notifier.kill('SIGKILL')]);
      // While they are down the sync keeps going: fetchers and writers do not need them.
      const whileDown = await driver.atUnits(run, injectedAt.unitsDone + 1);
      edge = await startEdge();
      const result = await driver.finish(run, { fault: 'SIGKILL api + notifier', injectedAt, recovery: 'not on the data path; restarted, both read the truth from Postgres', notes: { unitsDoneWhileDown: whileDown.unitsDone } });
      expectClean(result);
      const viaApi = await apiCall(base, userId, 'GET', `/api/v1/syncs/${run.syncId}`);
      expect(viaApi.json).toMatchObject({ status: 'completed', progress: { percent: 100 } });
      const snapshot = await wsSnapshot(`ws://127.0.0.1:${notifierPort}/ws`, userId, run.syncId);
      expect(snapshot.status).toBe('completed');
    } catch (err) {
      for (const s of spawned) process.stdout.write(`--- ${s.name} (exit ${s.child.exitCode ?? s.child.signalCode})\n${s.lines.slice(-30).join('\n')}\n`);
      throw err;
    } finally {
      await Promise.all(spawned.map((s) => s.kill('SIGKILL')));
    }
  });

  it('nats-server killed and restarted on the same store mid-sync: work pauses and resumes', async () => {
    // Acks sent while the server was down are lost: those messages come back after ack_wait.
    await shortAckWaits();
    const run = await driver.begin('nats-restart');
    const injectedAt = await driver.atUnits(run, AT);
    const down = Date.now();
    await natsServer.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1_000));
    await natsServer.restart();
    const downMs = Date.now() - down;
    const result = await driver.finish(run, { fault: 'nats-server SIGKILL + restart (same store)', injectedAt, recovery: `clients reconnect; failed publishes nak-ed and retried; lost acks redelivered after ack_wait (${SHORT_ACK_WAIT_MS / 1000} s here)`, notes: { downMs } });
    await driver.restoreConsumers();
    expectClean(result);
    for (const s of [...live('fetcher'), ...live('writer')]) expect(s.child.exitCode).toBeNull();
  });

  it('Postgres cluster killed and restarted mid-sync: writes fail, are retried, and land once', async () => {
    await shortAckWaits();
    const run = await driver.begin('pg-restart');
    const injectedAt = await driver.atUnits(run, AT);
    const down = Date.now();
    await pgServer.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1_000));
    await pgServer.restart();
    const downMs = Date.now() - down;
    const result = await driver.finish(run, { fault: 'Postgres SIGKILL + restart', injectedAt, recovery: 'failed transactions rolled back and nak-ed with back-off; redelivered after the restart', notes: { downMs } });
    await driver.restoreConsumers();
    expectClean(result);
    // Recovered by redelivery alone, not by the stall watchdog's re-plan.
    expect(result.notes.runs).toBe(0);
    for (const s of [...live('fetcher'), ...live('writer')]) expect(s.child.exitCode).toBeNull();
  });
});
