import { spawnSync } from 'node:child_process';

/** The soft and hard limits of open files of this process (as a child shell inherits them). */
export function fdLimits(): { soft: number; hard: number } {
  const read = (flag: string) => {
    const out = spawnSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).stdout.trim();
    return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
  };
  return { soft: read('-Sn'), hard: read('-Hn') };
}

/**
 * Node cannot raise its own RLIMIT_NOFILE, so when the soft limit is below `wanted` and the hard
 * limit allows more, the bench runs itself again under `sh -c 'ulimit -n …; exec node …'` and exits
 * with that run's status. Returns normally when nothing needs (or can) be done.
 */
export function ensureFdLimit(wanted: number): void {
  const { soft, hard } = fdLimits();
  if (soft >= wanted || process.env.BENCH_FD_RAISED === '1' || !(hard > soft)) return;
  const target = Number.isFinite(hard) ? Math.min(hard, Math.max(wanted, 65_536)) : Math.max(wanted, 65_536);
  const result = spawnSync('sh', ['-c', `ulimit -Sn ${target} && exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_FD_RAISED: '1' },
  });
  process.exit(result.status ?? 1);
}
