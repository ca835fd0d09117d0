import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { portFree, probeNats, randomPort, waitUntil } from './probes.js';

/** A nats-server started here: JetStream on, a temporary store, killable and restartable on the same port and store. */
export interface StartedNats {
  url: string;
  /** Pid of the current process (changes on restart). */
  readonly pid: number;
  port: number;
  storeDir: string;
  /** Kills the server (SIGKILL by default: no clean shutdown, as in a crash). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** SIGTERM, then removes the store. */
  stop(): Promise<void>;
}

/** What to say when no nats-server can be found: where we looked and how to get one. */
export const NATS_SERVER_INSTALL_HINT =
  'install nats-server (Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server; or any release from https://github.com/nats-io/nats-server/releases) or point NATS_SERVER_BIN at the binary';

/** `NATS_SERVER_BIN`, else `nats-server` from PATH, or where Debian and Homebrew put it (/usr/sbin is not on a normal user's PATH). */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NATS_SERVER_BIN) return existsSync(env.NATS_SERVER_BIN) ? env.NATS_SERVER_BIN : undefined;
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  return undefined;
}

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /** The binary; default {@link findNatsServer} (and a clear error naming the package when there is none). */
  bin?: string;
  /** 'random' (default: tests, never collides with 4222 or another run), or a port to use when free, else a random one. */
  port?: 'random' | number;
  /**
   * Run it in a process group of its own (`npm start`): a terminal's Ctrl-C then reaches only its starter, which stops
   * it after the services that use it have drained. Default false, so a test run's Ctrl-C takes it down with the run.
   */
  ownProcessGroup?: boolean;
}

/** Starts nats-server with JetStream on 127.0.0.1 and a temporary store. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<StartedNats> {
  const bin = options.bin ?? findNatsServer();
  if (!bin) throw new Error(`no nats-server binary found (looked at NATS_SERVER_BIN, PATH, /usr/sbin, /usr/local/sbin, /usr/local/bin, /opt/homebrew/bin): ${NATS_SERVER_INSTALL_HINT}`);
  const preferred = typeof options.port === 'number' && (await portFree(options.port)) ? options.port : undefined;
  // A random port was free a moment ago; another run may take it before we bind, so try a few.
  for (let attempt = 1; ; attempt++) {
    const port = preferred ?? (await randomPort());
    const storeDir = mkdtempSync(join(tmpdir(), 'canvas-sync-nats-'));
    try {
      return await startOn(bin, port, storeDir, options.ownProcessGroup ?? false);
    } catch (err) {
      rmSync(storeDir, { recursive: true, force: true });
      if (preferred !== undefined || attempt >= 3) throw err;
    }
  }
}

async function startOn(bin: string, port: number, storeDir: string, ownProcessGroup: boolean): Promise<StartedNats> {
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    const spawned = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'], detached: ownProcessGroup });
    child = spawned;
    let stderr = '';
    let spawnError: Error | undefined;
    spawned.once('error', (err) => (spawnError = err));
    spawned.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
    const up = await waitUntil(async () => {
      if (spawned.exitCode !== null || spawnError) throw new Error('exited');
      return (await probeNats(url)) === 'ok';
    }, 10_000);
    if (!up) {
      spawned.kill('SIGKILL');
      throw new Error(`nats-server (${bin}) did not come up on ${port}: ${spawnError?.message ?? (stderr.trim() || 'no output')}`);
    }
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  await start();
  return {
    url,
    get pid() {
      return child?.pid ?? -1;
    },
    port,
    storeDir,
    kill,
    restart: start,
    stop: async () => {
      await kill('SIGTERM');
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
