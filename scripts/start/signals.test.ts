import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@canvas-sync/testkit/servers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** fixtures/parent.ts in a process group of its own, as a terminal runs `npm start` in the foreground group. */
async function startParent(): Promise<{ parent: ChildProcess; servicePid: number; output: () => string; exited: Promise<number | null> }> {
  const parent = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'scripts/start/fixtures/parent.ts', ROOT], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  parent.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  parent.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
  expect(await waitUntil(async () => /service ready pid=\d+/.test(output), 30_000)).toBe(true);
  return { parent, servicePid: Number(/service ready pid=(\d+)/.exec(output)![1]), output: () => output, exited };
}

const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('npm start and Ctrl-C', () => {
  it('one Ctrl-C (to the whole process group, then forwarded again by npm) stops each service once, gracefully', async () => {
    const { parent, servicePid, output, exited } = await startParent();
    leftovers.push(servicePid, parent.pid!);
    process.kill(-parent.pid!, 'SIGINT');
    process.kill(parent.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(output().match(/service got \w+/g)).toEqual(['service got SIGTERM']);
    expect(output()).not.toContain('second signal');
    expect(alive(servicePid)).toBe(false);
  }, 60_000);

  it('stops the services when npm start itself is killed', async () => {
    const { parent, servicePid, exited } = await startParent();
    leftovers.push(servicePid);
    parent.kill('SIGKILL');
    await exited;
    expect(await waitUntil(async () => !alive(servicePid), 30_000)).toBe(true);
  }, 60_000);
});
