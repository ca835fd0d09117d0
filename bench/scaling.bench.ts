import { sql } from 'kysely';
import { DEFAULT_LATENCY, type SimUserSpec } from '@canvas-sync/canvas-sim';
import type { BenchContext } from './support/bench-context.js';
import { retryingConnect, sleep } from './support/bench-context.js';
import { cpuBetween, pipelineCpu, startBenchPipeline } from './support/bench-pipeline.js';
import type { BenchResult, Figure } from './support/results.writer.js';
import { percentile } from './support/stats.js';


/**
 * Many users at once: N syncs started together (as N users pressing Start within a second) on one
 * pipeline with 1, then 2, then 4 fetcher processes and one writer. Each round syncs users of its
 * own, so every round writes every row. Completion time of a sync = its start request → its
 * `finished_at`; throughput = N / (last finish − first start).
 */
export async function runScalingBench(ctx: BenchContext): Promise<BenchResult> {
  // BENCH_SCALING_USERS=200 for the 200; the default keeps the full run within its 15 minutes on 2 cores.
  const users = Number(process.env.BENCH_SCALING_USERS) || (ctx.quick ? 40 : 50);
  // Quick: 1 and 4 only (each round costs a burst of syncs plus process start-ups).
  const FETCHERS = ctx.quick ? [1, 4] : [1, 2, 4];
  const spec: SimUserSpec = ctx.quick ? { profile: 'student', courses: 2, assignmentsPerCourse: 15, restrictedCourses: 0 } : { profile: 'student' };
  const figures: Figure[] = [];
  const notes: string[] = [];
  const { h, close } = await startBenchPipeline(ctx, {
    sim: { users: Array.from({ length: users * FETCHERS.length }, () => spec), latency: { ...DEFAULT_LATENCY } },
    fetchers: 1,
  });
  try {
    let running = 1;
    for (const [round, fetchers] of FETCHERS.entries()) {
      while (running < fetchers) {
        await Promise.all(Array.from({ length: fetchers - running }, () => h.start('fetcher')));
        running = fetchers;
      }
      const simUsers = h.sim.users.slice(round * users, (round + 1) * users);
      const appUsers = simUsers.map((u) => `scale-${fetchers}-${u.id}`);
      for (const [i, u] of simUsers.entries()) await retryingConnect(() => h.connect(appUsers[i]!, u.id));
      h.sim.resetStats();
      ctx.log(`scaling: ${users} syncs on ${fetchers} fetcher(s)`);

      const cpuBefore = { fetchers: await pipelineCpu(h, 'fetcher'), writer: await pipelineCpu(h, 'writer') };
      const startedAt = new Map<string, number>();
      const first = Date.now();
      // Started in small batches, as a burst of users would: the api takes each in a few ms.
      for (let i = 0; i < appUsers.length; i += 20) {
        await Promise.all(
          appUsers.slice(i, i + 20).map(async (userId) => {
            const t = Date.now();
            const id = await retryingConnect(() => h.startSync(userId, { mode: 'full', chunkSize: 10 }));
            startedAt.set(id, t);
          }),
        );
      }
      const ids = [...startedAt.keys()];
      const deadline = Date.now() + 15 * 60_000;
      let done: Array<{ id: string; status: string; finished_at: Date | null; error: { code?: string; message?: string } | null }> = [];
      while (Date.now() < deadline) {
        const r = await retryingConnect(() =>
          sql<(typeof done)[number]>`
            SELECT id, status, finished_at, error FROM syncs WHERE id = ANY(${ids}::uuid[]) AND status IN ('completed', 'failed', 'cancelled')`.execute(h.database.db),
        );
        done = r.rows;
        if (done.length === ids.length) break;
        await sleep(250);
      }
      const completed = done.filter((d) => d.status === 'completed' && d.finished_at);
      const times = completed.map((d) => (new Date(d.finished_at!).getTime() - startedAt.get(d.id)!) / 1000);
      const last = Math.max(...completed.map((d) => new Date(d.finished_at!).getTime()));
      const wall = (last - first) / 1000;
      const stats = h.sim.stats();
      const fetcherCpu = cpuBetween(cpuBefore.fetchers, await pipelineCpu(h, 'fetcher'));
      const writerCpu = cpuBetween(cpuBefore.writer, await pipelineCpu(h, 'writer'));
      const c = `${fetchers} fetcher${fetchers > 1 ? 's' : ''}`;
      figures.push(
        { case: c, name: 'syncs/min', value: (completed.length / wall) * 60, unit: 'syncs/min' },
        { case: c, name: 'p50 completion', value: percentile(times, 50), unit: 's' },
        { case: c, name: 'p95 completion', value: percentile(times, 95), unit: 's' },
        { case: c, name: 'all done after', value: wall, unit: 's' },
        { case: c, name: 'completed', value: completed.length, unit: `of ${users}` },
        { case: c, name: 'Canvas requests', value: stats.requests, unit: 'requests' },
        { case: c, name: 'throttled', value: stats.throttled, unit: 'requests' },
        { case: c, name: 'fetchers CPU', value: fetcherCpu.services, unit: 'CPU s' },
        { case: c, name: 'writer CPU', value: writerCpu.services, unit: 'CPU s' },
        { case: c, name: 'Postgres CPU', value: writerCpu.postgres, unit: 'CPU s' },
      );
      ctx.log(`scaling: ${fetchers} fetcher(s): ${completed.length}/${users} in ${wall.toFixed(1)} s, p50 ${percentile(times, 50).toFixed(1)} s, p95 ${percentile(times, 95).toFixed(1)} s`);
      if (completed.length < users) {
        const errors = [...new Set(done.filter((d) => d.status !== 'completed').map((d) => `${d.error?.code}: ${d.error?.message}`))].slice(0, 3);
        notes.push(`**${c}: only ${completed.length} of ${users} syncs completed** (${done.length - completed.length} failed/cancelled — ${errors.join('; ')} — and ${users - done.length} unfinished).`);
      }
    }
  } finally {
    await close();
  }
  const size = ctx.quick ? `2 courses × 15 assignments each (quick run; a real \`student\` has 6 × ~50)` : '`student` profile (6 courses, ~50 assignments each, 1 date-restricted stub)';
  notes.push(
    `${users} users per round, ${size}; realistic latency and throttle; one writer process throughout; fetchers added between rounds (new users each round).`,
    'Everything — simulator, fetchers, writer, NATS, Postgres and the bench itself — shares the same 2 cores: adding fetcher processes adds no CPU.',
    'CPU columns: user + system seconds over the round of the fetcher processes, the writer process, and the Postgres backends of the bench database (all its sessions, fetchers’ included). Compare them with the round’s wall time × 2 cores.',
  );
  return { id: 'scaling', title: `Scaling: ${users} users syncing at once`, figures, notes };
}
