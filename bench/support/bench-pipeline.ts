import { sql, type Kysely } from 'kysely';
import type { CanvasSim, SimCounts, SimOptions } from '@canvas-sync/canvas-sim';
import type { Database } from '@canvas-sync/shared';
import { startPipeline, startSimProcess, type PipelineHarness, type SimProcess } from '@canvas-sync/testkit';
import { retryingConnect, type BenchContext } from './bench-context.js';
import { serviceNodeEnv } from './service-node-env.js';
import { cpuSeconds } from './proc-stats.js';

/**
 * The services' own defaults. The testkit harness tightens a few for tests (a 60 s stall, a 2 s
 * watchdog, a 1 s breaker reset); a benchmark measures the shipped configuration.
 */
export const SERVICE_DEFAULTS: Record<string, string> = {
  LOG_LEVEL: 'warn',
  SYNC_STALL_MS: '180000',
  WATCHDOG_INTERVAL_MS: '15000',
  CANVAS_BREAKER_RESET_MS: '5000',
};

export const TABLES = ['courses', 'terms', 'assignment_groups', 'assignments', 'submissions'] as const;
export type RowCounts = Record<(typeof TABLES)[number], number>;

/** Either simulator a bench pipeline runs on. */
export type BenchSim = CanvasSim | SimProcess;

interface BenchPipelineOptions {
  sim: SimOptions;
  fetchers?: number;
  writers?: number;
  env?: Record<string, string>;
  /**
   * Run the simulator in its own process (`startSimProcess`, the `canvas-sim` CLI) instead of in
   * this one: this process's CPU time is then the bench's own, and the simulator's answers do not
   * wait for this process's event loop. `sim` must hold only what the CLI can set.
   */
  simProcess?: boolean;
}

/** A pipeline (fetcher and writer processes, a database, a NATS namespace) on the bench's servers, closed by the cleanup. */
export function startBenchPipeline(ctx: BenchContext, options: BenchPipelineOptions & { simProcess: true }): Promise<{ h: PipelineHarness<SimProcess>; close: () => Promise<void> }>;
export function startBenchPipeline(ctx: BenchContext, options: BenchPipelineOptions & { simProcess?: false }): Promise<{ h: PipelineHarness; close: () => Promise<void> }>;
export async function startBenchPipeline(ctx: BenchContext, options: BenchPipelineOptions): Promise<{ h: PipelineHarness<BenchSim>; close: () => Promise<void> }> {
  const rest = {
    fetchers: options.fetchers ?? 1,
    writers: options.writers ?? 1,
    env: { ...SERVICE_DEFAULTS, ...serviceNodeEnv(), ...options.env },
    servers: ctx.servers,
  };
  let h: PipelineHarness<BenchSim>;
  if (options.simProcess) {
    const sim = await startSimProcess(options.sim);
    try {
      h = await startPipeline({ ...rest, externalSim: sim });
    } catch (error) {
      await sim.close();
      throw error;
    }
  } else {
    h = await startPipeline({ ...rest, sim: options.sim });
  }
  const close = ctx.cleanup.add(`pipeline ${h.database.name}`, () => h.close());
  return { h, close };
}

/** Live rows of one app user in the `canvas` tables. */
export async function countRows(db: Kysely<Database>, userId: string): Promise<RowCounts> {
  const out = {} as RowCounts;
  for (const table of TABLES) {
    const { rows } = await retryingConnect(() => sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.raw(`canvas.${table}`)} WHERE user_id = ${userId} AND deleted_at IS NULL`.execute(db));
    out[table] = Number(rows[0]?.n ?? 0);
  }
  return out;
}

/**
 * What a complete sync of `simUserId` holds, from the simulator's ground truth (which also
 * generates and caches every course's content, so no timed run pays for generating it).
 */
export function expectedRows(sim: CanvasSim, simUserId: number): RowCounts {
  const truth = sim.groundTruth(simUserId);
  return {
    courses: truth.courses.length,
    terms: truth.terms.length,
    assignment_groups: truth.assignmentGroups.length,
    assignments: truth.assignments.length,
    submissions: truth.submissions.length,
  };
}

/** {@link expectedRows} of a simulator in its own process: its counts, not its rows (a `heavy` user has ~200,000); it generates every course's content first as well. */
export async function expectedRowsOf(sim: SimProcess, simUserId: number): Promise<RowCounts> {
  return rowCounts(await sim.counts(simUserId));
}

function rowCounts(c: SimCounts): RowCounts {
  return { courses: c.courses, terms: c.terms, assignment_groups: c.assignmentGroups, assignments: c.assignments, submissions: c.submissions };
}

export function sameCounts(a: RowCounts, b: RowCounts): boolean {
  return TABLES.every((t) => a[t] === b[t]);
}

export function describeCounts(c: RowCounts): string {
  return TABLES.map((t) => `${t} ${c[t]}`).join(', ');
}

/** CPU seconds used so far by the pipeline: its service processes, and the Postgres backends serving its database. */
export async function pipelineCpu(h: PipelineHarness<BenchSim>, only?: 'fetcher' | 'writer'): Promise<{ services: Map<number, number>; postgres: Map<number, number> }> {
  const live = h.services.filter((s) => s.child.exitCode === null && (!only || s.name === only));
  const services = new Map(live.map((s) => [s.child.pid!, cpuSeconds(s.child.pid!)]));
  const { rows } = await retryingConnect(() => sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(h.database.db));
  const postgres = new Map(rows.map((r) => [r.pid, cpuSeconds(r.pid)]));
  return { services, postgres };
}

/** CPU seconds between two {@link pipelineCpu} snapshots (processes born in between count from zero). */
export function cpuBetween(before: Awaited<ReturnType<typeof pipelineCpu>>, after: Awaited<ReturnType<typeof pipelineCpu>>): { services: number; postgres: number } {
  const delta = (a: Map<number, number>, b: Map<number, number>) => [...b.entries()].reduce((n, [pid, t]) => n + Math.max(0, t - (a.get(pid) ?? 0)), 0);
  return { services: delta(before.services, after.services), postgres: delta(before.postgres, after.postgres) };
}
