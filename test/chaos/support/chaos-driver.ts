import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { expect } from 'vitest';
import { DURABLES, provisionJetStream, type SyncRow } from '@canvas-sync/shared';
import { compareWithGroundTruth, waitFor, type PipelineHarness, type SyncRequest } from '@canvas-sync/testkit';
import type { ChaosReport, FaultResult, Injection } from './chaos-report.js';

/** One user's sync under one fault. */
export interface FaultRun {
  userId: string;
  simUserId: number;
  syncId: string;
  startedAt: number;
  deadLettersBefore: number;
}

/** What {@link ChaosDriver.finish} needs to know about the fault. */
export interface FinishOptions {
  fault: string;
  injectedAt: Injection | null;
  recovery: string;
  timeoutMs?: number;
  /** Courses the sync was refused (permission 403): their groups, assignments and submissions are expected absent. */
  skippedCourseIds?: number[];
  notes?: Record<string, unknown>;
}

/**
 * Drives the chaos suite's syncs: each fault gets a fresh simulator user (its own rows and token),
 * a sync started the way the api starts one, an injection point measured in units done, and a
 * row-for-row comparison with the simulator's ground truth at the end.
 */
export class ChaosDriver {
  private nextUser = 0;

  constructor(
    private readonly h: PipelineHarness,
    private readonly report: ChaosReport,
    private readonly request: SyncRequest = { chunkSize: 5 },
  ) {}

  /** Connects the next unused simulator user and starts a full sync of everything. */
  async begin(label: string): Promise<FaultRun> {
    const { userId, simUser } = this.takeUser(label);
    await this.h.connect(userId, simUser.id);
    const deadLettersBefore = await this.deadLetters();
    const startedAt = Date.now();
    const syncId = await this.h.startSync(userId, this.request);
    return { userId, simUserId: simUser.id, syncId, startedAt, deadLettersBefore };
  }

  /** The next unused simulator user, for a test that starts its sync another way (the real api). */
  takeUser(label: string): { userId: string; simUser: PipelineHarness['sim']['users'][number] } {
    const simUser = this.h.sim.users[this.nextUser];
    if (!simUser) throw new Error('the simulator has no unused user left: add one to its users');
    return { userId: `chaos-${this.nextUser++}-${label}`, simUser };
  }

  /** The sync row now. */
  row(run: FaultRun): Promise<SyncRow> {
    return this.h.database.db.selectFrom('syncs').selectAll().where('id', '=', run.syncId).executeTakeFirstOrThrow();
  }

  /** Waits until the plan is stored and at least `units` units are done: the injection point. */
  async atUnits(run: FaultRun, units: number, timeoutMs = 60_000): Promise<Injection> {
    let row: SyncRow | undefined;
    await waitFor(async () => {
      row = await this.row(run);
      return row.plan_ready && row.units_done >= units;
    }, timeoutMs, () => `${run.userId} to reach ${units} units (at ${row?.units_done}/${row?.units_total}, ${row?.status})`);
    return { unitsDone: row!.units_done, unitsTotal: row!.units_total, afterMs: Date.now() - run.startedAt };
  }

  /**
   * Waits until Canvas has been asked `requests` times with the run's token: a fault injected then
   * meets the fetch mid-way. (Units written lag behind the fetch, and with the budget keeping ~11
   * requests in flight a small sync can be fetched whole before its 8th unit is written.)
   */
  async atRequests(run: FaultRun, requests: number, token: string, timeoutMs = 60_000): Promise<Injection> {
    let row: SyncRow | undefined;
    await waitFor(async () => {
      row = await this.row(run);
      return (this.h.sim.stats().byToken[token]?.requests ?? 0) >= requests || !['queued', 'running'].includes(row.status);
    }, timeoutMs, () => `${run.userId} to reach ${requests} Canvas requests (at ${row?.units_done}/${row?.units_total}, ${row?.status})`);
    return { unitsDone: row!.units_done, unitsTotal: row!.units_total, afterMs: Date.now() - run.startedAt };
  }

  /** Messages in the namespace's dead-letter stream. */
  async deadLetters(): Promise<number> {
    const jsm = await jetstreamManager(this.h.nats.nc);
    return (await jsm.streams.info(this.h.nats.ns.stream('DEAD_LETTERS'))).state.messages;
  }

  /** Deliveries beyond the first of a durable so far (redeliveries and naks). */
  async redeliveries(durable: (typeof DURABLES)[keyof typeof DURABLES]): Promise<number> {
    const jsm = await jetstreamManager(this.h.nats.nc);
    const stream = this.h.nats.ns.stream(durable === DURABLES.writer ? 'SYNC_RESULTS' : 'SYNC_WORK');
    const info = await jsm.consumers.info(stream, durable);
    return info.delivered.consumer_seq - info.delivered.stream_seq;
  }

  /**
   * Shortens a durable's ack wait on the server (tests only, see docs/reliability.md): a message held
   * by a SIGKILLed process comes back after ack_wait, 60 s in production. Services re-provision
   * their consumers at start-up, so call this again after starting a replacement.
   */
  async shortenAckWait(durable: (typeof DURABLES)[keyof typeof DURABLES], ms: number): Promise<void> {
    const jsm = await jetstreamManager(this.h.nats.nc);
    const stream = this.h.nats.ns.stream(durable === DURABLES.writer ? 'SYNC_RESULTS' : 'SYNC_WORK');
    await jsm.consumers.update(stream, durable, { ack_wait: nanos(ms) });
  }

  /** Puts every stream and consumer back to its production definition. */
  restoreConsumers(): Promise<void> {
    return provisionJetStream(this.h.nats.nc, this.h.nats.ns);
  }

  /** Waits for the sync to end, compares its rows with the ground truth and records the result. */
  async finish(run: FaultRun, options: FinishOptions): Promise<FaultResult> {
    const row = await this.h.waitFor(run.syncId, ['completed', 'failed', 'cancelled'], options.timeoutMs ?? 120_000);
    const report = await compareWithGroundTruth(this.h.database.db, run.userId, this.h.sim, run.simUserId);
    const absent = new Set<number>();
    for (const courseId of options.skippedCourseIds ?? []) {
      const course = this.h.sim.groundTruthCourse(run.simUserId, courseId) as Record<string, Array<{ id: number }>> | null;
      for (const key of ['assignmentGroups', 'assignments', 'submissions']) for (const r of course?.[key] ?? []) absent.add(r.id);
    }
    let expectedRows = 0;
    let actualRows = 0;
    let lost = 0;
    let duplicates = 0;
    let extra = 0;
    let different = 0;
    for (const r of Object.values(report.rows)) {
      const missing = r.missing.filter((id) => !absent.has(id));
      expectedRows += r.expected - (r.missing.length - missing.length);
      actualRows += r.actual;
      lost += missing.length;
      duplicates += r.duplicates;
      extra += r.extra.length;
      different += r.different.length;
    }
    const result: FaultResult = {
      fault: options.fault,
      injectedAt: options.injectedAt,
      recovery: options.recovery,
      status: row.status === 'failed' ? `failed/${row.error?.code}` : row.status,
      expectedRows,
      actualRows,
      lost,
      duplicates,
      extra,
      different,
      deadLetters: (await this.deadLetters()) - run.deadLettersBefore,
      durationMs: Date.now() - run.startedAt,
      notes: { unitsDone: row.units_done, unitsTotal: row.units_total, runs: row.run, warnings: row.warnings.length, ...options.notes },
    };
    this.report.add(result);
    return result;
  }
}

/** The invariants every fault must keep: completed, nothing lost, nothing doubled, nothing given up. */
export function expectClean(result: FaultResult): void {
  const summary = JSON.stringify(result);
  expect(result.status, summary).toBe('completed');
  expect(result.lost, summary).toBe(0);
  expect(result.duplicates, summary).toBe(0);
  expect(result.extra, summary).toBe(0);
  expect(result.different, summary).toBe(0);
  expect(result.actualRows, summary).toBe(result.expectedRows);
  expect(result.deadLetters, summary).toBe(0);
  expect(result.notes.unitsDone, summary).toBe(result.notes.unitsTotal);
}

/** No sync of the harness's database is left queued or running. */
export async function expectNothingRunning(h: PipelineHarness): Promise<void> {
  const active = await h.database.db.selectFrom('syncs').select(['id', 'user_id', 'status', 'phase']).where('status', 'in', ['queued', 'running']).execute();
  expect(active).toEqual([]);
}
