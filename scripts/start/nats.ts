import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { portFree, probeNats, randomPort, waitUntil } from './probes.js';

/** A nats-server this script started. */
export interface StartedNats {
  url: string;
  pid: number;
  port: number;
  storeDir: string;
  stop(): Promise<void>;
}

/** `nats-server` from PATH, or where Debian puts it (/usr/sbin is not on a normal user's PATH). */
export function findNatsServer(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NATS_SERVER_BIN) return existsSync(env.NATS_SERVER_BIN) ? env.NATS_SERVER_BIN : undefined;
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  return undefined;
}

/** Starts nats-server with JetStream and a temporary store: on 4222 when free, else a random port. */
export async function startNats(bin: string): Promise<StartedNats> {
  const port = (await portFree(4222)) ? 4222 : await randomPort();
  const storeDir = mkdtempSync(join(tmpdir(), 'canvas-sync-nats-'));
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
  const url = `nats://127.0.0.1:${port}`;
  const up = await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error('exited');
    return (await probeNats(url)) === 'ok';
  }, 10_000);
  if (!up) {
    child.kill('SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
    throw new Error(`nats-server did not come up on ${port}: ${stderr.trim() || 'no output'}`);
  }
  return {
    url,
    pid: child.pid!,
    port,
    storeDir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
