import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitUntil } from '@canvas-sync/testkit/servers';

export const SERVICES = ['api', 'fetcher', 'writer', 'notifier'] as const;
export type Service = (typeof SERVICES)[number];

/** A service running as its own process, from its TypeScript sources (as in the tests). */
export interface RunningService {
  name: Service;
  port: number;
  child: ChildProcess;
  logFile: string;
  /** The last lines it wrote, for the error message when it dies. */
  tail: string[];
}

const LOUD = new Set(['warn', 'error', 'fatal', 40, 50, 60]);

/**
 * Spawns a TypeScript entry as a service: in its own process group (`detached`), so a terminal's Ctrl-C, which signals
 * the whole foreground group, reaches only `npm start`, which then stops each service once (a second SIGINT made
 * them force-exit); stdin is a pipe from `npm start` that ./exit-with-parent.ts watches, so they still stop if it dies.
 */
export function spawnService(root: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const watchParent = pathToFileURL(join(root, 'scripts/start/exit-with-parent.ts')).href;
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--import', watchParent, entry], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
}

/**
 * Starts one service. Every log line goes to `<logDir>/<name>.log`; warnings and errors are also
 * echoed here (all lines with `verbose`), so the demo's own messages stay readable.
 */
export function startService(root: string, name: Service, port: number, env: NodeJS.ProcessEnv, logDir: string, verbose: boolean): RunningService {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'w' });
  const child = spawnService(root, `services/${name}/src/main.ts`, env);
  const tail: string[] = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      let entry: { level?: string | number; msg?: string; err?: { message?: string } } | undefined;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = undefined;
      }
      if (verbose || !entry) console.log(`[${name}] ${line}`);
      else if (LOUD.has(entry.level ?? '')) console.log(`[${name}] ${String(entry.level).toUpperCase()} ${entry.msg ?? ''}${entry.err?.message ? ` (${entry.err.message})` : ''}`);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.once('exit', () => log.end());
  return { name, port, child, logFile, tail };
}

/** Waits until `/readyz` of the service answers 200; false when it exited or the time ran out. */
export async function waitReady(service: RunningService, timeoutMs: number): Promise<boolean> {
  return waitUntil(async () => {
    if (service.child.exitCode !== null) throw new Error('exited');
    const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
    return res.status === 200;
  }, timeoutMs);
}

/** SIGTERM (graceful: each service drains), then SIGKILL after `graceMs`. */
export async function stopService(service: RunningService, graceMs = 25_000): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Runs a one-off command (migrations, the panel build) with output shown; resolves its exit code. */
export function runStep(root: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(127));
  });
}
