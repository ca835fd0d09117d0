import { DEFAULT_LATENCY, REALISTIC_LATENCY, type SimLatency, type SimProfile } from '@canvas-sync/canvas-sim';
import { compareWithGroundTruth, type PipelineHarness } from '@canvas-sync/testkit';
import type { BenchContext } from './support/bench-context.js';
import { cpuBetween, pipelineCpu, startBenchPipeline } from './support/bench-pipeline.js';
import type { BenchResult, Figure } from './support/results.writer.js';
import { median } from './support/stats.js';
import { runPipelineSync, type PipelineRun } from './e2e/pipeline-run.js';

/**
 * Scheduled syncs after the first (README "Schedules"): incremental by default, every
 * `SCHEDULE_FULL_EVERY`-th run full. The fetcher fetches everything again either way; the writer's
 * hash pre-check leaves unchanged rows alone. Per profile and latency, one app user's first full
 * sync, then on that user:
 *
 * - `incremental, unchanged`: nothing changed in Canvas since the last run;
 * - `incremental, after changes`: before each run ~2 % of the assignments edited, a few grades
 *   posted (students: teachers have no submissions) and one assignment added;
 * - `full, unchanged`: the every-7th run, which also runs the deletion sweep.
 *
 * `BENCH_RESYNC_PROFILES=student,teacher`, `BENCH_RESYNC_LATENCY=sim|realistic`,
 * `BENCH_RESYNC_CASES=unchanged` (a comma list of case keys, for profiling one case) and
 * `BENCH_RESYNC_RUNS=N` (runs per case) narrow a run.
 */

interface LatencyMode {
  id: 'sim' | 'realistic';
  latency: SimLatency;
  suffix: string;
}
const MODES: LatencyMode[] = [
  { id: 'sim', latency: { ...DEFAULT_LATENCY }, suffix: '' },
  { id: 'realistic', latency: REALISTIC_LATENCY, suffix: ' · realistic latency' },
];

interface ProfilePlan {
  profile: SimProfile;
  /** Fresh app users' first syncs (the median is the ratio's denominator); the first user then resyncs. */
  firstSyncs: number;
  /** Runs per resync case; the median is reported. */
  runs: number;
}
const QUICK: ProfilePlan[] = [
  { profile: 'student', firstSyncs: 1, runs: 3 },
  { profile: 'teacher', firstSyncs: 1, runs: 2 },
];
const FULL: ProfilePlan[] = [
  { profile: 'student', firstSyncs: 3, runs: 7 },
  { profile: 'teacher', firstSyncs: 3, runs: 5 },
];

type CaseKey = 'unchanged' | 'changed' | 'full';
const CASES: Array<{ key: CaseKey; label: string; mode: 'full' | 'incremental' }> = [
  { key: 'unchanged', label: 'incremental, unchanged', mode: 'incremental' },
  { key: 'changed', label: 'incremental, after changes', mode: 'incremental' },
  { key: 'full', label: 'full, unchanged', mode: 'full' },
];

const TIMEOUT_MS = 180_000;
const COMPLETION_GRACE_MS = 15_000;

/** One measured sync. */
interface Measured {
  run: PipelineRun;
  fetcher: number;
  writer: number;
  postgres: number;
  requests: number;
  written: number;
  unchanged: number;
  deleted: number;
}

export async function runResyncBench(ctx: BenchContext): Promise<BenchResult> {
  const pick = process.env.BENCH_RESYNC_PROFILES?.split(',');
  const plan = (ctx.quick ? QUICK : FULL).filter((p) => !pick || pick.includes(p.profile));
  const modes = MODES.filter((m) => !process.env.BENCH_RESYNC_LATENCY || process.env.BENCH_RESYNC_LATENCY === m.id);
  const only = process.env.BENCH_RESYNC_CASES?.split(',');
  const cases = CASES.filter((c) => !only || only.includes(c.key));
  const runs = process.env.BENCH_RESYNC_RUNS ? Number(process.env.BENCH_RESYNC_RUNS) : undefined;
  const figures: Figure[] = [];
  const notes: string[] = [];
  for (const mode of modes) await runMode(ctx, mode, plan.map((p) => ({ ...p, runs: runs ?? p.runs })), cases, { figures, notes });
  notes.push(
    'Each case runs on the same app user after its first full sync: wall = start request → `completed` (the writer’s `finished_at`); CPU = user + system CPU seconds of the fetcher and writer processes and the Postgres backends of the bench database during the run (1 fetcher + 1 writer, default settings; /proc counts in 10 ms ticks, so a student’s figures are a few ticks each); written = created + updated rows, unchanged and deleted from the sync’s `counts`; requests = the simulator’s count for the run’s fresh token. Median of the runs. After every run the user’s rows are compared with the simulator’s ground truth row for row (`compareWithGroundTruth`).',
    '“after changes”: before each run, ~2 % of the user’s assignments (at least 1) get a new name (`editAssignment`, which also moves `updated_at`), one assignment is added to a course (`addAssignment`), and for a student 3 submissions are graded and posted (`gradeSubmission`). The account grows by one assignment per run. “resync CPU / first sync” divides by the median first full sync of fresh app users in the same pipeline and run.',
  );
  return { id: 'resync', title: 'Scheduled resyncs: incremental and full runs after the first sync', figures, notes };
}

async function runMode(ctx: BenchContext, mode: LatencyMode, plan: ProfilePlan[], cases: typeof CASES, out: { figures: Figure[]; notes: string[] }): Promise<void> {
  // One more user, a student, to warm the processes up (a fresh process's first syncs also pay V8 compiling its code).
  const { h, close } = await startBenchPipeline(ctx, {
    sim: { users: [...plan.map((p) => ({ profile: p.profile })), { profile: 'student' as const }], latency: mode.latency, contentCacheSize: 1_024 },
  });
  try {
    const warmSimUser = h.sim.users[plan.length]!.id;
    const warmUser = `resync-${mode.id}-warm-up`;
    for (const m of ['full', 'incremental', 'full'] as const) {
      const warm = await runPipelineSync(h, warmUser, warmSimUser, { timeoutMs: 60_000, completionGraceMs: COMPLETION_GRACE_MS, mode: m });
      if (warm.status !== 'completed') throw new Error(`resync warm-up sync ${warm.status} (${warm.unitsDone}/${warm.unitsTotal} units)`);
    }
    for (const [index, p] of plan.entries()) {
      const simUserId = h.sim.users[index]!.id;
      const c = (label: string) => `${p.profile}${mode.suffix} · ${label}`;
      const check = async (userId: string, what: string) => {
        const report = await compareWithGroundTruth(h.database.db, userId, h.sim, simUserId);
        if (report.equal) return;
        const off = Object.entries(report.rows).filter(([, r]) => r.missing.length || r.extra.length || r.different.length || r.duplicates);
        out.notes.push(`**${c(what)}: rows differ from the simulator** — ${off.map(([t, r]) => `${t}: ${r.actual}/${r.expected}, ${r.missing.length} missing, ${r.extra.length} extra, ${r.different.length} different`).join('; ')}.`);
      };
      h.sim.groundTruth(simUserId); // generates the content before any timed run

      const first: Measured[] = [];
      for (let i = 0; i < p.firstSyncs; i++) {
        const userId = `resync-${mode.id}-${p.profile}-${i}`;
        first.push(await measure(h, userId, simUserId, 'full'));
        await check(userId, 'first sync');
      }
      const userId = `resync-${mode.id}-${p.profile}-0`;
      const firstCpu = median(first.map(total));
      const rows = median(first.map((m) => m.written));
      out.figures.push(...caseFigures(c('first sync'), first, firstCpu, rows));
      ctx.log(`resync ${c('first sync')}: ${describe(first)}`);

      for (const kase of cases) {
        const measured: Measured[] = [];
        for (let i = 0; i < p.runs; i++) {
          if (kase.key === 'changed') await changeCanvas(h, simUserId, p.profile);
          const m = await measure(h, userId, simUserId, kase.mode);
          measured.push(m);
          await check(userId, kase.label);
          if (m.run.status !== 'completed') {
            out.notes.push(`**${c(kase.label)}: a run ended ${m.run.status}** (${m.run.unitsDone}/${m.run.unitsTotal} units${m.run.hung ? ', hung' : ''}).`);
            break;
          }
        }
        out.figures.push(...caseFigures(c(kase.label), measured, firstCpu, rows));
        ctx.log(`resync ${c(kase.label)}: ${describe(measured)}`);
      }
      out.notes.push(`${p.profile}${mode.suffix}: ${rows} rows at the first sync; ${p.firstSyncs} first sync(s), ${p.runs} run(s) per resync case (median).`);
    }
  } finally {
    await close();
  }
}

/** One sync of `userId`, with its CPU per component, its Canvas requests and the writer's counts. */
async function measure(h: PipelineHarness, userId: string, simUserId: number, mode: 'full' | 'incremental'): Promise<Measured> {
  const before = await pipelineCpu(h);
  const run = await runPipelineSync(h, userId, simUserId, { timeoutMs: TIMEOUT_MS, completionGraceMs: COMPLETION_GRACE_MS, mode });
  const after = await pipelineCpu(h);
  const ofService = (name: string) => cpuBetween(before, { ...after, services: new Map([...after.services].filter(([pid]) => h.services.some((s) => s.name === name && s.child.pid === pid))) }).services;
  const row = await h.database.db.selectFrom('syncs').select('counts').where('id', '=', run.syncId).executeTakeFirstOrThrow();
  const sum = (key: string) => Object.values(row.counts).reduce((n, r) => n + (r[key] ?? 0), 0);
  return {
    run,
    fetcher: ofService('fetcher'),
    writer: ofService('writer'),
    postgres: cpuBetween(before, after).postgres,
    requests: h.sim.stats().byToken[run.token]?.requests ?? 0,
    written: sum('created') + sum('updated'),
    unchanged: sum('unchanged'),
    deleted: sum('deleted'),
  };
}

const total = (m: Measured) => m.fetcher + m.writer + m.postgres;

function caseFigures(kase: string, runs: Measured[], firstCpu: number, firstRows: number): Figure[] {
  const med = (f: (m: Measured) => number) => median(runs.map(f));
  const completed = runs.every((m) => Number.isFinite(m.run.completedSeconds));
  const cpu = med(total);
  return [
    { case: kase, name: 'wall', value: completed ? med((m) => m.run.completedSeconds) : Number.NaN, unit: 's', ...(completed ? {} : { label: 'not every run completed' }) },
    { case: kase, name: 'fetcher CPU', value: med((m) => m.fetcher), unit: 'CPU s' },
    { case: kase, name: 'writer CPU', value: med((m) => m.writer), unit: 'CPU s' },
    { case: kase, name: 'Postgres CPU', value: med((m) => m.postgres), unit: 'CPU s' },
    { case: kase, name: 'CPU', value: cpu, unit: 'CPU s' },
    { case: kase, name: 'CPU / first sync', value: cpu / firstCpu, unit: '×' },
    { case: kase, name: 'CPU per 1,000 rows fetched', value: (1000 * cpu) / Math.max(1, firstRows), unit: 'CPU s' },
    { case: kase, name: 'written', value: med((m) => m.written), unit: 'rows' },
    { case: kase, name: 'unchanged', value: med((m) => m.unchanged), unit: 'rows' },
    { case: kase, name: 'deleted', value: med((m) => m.deleted), unit: 'rows' },
    { case: kase, name: 'requests', value: med((m) => m.requests), unit: 'requests' },
    { case: kase, name: 'runs', value: runs.length, unit: 'runs' },
  ];
}

function describe(runs: Measured[]): string {
  return runs.map((m) => `${m.run.status} ${m.run.completedSeconds.toFixed(2)} s, CPU f ${m.fetcher.toFixed(2)} w ${m.writer.toFixed(2)} pg ${m.postgres.toFixed(2)}, written ${m.written}, unchanged ${m.unchanged}, deleted ${m.deleted}, ${m.requests} requests`).join(' | ');
}

let changeRound = 0;

/**
 * What changes in a user's Canvas between two scheduled runs, roughly: ~2 % of the assignments
 * edited, one assignment added, and for a student 3 grades posted. Different rows each round.
 */
async function changeCanvas(h: PipelineHarness, simUserId: number, profile: SimProfile): Promise<void> {
  changeRound += 1;
  const assignments = h.sim.groundTruth(simUserId).assignments as Array<{ id: number; course_id: number; name: string; points_possible: number | null }>;
  if (assignments.length === 0) return;
  const edits = Math.max(1, Math.round(assignments.length * 0.02));
  const at = (k: number) => assignments[(changeRound * 37 + k * 101) % assignments.length]!;
  for (let k = 0; k < edits; k++) {
    const a = at(k);
    await h.sim.mutate({ op: 'editAssignment', assignmentId: a.id, changes: { name: `${a.name.replace(/ \(edited \d+\)$/, '')} (edited ${changeRound})` } });
  }
  if (profile === 'student') {
    for (let k = 0; k < 3; k++) {
      const a = at(edits + k);
      await h.sim.mutate({ op: 'gradeSubmission', assignmentId: a.id, score: Math.round((a.points_possible ?? 10) * 0.8), posted: true });
    }
  }
  await h.sim.mutate({ op: 'addAssignment', courseId: at(0).course_id, name: `Added in round ${changeRound}` });
}
