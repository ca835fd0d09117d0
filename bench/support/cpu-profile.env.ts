import { fileURLToPath } from 'node:url';

/**
 * `BENCH_CPU_PROF=<dir>`: the environment that makes a spawned service process write a V8 CPU
 * profile of its whole life into `<dir>` when it exits (cpu-profile.preload.mjs, named
 * `<service>-<pid>.cpuprofile`), to open in Chrome DevTools or to summarise with
 * `npx tsx bench/support/cpu-profile.cli.ts <dir>/*.cpuprofile`. Empty when the knob is unset.
 * Every bench that spawns services passes it, so one knob profiles them all.
 */
export function cpuProfileEnv(): Record<string, string> {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? { BENCH_CPU_PROF: dir, NODE_OPTIONS: `--import=${fileURLToPath(new URL('./cpu-profile.preload.mjs', import.meta.url))}` } : {};
}
