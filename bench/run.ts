import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Cleanup, type BenchContext } from './support/bench-context.js';
import { ensureFdLimit } from './support/fd-limit.js';
import { childPids } from './support/proc-stats.js';
import { toMarkdown, writeJson, type BenchResult, type RunInfo } from './support/results.writer.js';
import { runE2eBench } from './e2e.bench.js';
import { runMemoryBench } from './memory.bench.js';
import { runFanoutBench } from './notifier-fanout.bench.js';
import { runResyncBench } from './resync.bench.js';
import { runScalingBench } from './scaling.bench.js';
import { runWriterBench } from './writer-throughput.bench.js';

const BENCHES: Array<{ id: string; run: (ctx: BenchContext) => Promise<BenchResult | BenchResult[]> }> = [
  { id: 'e2e', run: runE2eBench },
  { id: 'resync', run: runResyncBench },
  { id: 'writer', run: runWriterBench },
  { id: 'scaling', run: runScalingBench },
  { id: 'fanout', run: runFanoutBench },
  { id: 'memory', run: runMemoryBench },
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : null;
const outArg = args.find((a) => a.startsWith('--out='));
const out = outArg ? outArg.slice('--out='.length) : fileURLToPath(new URL(only ? './results/partial.json.tmp' : './results/latest.json', import.meta.url));

// 10,000 WebSocket clients are 10,000 open files in this process.
ensureFdLimit(12_000);

const cleanup = new Cleanup();
const ctx: BenchContext = {
  quick,
  servers: {
    postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    natsUrl: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
  },
  log: (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`),
  cleanup,
};

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    ctx.log(`${signal}: cleaning up`);
    void cleanup
      .runAll((name, err) => ctx.log(`cleanup of ${name} failed: ${String(err)}`))
      .finally(() => {
        // Services of a pipeline that was still starting are not in the cleanup yet: end them too (only our own children).
        for (const pid of childPids()) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
        process.exit(130);
      });
  });
}

const startedAt = new Date();
const t0 = performance.now();
const loadAverageAtStart = loadavg();
const results: BenchResult[] = [];
let failed = false;
for (const bench of BENCHES) {
  if (only && !only.includes(bench.id)) continue;
  ctx.log(`${bench.id}: start (${quick ? 'quick' : 'full'})`);
  const started = performance.now();
  try {
    const produced = await bench.run(ctx);
    const list = Array.isArray(produced) ? produced : [produced];
    list[0]!.seconds = (performance.now() - started) / 1000;
    results.push(...list);
  } catch (err) {
    failed = true;
    ctx.log(`${bench.id} failed: ${(err as Error).stack ?? String(err)}`);
    results.push({ id: bench.id, title: bench.id, figures: [], notes: [], error: (err as Error).message, seconds: (performance.now() - started) / 1000 });
  }
  await cleanup.runAll((name, err) => ctx.log(`cleanup of ${name} failed: ${String(err)}`));
  ctx.log(`${bench.id}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (interrupted) break;
}

const run: RunInfo = { mode: quick ? 'quick' : 'full', startedAt, seconds: (performance.now() - t0) / 1000, loadAverageAtStart, only };
process.stdout.write(`${toMarkdown(results, run)}\n`);
writeJson(out, results, run);
ctx.log(`results written to ${out}`);
// Figures are never pass/fail; only a benchmark that could not run makes the exit code non-zero.
process.exit(failed ? 1 : 0);
