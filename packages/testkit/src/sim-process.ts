import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { SimCounts, SimOptions, SimStats, SimSummary, SimUser } from '@canvas-sync/canvas-sim';
import { REPO_ROOT } from './service-process.js';

/**
 * The Canvas simulator in a process of its own (the `canvas-sim` CLI), driven over its `/__sim`
 * control API. For benchmarks: an in-process simulator shares the caller's event loop and CPU
 * time, so a client timed beside it pays for the simulator's work and its answers come late
 * whenever the caller is busy.
 */
export interface SimProcess {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  /** The simulator's process id, for its CPU time in /proc. */
  pid: number;
  /** As `GET /__sim/users` answered at start. */
  users: SimUser[];
  issueToken(userId: number): Promise<string>;
  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  summary(userId: number): Promise<SimSummary>;
  /** The ground truth's sizes; the simulator generates (and caches) every course of the user first. */
  counts(userId: number): Promise<SimCounts>;
  /** SIGTERM, then the exit (SIGKILL after 10 s). */
  close(): Promise<void>;
}

const BIN = 'packages/canvas-sim/bin/canvas-sim.js';

/** The options the CLI can take; anything else is refused rather than silently dropped. */
const CLI_OPTIONS = new Set<keyof SimOptions>(['seed', 'profile', 'users', 'latency', 'contentCacheSize']);

/** Command-line flags for `options` (exported for its test). */
export function simCliArgs(options: SimOptions): string[] {
  const unsupported = Object.keys(options).filter((k) => !CLI_OPTIONS.has(k as keyof SimOptions));
  if (unsupported.length > 0) throw new Error(`startSimProcess: ${unsupported.join(', ')} cannot be set on the command line`);
  return [
    ...(options.seed === undefined ? [] : ['--seed', String(options.seed)]),
    ...(options.profile === undefined ? [] : ['--profile', options.profile]),
    ...(options.users === undefined ? [] : ['--users', JSON.stringify(options.users)]),
    ...(options.latency === undefined ? [] : ['--latency', JSON.stringify(options.latency)]),
    ...(options.contentCacheSize === undefined ? [] : ['--content-cache-size', String(options.contentCacheSize)]),
  ];
}

/**
 * Starts `canvas-sim` with `options` on a free port of 127.0.0.1 and waits for its first stdout
 * line. Its stdin is a pipe it exits on (`--exit-with-stdin`), so it dies with this process even
 * when this one is killed.
 */
export async function startSimProcess(options: SimOptions = {}, startTimeoutMs = 60_000): Promise<SimProcess> {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--exit-with-stdin', ...simCliArgs(options)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines = createInterface({ input: child.stdout });
  let timer: NodeJS.Timeout | undefined;
  let port: number;
  let users: SimUser[];
  const url = () => `http://127.0.0.1:${port}`;
  const call = async <T>(method: 'GET' | 'POST', path: string): Promise<T> => {
    const res = await fetch(`${url()}/__sim${path}`, { method });
    const text = await res.text();
    if (!res.ok) throw new Error(`canvas-sim ${method} /__sim${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  try {
    // Settles once: the first line, an early exit or the deadline (the exit's branch never rejects later).
    const first = await new Promise<string>((resolve, reject) => {
      once(lines, 'line').then(([line]) => resolve(line as string), reject);
      void exited.then(([code]) => reject(new Error(`canvas-sim exited (${code}) before it listened:\n${stderr.slice(-20).join('\n')}`)));
      timer = setTimeout(() => reject(new Error(`canvas-sim did not listen within ${startTimeoutMs} ms`)), startTimeoutMs);
    });
    port = (JSON.parse(first) as { port: number }).port;
    users = await call<SimUser[]>('GET', '/users');
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // Nothing more is read from stdout; keep the pipe drained.
  child.stdout.resume();

  return {
    url: url(),
    port,
    pid: child.pid!,
    users,
    issueToken: async (userId) => (await call<{ token: string }>('POST', `/users/${userId}/token`)).token,
    stats: () => call<SimStats>('GET', '/stats'),
    resetStats: () => call<void>('POST', '/stats/reset'),
    summary: (userId) => call<SimSummary>('GET', `/summary/${userId}`),
    counts: (userId) => call<SimCounts>('GET', `/counts/${userId}`),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    },
  };
}
