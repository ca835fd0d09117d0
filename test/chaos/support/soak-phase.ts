import { DURABLES } from '@canvas-sync/shared';
import { compareWithGroundTruth } from '@canvas-sync/testkit';
import { type FaultRunner, type SoakFault } from './soak-faults.js';
import { connectUsers, runStarts, type SoakUser } from './soak-load.js';
import type { SoakTopology } from './soak-topology.js';

/** What one phase (with or without faults) measured. */
export interface PhaseReport {
  label: string;
  users: number;
  started: number;
  completed: number;
  /** Syncs that ended otherwise, or never: `id status/code`. */
  notCompleted: string[];
  /** Starts the client had to try again (a 5xx or a lost connection to an api replica), by cause. */
  startRetries: Record<string, number>;
  syncMs: { p50: number; p95: number; max: number };
  rows: { expected: number; actual: number; lost: number; doubled: number; extra: number; different: number };
  /** Users whose rows differ from the simulator's ground truth in any way. */
  usersNotEqual: string[];
  /** Watchers that never saw a frame saying their sync ended (within the grace after it did). */
  watchersMissingTerminal: string[];
  watcherReconnects: number;
  /** Highest pending + unacknowledged messages seen per durable (sampled every 2 s). */
  peakConsumerLag: Record<string, number>;
  deadLetters: number;
  faults: SoakFault[];
  durationMs: number;
}

const TERMINAL = ['completed', 'failed', 'cancelled'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one phase: users' syncs spread over the phase, watchers, the faults; then compares everything with the ground truth. */
export async function runPhase(t: SoakTopology, label: string, users: SoakUser[], faults: SoakFault[], runner: FaultRunner | undefined): Promise<PhaseReport> {
  await connectUsers(t, users);
  const deadLettersBefore = await deadLetters(t);
  const lag: Record<string, number> = {};
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sampleLag(t, lag).catch(() => undefined);
      await sleep(2_000);
    }
  })();
  const phaseStart = Date.now();
  try {
    await Promise.all([runStarts(t, users, phaseStart), runner?.run(faults, phaseStart)]);
    const ids = users.map((u) => u.syncId!);
    await waitUntil(async () => (await t.database.db.selectFrom('syncs').select('id').where('id', 'in', ids).where('status', 'not in', TERMINAL).execute()).length === 0, 600_000);
    // A watcher gets its terminal frame moments after the row ends; a lost one would wait for ever.
    await waitUntil(async () => users.every((u) => u.watcher?.terminal), 30_000);
  } finally {
    sampling = false;
    await sampler;
    for (const u of users) u.watcher?.stop();
  }
  const durationMs = Date.now() - phaseStart;
  const retries = users.flatMap((u) => u.retryTimes.map((at) => at - phaseStart));
  faults.forEach((f, i) => {
    const next = faults[i + 1]?.injectedAtMs ?? Number.POSITIVE_INFINITY;
    f.startRetries = retries.filter((at) => at >= (f.injectedAtMs ?? 0) && at < next).length;
  });
  const rows = await t.database.db.selectFrom('syncs').selectAll().where('id', 'in', users.filter((u) => u.syncId).map((u) => u.syncId!)).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ms = rows.filter((r) => r.finished_at).map((r) => r.finished_at!.getTime() - r.created_at.getTime()).sort((a, b) => a - b);
  const rank = (p: number) => ms[Math.max(0, Math.ceil(p * ms.length) - 1)] ?? Number.NaN;
  const report: PhaseReport = {
    label,
    users: users.length,
    started: rows.length,
    completed: rows.filter((r) => r.status === 'completed').length,
    notCompleted: rows.filter((r) => r.status !== 'completed').map((r) => `${r.id} ${r.status}${r.error ? `/${r.error.code}` : ''}`),
    startRetries: sumCounts(users.map((u) => u.startRetries)),
    syncMs: { p50: rank(0.5), p95: rank(0.95), max: ms[ms.length - 1] ?? Number.NaN },
    rows: { expected: 0, actual: 0, lost: 0, doubled: 0, extra: 0, different: 0 },
    usersNotEqual: [],
    watchersMissingTerminal: users.filter((u) => !u.watcher?.terminal).map((u) => `${u.userId} (sync ${byId.get(u.syncId ?? '')?.status ?? 'not started'}, ${u.watcher?.frames ?? 0} frames, ${u.watcher?.reconnects ?? 0} reconnects)`),
    watcherReconnects: users.reduce((n, u) => n + (u.watcher?.reconnects ?? 0), 0),
    peakConsumerLag: lag,
    deadLetters: (await deadLetters(t)) - deadLettersBefore,
    faults,
    durationMs,
  };
  for (const u of users) {
    const truth = await compareWithGroundTruth(t.database.db, u.userId, t.sim, u.simUserId);
    for (const r of Object.values(truth.rows)) {
      report.rows.expected += r.expected;
      report.rows.actual += r.actual;
      report.rows.lost += r.missing.length;
      report.rows.doubled += r.duplicates;
      report.rows.extra += r.extra.length;
      report.rows.different += r.different.length;
    }
    if (!truth.equal) report.usersNotEqual.push(u.userId);
  }
  return report;
}

async function sampleLag(t: SoakTopology, lag: Record<string, number>): Promise<void> {
  for (const durable of Object.values(DURABLES)) {
    const info = await t.jsm.consumers.info(t.ns.stream(durable === DURABLES.writer ? 'SYNC_RESULTS' : 'SYNC_WORK'), durable);
    lag[durable] = Math.max(lag[durable] ?? 0, info.num_pending + info.num_ack_pending);
  }
}

async function deadLetters(t: SoakTopology): Promise<number> {
  for (;;) {
    try {
      return (await t.jsm.streams.info(t.ns.stream('DEAD_LETTERS'))).state.messages;
    } catch {
      await sleep(500);
    }
  }
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false)) && Date.now() < deadline) await sleep(500);
}

function sumCounts(counts: Array<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const c of counts) for (const [k, v] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}
