import { fileURLToPath } from 'node:url';

/**
 * The Node options of every service process a bench spawns. Every bench that spawns services
 * passes this, so one knob reaches them all:
 *
 * - `BENCH_CPU_PROF=<dir>`: each process writes a V8 CPU profile of its whole life into `<dir>`
 *   when it exits (cpu-profile.preload.mjs, named `<service>-<pid>.cpuprofile`), to open in Chrome
 *   DevTools or to summarise with `npx tsx bench/support/cpu-profile.cli.ts <dir>/*.cpuprofile`;
 * - `BENCH_SERVICE_NODE_OPTIONS="…"`: more Node options, e.g. the heap cap production sets
 *   (`--max-old-space-size=192`, k8s/base fetcher.yaml and writer.yaml), to measure memory as a pod
 *   would run;
 * - `BENCH_SERVICE_NODE_ARGS="…"`: flags for node's command line, which Node refuses in
 *   `NODE_OPTIONS` — the writer's production `--single-threaded-gc` (k8s/base/writer.yaml). With
 *   the cap above, `BENCH_SERVICE_NODE_OPTIONS=--max-old-space-size=192
 *   BENCH_SERVICE_NODE_ARGS=--single-threaded-gc` runs the services as the writer's pod does
 *   (every service gets both).
 *
 * Empty when no knob is set.
 */
export function serviceNodeEnv(): Record<string, string> {
  const dir = process.env.BENCH_CPU_PROF;
  const options = [dir ? `--import=${fileURLToPath(new URL('./cpu-profile.preload.mjs', import.meta.url))}` : '', process.env.BENCH_SERVICE_NODE_OPTIONS ?? ''].filter(Boolean).join(' ');
  const args = process.env.BENCH_SERVICE_NODE_ARGS ?? '';
  return { ...(dir ? { BENCH_CPU_PROF: dir } : {}), ...(options ? { NODE_OPTIONS: options } : {}), ...(args ? { SERVICE_NODE_ARGS: args } : {}) };
}
