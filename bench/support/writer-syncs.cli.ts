/**
 * Writer CPU per sync in ONE warm writer process (or the fetcher's, `--service=fetcher`): one
 * pipeline (1 fetcher, 1 writer, the bench's service settings, simulator latency or with
 * `--latency=realistic` canvas-sim's REALISTIC_LATENCY), one unmeasured student sync, then N syncs of one profile,
 * each with a fresh app user (every row written). Prints per sync the service's CPU seconds, split
 * into its main thread and its other threads (V8's optimizing compiler and GC helpers), the
 * Postgres backends' CPU and the time to `completed`; then the median of the syncs after the first
 * two, and the service's peak RSS. The e2e bench measures a process's 2nd and 3rd syncs, which
 * still carry V8's tier-up (docs/performance.md "Writer CPU per sync"); comparing within one
 * process resolves what the e2e figure's 2× spread between runs cannot. For A/B, alternate runs of
 * the two trees (or of two `BENCH_SERVICE_NODE_OPTIONS`).
 *
 *   node --conditions=source --import tsx bench/support/writer-syncs.cli.ts [--syncs=8] [--profile=teacher] [--service=writer|fetcher] [--latency=sim|realistic] [--perf=<file>]
 *
 * `--perf=<file>`: `perf record -e cpu-clock -g` of the service from its 3rd sync to the last (with
 * `BENCH_SERVICE_NODE_OPTIONS="--perf-basic-prof --interpreted-frames-native-stack"` to name JS
 * frames). `BENCH_SERVICE_NODE_OPTIONS` reaches the services as in every bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { once } from 'node:events';
import { DEFAULT_LATENCY, REALISTIC_LATENCY, type SimProfile } from '@canvas-sync/canvas-sim';
import { Cleanup, type BenchContext } from './bench-context.js';
import { cpuBetween, pipelineCpu, startBenchPipeline } from './bench-pipeline.js';
import { runPipelineSync } from '../e2e/pipeline-run.js';
import { cpuSeconds, processMemory } from './proc-stats.js';
import { median } from './stats.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const syncs = Number(arg('syncs') ?? 8);
const profile = (arg('profile') ?? 'teacher') as SimProfile;
const perfFile = arg('perf');
const service = arg('service') ?? 'writer';
if (service !== 'writer' && service !== 'fetcher') throw new Error(`--service=${service}: writer or fetcher`);
const latency = arg('latency') ?? 'sim';
if (latency !== 'sim' && latency !== 'realistic') throw new Error(`--latency=${latency}: sim or realistic`);
/** CPU seconds of a process's main thread and of all its other threads, from /proc/<pid>/task (a thread that ended meanwhile counts 0). */
function threadCpu(pid: number): { main: number; others: number } {
  const out = { main: 0, others: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (tid === String(pid)) out.main += cpuSeconds(pid, tid);
    else out.others += cpuSeconds(pid, tid);
  }
  return out;
}

const cleanup = new Cleanup();
const ctx: BenchContext = {
  quick: false,
  servers: { postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', natsUrl: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222' },
  log: (m) => process.stderr.write(`${m}\n`),
  cleanup,
};
const grace = { timeoutMs: 180_000, completionGraceMs: 15_000 };
let perf: ChildProcess | undefined;
try {
  const { h } = await startBenchPipeline(ctx, { sim: { users: [{ profile }, { profile: 'student' }], latency: latency === 'realistic' ? REALISTIC_LATENCY : { ...DEFAULT_LATENCY }, contentCacheSize: 1_024 } });
  const simUser = h.sim.users[0]!.id;
  h.sim.groundTruth(simUser); // generates the content before any timed sync
  const warm = await runPipelineSync(h, 'writer-syncs-warm-up', h.sim.users[1]!.id, grace);
  if (warm.status !== 'completed') throw new Error(`warm-up sync ${warm.status}`);
  const pid = h.services.find((s) => s.name === service)!.child.pid!;
  const perSync: number[] = [];
  for (let i = 0; i < syncs; i++) {
    if (perfFile && i === 2) {
      perf = spawn('perf', ['record', '-e', 'cpu-clock', '-g', '-p', String(pid), '-o', perfFile], { stdio: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const threads = threadCpu(pid);
    const before = await pipelineCpu(h, service);
    const run = await runPipelineSync(h, `writer-syncs-${i}`, simUser, grace);
    const cpu = cpuBetween(before, await pipelineCpu(h, service));
    const after = threadCpu(pid);
    perSync.push(cpu.services);
    process.stdout.write(
      `sync ${i}: ${run.status}, ${service} ${cpu.services.toFixed(2)} CPU s (main thread ${(after.main - threads.main).toFixed(2)}, other threads ${(after.others - threads.others).toFixed(2)}), Postgres ${cpu.postgres.toFixed(2)}, ${run.completedSeconds.toFixed(2)} s to completed, load ${loadavg()[0]!.toFixed(1)}\n`,
    );
  }
  if (perSync.length > 2) process.stdout.write(`${service} CPU per sync, median of syncs 2–${syncs - 1}: ${median(perSync.slice(2)).toFixed(3)} s; ${service} peak RSS ${processMemory(pid)?.peakMiB.toFixed(0)} MiB\n`);
} finally {
  if (perf) {
    perf.kill('SIGINT');
    await once(perf, 'exit');
  }
  await cleanup.runAll((name, err) => process.stderr.write(`${name}: ${String(err)}\n`));
}
process.exit(0);
