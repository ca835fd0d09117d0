import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultRunner, faultSchedule } from './support/soak-faults.js';
import { planUsers, seededRandom } from './support/soak-load.js';
import { runPhase } from './support/soak-phase.js';
import { CPUS, machineLoad, writeSoakReport, type SoakReport } from './support/soak-report.js';
import { startSoakTopology, type SoakTopology } from './support/soak-topology.js';

/**
 * The soak of issue 18, on the production topology shrunk onto one machine: a 3-node JetStream
 * cluster (streams replicated 3×), 2 api, 2 notifier, 3 fetcher and 2 writer processes, a private
 * Postgres. Users start syncs spread over the phase and watch them through either notifier; the
 * same load runs once without faults (the baseline) and once with a fault from a seeded schedule
 * (docs/reliability.md, "The soak"). CI runs the short default; the long run is
 * `SOAK_MINUTES=10 SOAK_USERS=300 npm run soak`.
 */
const env = process.env;
const MINUTES = Number(env.SOAK_MINUTES ?? 0.75);
const USERS = Number(env.SOAK_USERS ?? 24);
const SEED = Number(env.SOAK_SEED ?? 18);
const FAULTS = Number(env.SOAK_FAULTS ?? Math.max(5, Math.floor(MINUTES * 2)));
/** Test-only: a dead process's messages come back after this, not production's 60 s / 30 s; 0 keeps production's. */
const ACK_WAIT_MS = Number(env.SOAK_ACK_WAIT_MS ?? 15_000);
const RESTART_DELAY_MS = 3_000;
const OUTAGE_MS = Number(env.SOAK_OUTAGE_MS ?? (MINUTES >= 5 ? 20_000 : 8_000));
const SPREAD_MS = MINUTES * 60_000;
/** A student's account: 8 courses × 20 assignments (~400 rows, 9 units). */
const ACCOUNT = { courses: 8, assignmentsPerCourse: 20 };

describe('soak: a 3-node JetStream cluster and replicas of every service under a seeded fault schedule', () => {
  let t: SoakTopology;
  const started = Date.now();
  const loadStart = machineLoad();

  beforeAll(async () => {
    t = await startSoakTopology({ simUsers: Array.from({ length: USERS * 2 }, () => ACCOUNT), seed: SEED, replicas: 3, restartDelayMs: RESTART_DELAY_MS, ackWaitMs: ACK_WAIT_MS > 0 ? ACK_WAIT_MS : undefined });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  }, 120_000);

  it(
    'every sync completes, nothing is lost or doubled, no watcher is left hanging, every fault heals',
    async () => {
      let report: SoakReport | undefined;
      try {
        const random = seededRandom(SEED);
        const baseline = await runPhase(t, 'baseline (no faults)', planUsers(t, 'base', 0, USERS, SPREAD_MS, random), [], undefined);
        const interval = SPREAD_MS / FAULTS;
        const faults = faultSchedule(SEED, FAULTS, interval / 2, interval);
        const faulted = await runPhase(t, 'with faults', planUsers(t, 'fault', USERS, USERS, SPREAD_MS, random), faults, new FaultRunner(t, SEED, RESTART_DELAY_MS, OUTAGE_MS));
        report = {
          settings: { minutes: MINUTES, users: USERS, seed: SEED, faults: FAULTS, ackWaitMs: ACK_WAIT_MS || 'production', restartDelayMs: RESTART_DELAY_MS, outageMs: OUTAGE_MS, account: ACCOUNT, streamReplicas: await t.streamReplicas() },
          baseline,
          faulted,
          ratio: { p50: faulted.syncMs.p50 / baseline.syncMs.p50, p95: faulted.syncMs.p95 / baseline.syncMs.p95 },
          machine: { cpus: CPUS, loadavgStart: loadStart, loadavgEnd: machineLoad(), node: process.version },
          totalMs: Date.now() - started,
        };
        writeSoakReport(report);
        // What the services said, for whoever reads a red run (warn and above only).
        const dirty = [baseline, faulted].some((p) => p.completed !== USERS || p.watchersMissingTerminal.length > 0 || p.usersNotEqual.length > 0 || p.deadLetters > 0);
        if (dirty) process.stdout.write(t.supervisor.logs(60));
      } catch (err) {
        process.stdout.write(t.supervisor.logs(30));
        throw err;
      }
      for (const phase of [report.baseline, report.faulted]) {
        const summary = `${phase.label}: ${JSON.stringify({ ...phase, faults: undefined })}`;
        expect(phase.started, summary).toBe(USERS);
        expect(phase.notCompleted, summary).toEqual([]);
        expect(phase.completed, summary).toBe(USERS);
        expect(phase.rows, summary).toMatchObject({ lost: 0, doubled: 0, extra: 0, different: 0 });
        expect(phase.rows.actual, summary).toBe(phase.rows.expected);
        expect(phase.usersNotEqual, summary).toEqual([]);
        expect(phase.watchersMissingTerminal, summary).toEqual([]);
        expect(phase.deadLetters, summary).toBe(0);
      }
      // Every kind ran at least once, and each fault healed.
      expect(new Set(report.faulted.faults.map((f) => (f.kind.startsWith('replica:') ? 'replicas' : f.kind)))).toEqual(new Set(['meta-leader', 'stream-leader', 'replicas', 'postgres', 'canvas-outage']));
      for (const f of report.faulted.faults) {
        expect(f.error, JSON.stringify(f)).toBeUndefined();
        expect(f.healMs, JSON.stringify(f)).toBeGreaterThan(0);
      }
    },
    // Two phases, their tails, and the fault heals; a long run sets its own size.
    2 * SPREAD_MS + 15 * 60_000,
  );
});
