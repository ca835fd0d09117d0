import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './free-port.js';

/** The repository root (testkit lives in packages/testkit/src). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceName = 'api' | 'fetcher' | 'writer' | 'notifier';

/** A service running as its own OS process, from its TypeScript sources. */
export interface ServiceProcess {
  name: ServiceName;
  child: ChildProcess;
  /** Every stdout/stderr line so far (JSON log lines from pino). */
  lines: string[];
  exited: Promise<number | null>;
  /** Waits until `GET http://127.0.0.1:<port>/readyz` answers 200. */
  waitReady(port: number, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `services/<name>/src/main.ts` the way its `dev` script does (`node --conditions=source
 * --import tsx`): one process per service, as in production, so tests can SIGKILL and restart it.
 * `env.SERVICE_NODE_ARGS` (space-separated) goes on node's command line: V8 flags Node refuses in
 * `NODE_OPTIONS`, such as the writer's production `--single-threaded-gc` (the bench's
 * `BENCH_SERVICE_NODE_ARGS`).
 */
export function spawnService(name: ServiceName, env: Record<string, string>): ServiceProcess {
  const nodeArgs = (env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--conditions=source', '--import', 'tsx', `services/${name}/src/main.ts`], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    lines,
    exited,
    waitReady: (port, timeoutMs = 90_000) =>
      waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited early:\n${lines.slice(-20).join('\n')}`);
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 200;
      }, timeoutMs, `${name} to be ready`),
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
