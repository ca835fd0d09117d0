import { DEFAULT_LATENCY } from '@canvas-sync/canvas-sim';
import type { BenchContext } from './support/bench-context.js';
import { abandonPipeline, runPipelineSync } from './e2e/pipeline-run.js';
import { countRows, startBenchPipeline } from './support/bench-pipeline.js';
import { MemoryWatch, processMemory } from './support/proc-stats.js';
import type { BenchResult, Figure } from './support/results.writer.js';

const ASSIGNMENTS_PER_COURSE = 10;

/**
 * The writer's Node flags in its pod (k8s/base/writer.yaml): the heap cap in NODE_OPTIONS, and
 * `--single-threaded-gc` on node's command line (Node refuses it in NODE_OPTIONS). The fetcher's
 * pod sets none.
 */
const WRITER_POD_ENV = { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=192', SERVICE_NODE_ARGS: '--single-threaded-gc' };

/**
 * Peak RSS of a fetcher and a writer process over one full sync of an account, for accounts 10×
 * (and with BENCH_MEMORY_COURSES, 100×…) the size of the first: fresh processes for each size (VmHWM counts from process start), polled
 * VmRSS besides. Flat means memory is bounded by parts and in-flight limits, not by the account.
 */
export async function runMemoryBench(ctx: BenchContext): Promise<BenchResult> {
  const base = ctx.quick ? 5 : 50;
  // BENCH_MEMORY_COURSES=50,500,5000 adds larger accounts; each is compared with the first.
  const sizes = process.env.BENCH_MEMORY_COURSES ? process.env.BENCH_MEMORY_COURSES.split(',').map(Number) : [base, base * 10];
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('BENCH_MEMORY_COURSES: two or more course counts, e.g. 50,500');
  const times = (courses: number) => `${+(courses / sizes[0]!).toPrecision(3)}×`;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const { h, close } = await startBenchPipeline(ctx, {
    sim: {
      users: sizes.map((courses) => ({ profile: 'student' as const, courses, assignmentsPerCourse: ASSIGNMENTS_PER_COURSE, restrictedCourses: 0 })),
      latency: { ...DEFAULT_LATENCY },
      // Throttling would only stretch the larger runs; memory depends on how much flows, not how slowly.
      throttle: { enabled: false },
    },
    fetchers: 0,
    writers: 0,
  });
  // Without the knobs that set every service's flags (service-node-env.ts), each size runs twice:
  // as the bench always has (no flags: V8 sizes an uncapped heap lazily, which is what grows with
  // the account), then with the writer as its pod runs it, so the figure the target is about —
  // memory as deployed — comes from the same run.
  const podPass = !process.env.BENCH_SERVICE_NODE_OPTIONS && !process.env.BENCH_SERVICE_NODE_ARGS;
  try {
    const peaks: Record<string, number[]> = { fetcher: [], writer: [], 'writer (as its pod runs)': [] };
    for (const [index, courses] of sizes.entries()) {
      const c = `${courses} courses (${times(courses)})`;
      const simUser = h.sim.users[index]!;
      const [fetcher, writer] = await Promise.all([h.start('fetcher'), h.start('writer')]);
      const pids = { fetcher: fetcher.child.pid!, writer: writer.child.pid! };
      const idle = { fetcher: processMemory(pids.fetcher)?.rssMiB ?? Number.NaN, writer: processMemory(pids.writer)?.rssMiB ?? Number.NaN };
      const watch = new MemoryWatch(() => Object.values(pids), 100);
      const userId = `memory-${courses}`;
      const run = await runPipelineSync(h, userId, simUser.id, { timeoutMs: 600_000, completionGraceMs: 10_000 });
      const counts = await countRows(h.database.db, userId);
      const summary = h.sim.summary(simUser.id);
      const complete = counts.courses === summary.courses && counts.assignments === summary.assignments && counts.assignment_groups === summary.assignmentGroups;
      // A hung sync's last unit is uncommitted by design (it commits with the completion).
      if (!run.hung && !complete) {
        notes.push(`**${courses} courses: rows ${JSON.stringify(counts)} vs simulator summary ${JSON.stringify(summary)}.**`);
      }
      const rows = counts.courses + counts.terms + counts.assignment_groups + counts.assignments + counts.submissions;
      for (const name of ['fetcher', 'writer'] as const) {
        const peak = Math.max(watch.peak(pids[name]), processMemory(pids[name])?.peakMiB ?? 0);
        peaks[name]!.push(peak);
        figures.push({ case: c, name: `${name} peak RSS`, value: peak, unit: 'MiB' }, { case: c, name: `${name} idle RSS`, value: idle[name], unit: 'MiB' });
      }
      figures.push({ case: c, name: 'rows synced', value: rows, unit: 'rows' }, { case: c, name: 'sync time', value: run.hung ? run.lastProgressSeconds : run.completedSeconds, unit: 's', ...(run.hung ? { label: 'never completed; to last progress' } : {}) });
      ctx.log(`memory: ${courses} courses, ${rows} rows, ${run.unitsDone}/${run.unitsTotal} units after ${run.lastProgressSeconds.toFixed(1)} s (${run.status}); peak RSS fetcher ${peaks.fetcher!.at(-1)!.toFixed(0)} MiB, writer ${peaks.writer!.at(-1)!.toFixed(0)} MiB`);
      watch.stop();
      if (!['completed', 'failed', 'cancelled'].includes(run.status)) {
        notes.push(`${courses} courses: the sync never completed (stuck at ${run.unitsDone}/${run.unitsTotal} units: the last unit commits with the completion's delete sweep, still running 10 s later); memory was measured up to then, over all of the fetching and writing but the last unit, and the run was stopped.`);
        await abandonPipeline(h, run.syncId);
      }
      await Promise.all([fetcher.kill('SIGTERM'), writer.kill('SIGTERM')]);
      if (podPass) {
        // The same account again, for another app user, with fresh processes: the writer with its pod's flags.
        const [podFetcher, podWriter] = await Promise.all([h.start('fetcher'), h.start('writer', WRITER_POD_ENV)]);
        const pid = podWriter.child.pid!;
        const podWatch = new MemoryWatch(() => [pid], 100);
        const podRun = await runPipelineSync(h, `memory-pod-${courses}`, simUser.id, { timeoutMs: 600_000, completionGraceMs: 10_000 });
        const peak = Math.max(podWatch.peak(pid), processMemory(pid)?.peakMiB ?? 0);
        podWatch.stop();
        peaks['writer (as its pod runs)']!.push(peak);
        figures.push({ case: c, name: 'writer peak RSS, as its pod runs', value: peak, unit: 'MiB' });
        ctx.log(`memory: ${courses} courses, writer as its pod runs: peak RSS ${peak.toFixed(0)} MiB (${podRun.status})`);
        const podCounts = await countRows(h.database.db, `memory-pod-${courses}`);
        if (podRun.status !== 'completed' || podCounts.assignments !== summary.assignments) notes.push(`**${courses} courses, writer as its pod runs: the sync ended ${podRun.status} with rows ${JSON.stringify(podCounts)}.**`);
        if (!['completed', 'failed', 'cancelled'].includes(podRun.status)) await abandonPipeline(h, podRun.syncId);
        await Promise.all([podFetcher.kill('SIGTERM'), podWriter.kill('SIGTERM')]);
      }
    }
    for (const name of ['fetcher', 'writer'] as const) {
      for (const [index, courses] of sizes.entries()) {
        if (index > 0) figures.push({ case: `${times(courses)} / 1×`, name: `${name} peak RSS`, value: peaks[name]![index]! / peaks[name]![0]!, unit: 'MiB' });
      }
    }
    const pod = peaks['writer (as its pod runs)']!;
    for (const [index, courses] of sizes.entries()) {
      if (index > 0 && pod.length > index) figures.push({ case: `${times(courses)} / 1×`, name: 'writer peak RSS, as its pod runs', value: pod[index]! / pod[0]!, unit: 'MiB' });
    }
  } finally {
    await close();
  }
  notes.push(
    `Accounts of ${sizes.join(', ')} courses × ${ASSIGNMENTS_PER_COURSE} assignments (each with the student's submission), realistic latency, throttle off (it would only stretch the larger run). A fresh fetcher and writer process per size; peak = max(VmHWM, VmRSS polled every 100 ms), read at completion (or when a sync hangs in its completion). The N× / 1× rows are ratios (×), in the MiB columns.`,
    ...(podPass
      ? [`Writer peak RSS, as its pod runs: each size synced again (another app user, fresh processes) with the writer's flags from k8s/base/writer.yaml (\`${WRITER_POD_ENV.NODE_OPTIONS}\`, \`${WRITER_POD_ENV.SERVICE_NODE_ARGS}\`); the fetcher's pod sets no Node flags, so its figures above are as deployed. The columns without it run every service with no flags (\`BENCH_SERVICE_NODE_OPTIONS\`, \`BENCH_SERVICE_NODE_ARGS\` set them for all, and then this pass is left out).`]
      : [`Every service ran with \`${process.env.BENCH_SERVICE_NODE_OPTIONS ?? ''}\` \`${process.env.BENCH_SERVICE_NODE_ARGS ?? ''}\` (BENCH_SERVICE_NODE_OPTIONS / BENCH_SERVICE_NODE_ARGS).`]),
  );
  return { id: 'memory', title: `Memory: peak RSS of fetcher and writer, account ${sizes.slice(1).map(times).join(', ')} vs 1×`, figures, notes };
}
