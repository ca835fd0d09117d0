import { DEFAULT_LATENCY, REALISTIC_LATENCY, type SimLatency, type SimProfile } from '@canvas-sync/canvas-sim';
import type { PipelineHarness, SimProcess } from '@canvas-sync/testkit';
import { availableParallelism } from 'node:os';
import type { BenchContext } from './support/bench-context.js';
import { countRows, cpuBetween, describeCounts, expectedRowsOf, pipelineCpu, sameCounts, startBenchPipeline, type RowCounts } from './support/bench-pipeline.js';
import { cpuSeconds } from './support/proc-stats.js';
import type { BenchResult, Figure } from './support/results.writer.js';
import { median } from './support/stats.js';
import { runFetchFloor, type FloorResult } from './e2e/fetch-floor.js';
import { runStoreFloor } from './e2e/store-floor.js';
import { runTransportFloor } from './e2e/transport-floor.js';
import { runTailFloor } from './e2e/tail-floor.js';
import { listeningPid } from './support/listening-pid.js';
import { abandonPipeline, runPipelineSync, type PipelineRun } from './e2e/pipeline-run.js';
import { prepareBaselineSchema, runSequentialBaseline, type BaselineResult } from './e2e/sequential-baseline.js';

interface ProfilePlan {
  profile: SimProfile;
  /** Runs of the pipeline and of the floor; the median is reported. */
  iterations: number;
  baselineRuns: number;
  /** Run the baseline on this many courses only and extrapolate (all of them would take too long). */
  baselineCourses?: number;
  /** Run the floor at the same time as the pipeline (separate tokens, so separate buckets). */
  floorAlongside?: boolean;
  /**
   * Generate the simulator's content before timing. Without it the simulator generates each course
   * on first use, within the timed runs (it has one thread, and a `heavy` run would wait on it).
   */
  warm: boolean;
  timeoutMs: number;
}

/**
 * Two Canvases: the simulator's default latency (~40–130 ms a call), and Canvas's realistic
 * latency, where a course's assignment groups with their assignments take 0.3–1.5 s: there the
 * requests in flight decide the time (REALISTIC_LATENCY). The sequential baseline runs on the first only.
 */
interface LatencyMode {
  id: 'sim' | 'realistic';
  latency: SimLatency;
  /** Suffix of the case names. */
  suffix: string;
  baseline: boolean;
}
const MODES: LatencyMode[] = [
  { id: 'sim', latency: { ...DEFAULT_LATENCY }, suffix: '', baseline: true },
  { id: 'realistic', latency: REALISTIC_LATENCY, suffix: ' · realistic latency', baseline: false },
];

const QUICK: ProfilePlan[] = [
  { profile: 'student', iterations: 2, baselineRuns: 1, warm: true, timeoutMs: 120_000 },
  { profile: 'teacher', iterations: 1, baselineRuns: 1, baselineCourses: 5, warm: true, timeoutMs: 180_000 },
];
const FULL: ProfilePlan[] = [
  { profile: 'student', iterations: 5, baselineRuns: 1, warm: true, timeoutMs: 120_000 },
  { profile: 'teacher', iterations: 3, baselineRuns: 1, baselineCourses: 10, warm: true, timeoutMs: 180_000 },
  { profile: 'heavy', iterations: 1, baselineRuns: 1, baselineCourses: 8, floorAlongside: true, warm: true, timeoutMs: 540_000 },
];
/**
 * Unmeasured rounds of {@link warmUp} before each latency's runs (`BENCH_E2E_WARMUP`). The services
 * are long-running, and V8 tiers their per-part and per-statement code up only over several syncs:
 * with 1 round a student's pipeline/floor read 2.03–2.05 and its CPU 0.20–0.22 s, with 6 rounds
 * 1.52–1.66 and 0.15–0.16 s (teacher 2.80–3.21 → 2.44–2.57; docs/performance.md, session 10).
 */
const WARM_UP_ROUNDS = Number(process.env.BENCH_E2E_WARMUP ?? 6);
/** How long a sync may take to complete after its last unit is written before we call it hung. */
const COMPLETION_GRACE_MS = 15_000;

/**
 * End to end per profile, at the simulator's latency and at Canvas's realistic latency (see
 * {@link MODES}), with Canvas's default throttle: (a) the pipeline — one fetcher and one writer
 * process, default configuration — from the start request to `completed`, its rows checked
 * against the simulator; (b) the sequential baseline (simulator latency only); (c) the fetch floor.
 * `BENCH_E2E_LATENCY=sim|realistic` runs one of the two.
 */
export async function runE2eBench(ctx: BenchContext): Promise<BenchResult[]> {
  // BENCH_E2E_PROFILES=heavy (a comma list) runs only those profiles: for working on one of them.
  const pick = process.env.BENCH_E2E_PROFILES?.split(',');
  const plan = (ctx.quick ? QUICK : FULL).filter((p) => !pick || pick.includes(p.profile));
  const modes = MODES.filter((m) => !process.env.BENCH_E2E_LATENCY || process.env.BENCH_E2E_LATENCY === m.id);
  const main: Figure[] = [];
  const detail: Figure[] = [];
  const notes: string[] = [];
  for (const mode of modes) await runMode(ctx, mode, plan, { main, detail, notes });
  notes.push(
    'pipeline = start request → `completed` (the writer’s `finished_at`): 1 fetcher + 1 writer process, default settings, rows checked against the simulator after each run. baseline = one request at a time, Canvas’s default page size (10 rows), groups / assignments / submissions listed separately per course, one autocommitted INSERT … ON CONFLICT per row into a scratch schema. floor = course list + one assignment_groups?include[]=assignments&include[]=submission walk per course, per_page=100, as many requests in flight as the fetcher’s own token budget allows (steered by X-Rate-Limit-Remaining, up to its ceiling of 11; in memory), no broker, no database.',
    'realistic latency = a course’s assignment_groups with embedded assignments 0.3 s + 2 ms per row + up to 0.5 s, the course list 150 ms + 1 ms per course, other calls as the simulator’s default (canvas-sim `REALISTIC_LATENCY`); the jitter is drawn once per page (seeded), so the pipeline and the floor meet the same latency for each course and their ratio measures the pipeline, not the draws.',
    'tail floor = what must still follow the floor’s last answer in this design, one step after the other: that course’s rows carried through JetStream (serialized into its part, published, pulled by a waiting consumer, parsed; the transport floor) and stored (prepared, one COPY per resource, committed; the store floor), each the least of 3 rounds on a warm connection (`bench/e2e/tail-floor.ts`). A part is one message and one transaction, so the sync cannot complete before both: (floor + tail floor) / floor is the least pipeline/floor this design reaches at this latency on this machine, before any hop of its own (median of the runs’ ratios).',
    'throttle bound = (Σ X-Request-Cost of the floor’s requests − 600) / 10 units/s: the least time Canvas’s default leaky bucket allows for that work, however many requests are in flight (a request is admitted only while the bucket is below its 600 high-water mark, and it leaks 10 units/s); 0 when the whole account fits in the bucket.',
    `Every run uses a fresh Canvas token (an empty bucket) and a fresh app user (every pipeline run writes every row). Before the runs of each latency, ${WARM_UP_ROUNDS} unmeasured rounds of a student sync, floor, store floor and transport floor warm the processes up (\`BENCH_E2E_WARMUP\`; the services are long-running, and a fresh process’s first syncs also pay V8 compiling and tiering up its code).`,
  );
  return [
    { id: 'e2e', title: 'End to end: pipeline vs sequential baseline vs fetch floor', figures: main, notes },
    {
      id: 'e2e-detail',
      title: 'End to end, details: Canvas requests, throttling, CPU',
      figures: detail,
      notes: [
        'Requests, throttled requests and peak in-flight per token come from the simulator’s statistics for the run’s token. The simulator runs in a process of its own (the canvas-sim CLI, `startSimProcess`), so no CPU figure but its own holds its work. pipeline CPU = user + system CPU seconds of the fetcher and writer processes and of the Postgres backends of the bench database during the run (not NATS, not the simulator); floor CPU = the bench process during the floor: the floor’s HTTP client alone (for heavy, whose floor runs beside the pipeline, also the pipeline run’s status poll, there one query a second; “bench process CPU (pipeline)” is that poll alone, ten a second, in the other cases). simulator CPU (pipeline) / (floor) = the simulator’s process over the pipeline run / over the floor (for heavy one figure over both, which run at once): what serving the calls costs, in no other figure. store floor CPU = putting the floor’s rows into empty copies of the `canvas` tables with the writer’s own row preparation and one COPY per resource in one transaction (this process and its Postgres backend; `bench/e2e/store-floor.ts`): with the floor’s, the least CPU that fetching and storing these rows takes. transport floor CPU = carrying the floor’s rows through JetStream as the pipeline does (each row serialized once into parts of ≤ 512 KB per course, published with an ack to a file-stored stream, pulled in batches of 8, parsed, acked; this process; `bench/e2e/transport-floor.ts`); NATS CPU = the NATS server’s process (found by its listening port; empty when it runs elsewhere) over the pipeline run / the transport floor — on a shared server it also holds whatever else used it meanwhile. design floor CPU, all processes = floor + simulator (floor) + transport floor + NATS (transport floor) + store floor: the least CPU this design spends on the sync in every process, Canvas’s side included; design floor on all cores / floor = that CPU spread perfectly over this machine’s cores, in units of the floor’s time: the least pipeline/floor the design can reach on this machine at this latency (below 1 the cores are not what bounds it). CPU seconds depend little on how loaded the machine is; wall seconds depend on it a lot.',
      ],
    },
  ];
}

/**
 * An unmeasured student sync, floor, store floor and transport floor before the measured runs: the services are
 * long-running processes, and a fresh one's first syncs also pay V8 compiling its code (a writer's
 * first teacher sync ~1.0–1.15 CPU s against ~0.55–0.9 for later ones; docs/performance.md), as
 * does this process's first floor.
 */
async function warmUp(h: PipelineHarness<SimProcess>, mode: LatencyMode, simUserId: number, natsUrl: string, round: number): Promise<void> {
  const userId = `e2e-${mode.id}-warm-up-${round}`;
  const run = await runPipelineSync(h, userId, simUserId, { timeoutMs: 60_000, completionGraceMs: COMPLETION_GRACE_MS });
  if (run.status !== 'completed') throw new Error(`e2e warm-up sync ${run.status} (${run.unitsDone}/${run.unitsTotal} units)`);
  const floor = await runFetchFloor({ simUrl: h.sim.url, token: await h.sim.issueToken(simUserId), keepRows: true });
  await runStoreFloor(h.database.url, `${userId}-store-floor`, floor.rows!);
  await runTransportFloor(natsUrl, undefined, floor.rows!);
}

/** One latency mode: a pipeline on a simulator of that latency, every profile of the plan. */
async function runMode(ctx: BenchContext, mode: LatencyMode, plan: ProfilePlan[], out: { main: Figure[]; detail: Figure[]; notes: string[] }): Promise<void> {
  const { main, detail, notes } = out;
  // One more user, a student, for the warm-up below. The simulator runs in its own process, so
  // this process's CPU time is the floor's client alone and its event loop delays no answer.
  const { h, close } = await startBenchPipeline(ctx, {
    sim: { users: [...plan.map((p) => ({ profile: p.profile })), { profile: 'student' as const }], latency: mode.latency, contentCacheSize: 1_024 },
    simProcess: true,
  });
  const simCpu = () => cpuSeconds(h.sim.pid);
  // The NATS server's process, when it runs on this machine (its CPU is in no other figure).
  const natsPid = listeningPid(natsPort(ctx.servers.natsUrl));
  const natsCpu = () => (natsPid === undefined ? Number.NaN : cpuSeconds(natsPid));
  try {
    if (mode.baseline) await prepareBaselineSchema(h.database.url);
    for (let i = 0; i < WARM_UP_ROUNDS; i++) await warmUp(h, mode, h.sim.users[plan.length]!.id, ctx.servers.natsUrl, i);
    for (const [index, p] of plan.entries()) {
      const simUser = h.sim.users[index]!;
      let expected: RowCounts | undefined = p.warm ? await expectedRowsOf(h.sim, simUser.id) : undefined;
      ctx.log(`e2e ${p.profile}${mode.suffix}: ${expected ? describeCounts(expected) : JSON.stringify(await h.sim.summary(simUser.id))}`);
      // simCpu: the simulator's process over the run; benchCpu: this process over the pipeline run (its status poll, and beside it the floor).
      const pipeline: Array<PipelineRun & { throttled: number; peak: number; requests: number; cpu: number; fetcherCpu: number; writerCpu: number; postgresCpu: number; simCpu: number; natsCpu: number; benchCpu: number }> = [];
      const floor: Array<FloorResult & { peak: number; cpu: number; simCpu: number; storeCpu: number | undefined; transportCpu: number | undefined; transportNatsCpu: number | undefined; tailSeconds: number | undefined }> = [];
      const pending: Array<{ userId: string; run: PipelineRun }> = [];
      let abandoned = false;

      for (let i = 0; i < p.iterations && !abandoned; i++) {
        const userId = `e2e-${mode.id}-${p.profile}-${i}`;
        const floorToken = await h.sim.issueToken(simUser.id);
        const timedFloor = async () => {
          const before = cpuSeconds(process.pid);
          const simBefore = simCpu();
          // Heavy's floor runs beside the pipeline and keeps no rows (~200,000 in this process): no store floor.
          const f = await runFetchFloor({ simUrl: h.sim.url, token: floorToken, keepRows: !p.floorAlongside });
          return { ...f, cpu: cpuSeconds(process.pid) - before, simCpu: simCpu() - simBefore };
        };
        const cpuBefore = await pipelineCpu(h);
        const simBefore = simCpu();
        const natsBefore = natsCpu();
        const benchBefore = cpuSeconds(process.pid);
        const runs = p.floorAlongside
          ? // A poll a second instead of ten: the floor's CPU, timed in this process meanwhile, holds the poll too (~1 ms each).
            await Promise.all([runPipelineSync(h, userId, simUser.id, { timeoutMs: p.timeoutMs, completionGraceMs: COMPLETION_GRACE_MS, pollMs: 1_000 }), timedFloor()])
          : ([await runPipelineSync(h, userId, simUser.id, { timeoutMs: p.timeoutMs, completionGraceMs: COMPLETION_GRACE_MS }), undefined] as const);
        const run = runs[0];
        const runSimCpu = simCpu() - simBefore;
        const runNatsCpu = natsCpu() - natsBefore;
        const benchCpu = cpuSeconds(process.pid) - benchBefore;
        const cpuAfter = await pipelineCpu(h);
        const cpu = cpuBetween(cpuBefore, cpuAfter);
        const ofService = (name: string) => cpuBetween(cpuBefore, { ...cpuAfter, services: new Map([...cpuAfter.services].filter(([pid]) => h.services.some((x) => x.name === name && x.child.pid === pid))) }).services;
        const { rows: floorRows, ...f } = runs[1] ?? (await timedFloor());
        const store = floorRows && (await runStoreFloor(h.database.url, `${userId}-store-floor`, floorRows));
        const transport = floorRows && (await runTransportFloor(ctx.servers.natsUrl, natsPid, floorRows));
        const tail = floorRows && f.lastCourseId !== undefined ? await runTailFloor({ databaseUrl: h.database.url, natsUrl: ctx.servers.natsUrl, userId: `${userId}-tail-floor`, read: floorRows, courseId: f.lastCourseId }) : undefined;
        const stats = await h.sim.stats();
        const s = stats.byToken[run.token];
        pipeline.push({ ...run, throttled: s?.throttled ?? 0, peak: s?.peakInFlight ?? 0, requests: s?.requests ?? 0, cpu: cpu.services + cpu.postgres, fetcherCpu: ofService('fetcher'), writerCpu: ofService('writer'), postgresCpu: cpu.postgres, simCpu: runSimCpu, natsCpu: runNatsCpu, benchCpu });
        floor.push({ ...f, peak: stats.byToken[floorToken]?.peakInFlight ?? 0, storeCpu: store && store.nodeCpu + store.postgresCpu, transportCpu: transport?.clientCpu, transportNatsCpu: transport?.natsCpu, tailSeconds: tail?.seconds });
        if (store && store.rows !== f.courses + f.terms + f.assignmentGroups + f.assignments + f.submissions) notes.push(`**${p.profile} store floor stored ${store.rows} rows**, the floor read ${f.courses + f.terms + f.assignmentGroups + f.assignments + f.submissions}.`);
        pending.push({ userId, run });
        ctx.log(`e2e ${p.profile}${mode.suffix}: pipeline ${run.status} ${run.unitsDone}/${run.unitsTotal} units, completed after ${run.completedSeconds.toFixed(1)} s, last progress ${run.lastProgressSeconds.toFixed(1)} s (${s?.requests} requests, ${s?.throttled} throttled); floor ${f.seconds.toFixed(1)} s (${f.requests} requests, ${f.throttled} throttled); CPU s: pipeline ${(cpu.services + cpu.postgres).toFixed(2)}, floor ${f.cpu.toFixed(2)}, simulator ${runSimCpu.toFixed(2)}${p.floorAlongside ? ' (both)' : ` + ${f.simCpu.toFixed(2)} (floor)`}${store ? `; store floor ${store.rows} rows, ${store.nodeCpu.toFixed(2)} + ${store.postgresCpu.toFixed(2)} CPU s (this process + Postgres)` : ''}${transport ? `; transport floor ${transport.parts} parts, ${(transport.bytes / 1e6).toFixed(1)} MB, ${transport.clientCpu.toFixed(2)} + ${transport.natsCpu?.toFixed(2) ?? '?'} CPU s (this process + NATS)` : ''}; NATS over the pipeline run ${runNatsCpu.toFixed(2)} CPU s${tail ? `; tail floor ${(tail.seconds * 1000).toFixed(1)} ms (course ${f.lastCourseId}, ${tail.rows} rows: transport ${(tail.transportSeconds * 1000).toFixed(1)} + store ${(tail.storeSeconds * 1000).toFixed(1)} ms)` : ''}`);
        if (!['completed', 'failed', 'cancelled'].includes(run.status)) {
          abandoned = true;
          notes.push(
            run.hung
              ? `**${p.profile}: the sync never completed.** ${run.unitsDone} of ${run.unitsTotal} units were written after ${run.lastProgressSeconds.toFixed(0)} s; the last unit commits together with the completion (the full sync's "seen in this run" delete sweep), which was still running ${COMPLETION_GRACE_MS / 1000} s later, so the run was stopped. The pipeline figure is the time to the last progress (${run.unitsDone}/${run.unitsTotal} units), a lower bound.`
              : `**${p.profile}: the sync did not finish within ${p.timeoutMs / 1000} s** (${run.unitsDone}/${run.unitsTotal} units, status ${run.status}); the run was stopped.`,
          );
          await abandonPipeline(h, run.syncId);
        }
      }
      // Without a warm-up the simulator's summary and the floor give the truth (the floor sees every row it serves).
      expected ??= { ...summaryCounts(await h.sim.summary(simUser.id)), terms: floor[0]!.terms, submissions: floor[0]!.submissions };
      for (const { userId, run } of pending) {
        // A hung sync's last unit is not committed: its rows are missing by design of the transaction.
        if (run.hung) continue;
        const counts = await countRows(h.database.db, userId);
        if (!sameCounts(counts, expected)) notes.push(`**${p.profile} pipeline rows incomplete** (${run.status}): ${describeCounts(counts)}; expected ${describeCounts(expected)}.`);
      }
      for (const f of floor) {
        if (f.assignments !== expected.assignments || f.submissions !== expected.submissions) notes.push(`**${p.profile} floor saw ${f.assignments} assignments / ${f.submissions} submissions**, expected ${expected.assignments} / ${expected.submissions}.`);
      }

      const baseline: BaselineResult[] = [];
      for (let i = 0; i < (mode.baseline ? p.baselineRuns : 0); i++) {
        const token = await h.sim.issueToken(simUser.id);
        const b = await runSequentialBaseline({ simUrl: h.sim.url, token, userId: `e2e-${mode.id}-${p.profile}-baseline-${i}`, databaseUrl: h.database.url, ...(p.baselineCourses ? { maxCourses: p.baselineCourses } : {}) });
        baseline.push(b);
        ctx.log(`e2e ${p.profile}: baseline ${b.seconds.toFixed(1)} s on ${b.coursesDone}/${b.coursesTotal} courses (${b.requests} requests) → ${b.estimatedSeconds.toFixed(1)} s`);
      }

      const c = `${p.profile}${mode.suffix}`;
      const completed = pipeline.every((r) => Number.isFinite(r.completedSeconds));
      const pSeconds = median(pipeline.map((r) => (completed ? r.completedSeconds : r.lastProgressSeconds)));
      const last = pipeline.at(-1)!;
      const pLabel = completed ? {} : { label: `never completed; ${last.unitsDone}/${last.unitsTotal} units by then` };
      const fSeconds = median(floor.map((r) => r.seconds));
      const cost = median(floor.map((r) => r.cost));
      const rows = Object.values(expected).reduce((a, b) => a + b, 0);
      main.push({ case: c, name: 'pipeline', value: pSeconds, unit: 's', ...pLabel }, { case: c, name: 'floor', value: fSeconds, unit: 's' }, { case: c, name: 'pipeline/floor', value: pSeconds / fSeconds, unit: '×' });
      // The least pipeline/floor of this design here: the last course's rows carried and stored after the floor's end (tail-floor.ts).
      if (floor.every((r) => r.tailSeconds !== undefined)) {
        main.push(
          { case: c, name: 'tail floor', value: median(floor.map((r) => r.tailSeconds!)), unit: 's' },
          { case: c, name: '(floor + tail floor) / floor', value: median(floor.map((r) => (r.seconds + r.tailSeconds!) / r.seconds)), unit: '×' },
        );
      }
      const bLabel = baseline.some((b) => b.extrapolated) ? { label: 'extrapolated' } : {};
      if (baseline.length > 0) {
        const bSeconds = median(baseline.map((r) => r.estimatedSeconds));
        main.push({ case: c, name: 'baseline', value: bSeconds, unit: 's', ...bLabel }, { case: c, name: 'baseline/pipeline', value: bSeconds / pSeconds, unit: '×', ...bLabel });
      }
      main.push(
        // Leaky bucket defaults (CANVAS.md): 600 high-water mark, leak 10/s.
        { case: c, name: 'throttle bound', value: Math.max(0, (cost - 600) / 10), unit: 's' },
        { case: c, name: 'rows', value: rows, unit: 'rows' },
      );
      const pCpu = median(pipeline.map((r) => r.cpu));
      const fCpu = median(floor.map((r) => r.cpu));
      const pThrottled = median(pipeline.map((r) => r.throttled));
      const pRequests = median(pipeline.map((r) => r.requests));
      detail.push(
        { case: c, name: 'pipeline requests', value: pRequests, unit: 'requests' },
        { case: c, name: 'pipeline throttled', value: pThrottled, unit: 'requests' },
        { case: c, name: 'pipeline throttled %', value: (100 * pThrottled) / Math.max(1, pRequests), unit: '%' },
        { case: c, name: 'pipeline peak in flight', value: Math.max(...pipeline.map((r) => r.peak)), unit: 'per token' },
        { case: c, name: 'floor requests', value: median(floor.map((r) => r.requests)), unit: 'requests' },
        { case: c, name: 'floor throttled', value: median(floor.map((r) => r.throttled)), unit: 'requests' },
        { case: c, name: 'floor peak in flight', value: Math.max(...floor.map((r) => r.peak)), unit: 'per token' },
        ...(baseline.length > 0 ? [{ case: c, name: 'baseline requests', value: median(baseline.map((r) => (r.extrapolated ? (r.requests / Math.max(1, r.coursesDone)) * r.coursesTotal : r.requests))), unit: 'requests', ...bLabel }] : []),
        { case: c, name: 'pipeline CPU', value: pCpu, unit: 'CPU s' },
        { case: c, name: 'floor CPU', value: fCpu, unit: 'CPU s' },
        { case: c, name: 'fetcher CPU', value: median(pipeline.map((r) => r.fetcherCpu)), unit: 'CPU s' },
        { case: c, name: 'writer CPU', value: median(pipeline.map((r) => r.writerCpu)), unit: 'CPU s' },
        { case: c, name: 'Postgres CPU', value: median(pipeline.map((r) => r.postgresCpu)), unit: 'CPU s' },
        { case: c, name: 'pipeline CPU per 1,000 rows', value: (1000 * pCpu) / rows, unit: 'CPU s' },
        { case: c, name: 'floor CPU per 1,000 rows', value: (1000 * fCpu) / rows, unit: 'CPU s' },
        { case: c, name: 'pipeline CPU / floor CPU', value: pCpu / fCpu, unit: '×' },
        { case: c, name: 'NATS CPU (pipeline)', value: median(pipeline.map((r) => r.natsCpu)), unit: 'CPU s' },
        ...(p.floorAlongside
          ? [{ case: c, name: 'simulator CPU (pipeline + floor)', value: median(pipeline.map((r) => r.simCpu)), unit: 'CPU s' }]
          : (() => {
              const sCpu = median(floor.map((r) => r.storeCpu ?? 0));
              const tCpu = median(floor.map((r) => r.transportCpu ?? 0));
              const tNats = median(floor.map((r) => r.transportNatsCpu ?? Number.NaN));
              const simFloor = median(floor.map((r) => r.simCpu));
              // The least CPU the design spends on a sync, every process's share: Canvas's answers
              // served and read, the rows carried through JetStream, stored. Spread perfectly over
              // this machine's cores it still takes `least` seconds.
              const design = fCpu + simFloor + tCpu + tNats + sCpu;
              const least = design / availableParallelism();
              return [
                { case: c, name: 'store floor CPU', value: sCpu, unit: 'CPU s' },
                { case: c, name: 'pipeline CPU / (floor + store floor) CPU', value: pCpu / (fCpu + sCpu), unit: '×' },
                { case: c, name: 'transport floor CPU', value: tCpu, unit: 'CPU s' },
                { case: c, name: 'NATS CPU (transport floor)', value: tNats, unit: 'CPU s' },
                { case: c, name: 'pipeline CPU / (floor + transport + store floor) CPU', value: pCpu / (fCpu + tCpu + sCpu), unit: '×' },
                { case: c, name: 'simulator CPU (pipeline)', value: median(pipeline.map((r) => r.simCpu)), unit: 'CPU s' },
                { case: c, name: 'simulator CPU (floor)', value: simFloor, unit: 'CPU s' },
                { case: c, name: 'bench process CPU (pipeline)', value: median(pipeline.map((r) => r.benchCpu)), unit: 'CPU s' },
                { case: c, name: 'design floor CPU, all processes', value: design, unit: 'CPU s' },
                { case: c, name: 'design floor on all cores / floor', value: least / fSeconds, unit: '×' },
              ];
            })()),
        { case: c, name: 'Σ request cost', value: cost, unit: 'units' },
      );
      const b = baseline[0];
      if (b?.extrapolated) {
        notes.push(`${c} baseline: measured ${b.seconds.toFixed(1)} s for the course list and ${b.coursesDone} of ${b.coursesTotal} courses, **extrapolated** linearly to all courses (${b.listSeconds.toFixed(1)} s list + ${((b.seconds - b.listSeconds) / b.coursesDone).toFixed(2)} s per course).`);
      }
      notes.push(
        `${c}: ${describeCounts(expected)}; ${p.iterations} pipeline and floor run(s) (median)${p.floorAlongside ? ', the floor running at the same time as the pipeline on its own token (both are bound by the throttle, which is per token)' : ''}, ${baseline.length} baseline run(s)${p.warm ? '' : '; the simulator generated course content during the runs (no warm-up)'}.`,
      );
    }
  } finally {
    await close();
  }
}

/** The port of the first server of a NATS URL list (`nats://host:4222,nats://…`); 4222 when none is given. */
function natsPort(urls: string): number {
  const first = urls.split(',')[0]!.trim();
  const port = Number(new URL(first.includes('://') ? first : `nats://${first}`).port);
  return port > 0 ? port : 4222;
}

function summaryCounts(s: { courses: number; restrictedCourses: number; assignmentGroups: number; assignments: number }): Omit<RowCounts, 'terms' | 'submissions'> {
  return { courses: s.courses + s.restrictedCourses, assignment_groups: s.assignmentGroups, assignments: s.assignments };
}
