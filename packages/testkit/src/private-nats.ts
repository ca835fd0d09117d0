import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort, waitFor } from './free-port.js';

/** A nats-server of one test: its own port and store, killable and restartable on the same store. */
export interface PrivateNats {
  url: string;
  port: number;
  storeDir: string;
  /** Kills the server (SIGKILL by default: no clean shutdown, as in a crash). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Path of the nats-server binary: `NATS_SERVER_BIN`, else the first one on PATH or in /usr/sbin. */
export function natsServerBin(): string {
  return process.env.NATS_SERVER_BIN ?? 'nats-server';
}

/** Starts a private JetStream nats-server on a random port with a temporary store. */
export async function startPrivateNats(): Promise<PrivateNats> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'cs-nats-'));
  let child: ChildProcess | undefined;
  const url = `nats://127.0.0.1:${port}`;

  const start = async () => {
    child = spawn(natsServerBin(), ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: 'ignore',
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin` },
    });
    const spawned = child;
    await waitFor(async () => {
      if (spawned.exitCode !== null) throw new Error(`nats-server exited with ${spawned.exitCode}`);
      const nc = await connect({ servers: url, timeout: 500 });
      await nc.close();
      return true;
    }, 10_000, `nats-server on ${port}`);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  await start();
  return {
    url,
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
