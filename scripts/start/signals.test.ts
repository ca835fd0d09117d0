import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** fixtures/parent.ts (or `command` under `sh -c`) in a process group of its own, as a terminal runs `npm start` in the foreground group. */
async function startParent(command?: string): Promise<{ parent: ChildProcess; servicePid: number; output: () => string; exited: Promise<number | null> }> {
  const [file, args] = command === undefined ? [process.execPath, ['--conditions=source', '--import', 'tsx', 'scripts/start/fixtures/parent.ts', ROOT]] : ['sh', ['-c', command]];
  const parent = spawn(file, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  groups.push(parent.pid!);
  let output = '';
  parent.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  parent.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
  expect(await waitUntil(async () => /service ready pid=\d+/.test(output), 30_000)).toBe(true);
  return { parent, servicePid: Number(/service ready pid=(\d+)/.exec(output)![1]), output: () => output, exited };
}

const leftovers: number[] = [];
/** Each parent leads a process group: whatever a failed test leaves in it goes too. */
const groups: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // the group is gone
    }
  }
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

  it('a SIGTERM to npm (which forwards it to the shell running the start script) stops each service once, gracefully', async () => {
    // npm runs `start` as `sh -c <script>` and forwards SIGTERM to that shell alone (a process
    // manager, `timeout`, a `kill` of its pid): unless the script execs node, the shell dies and leaves
    // the whole stack running. The real script, with this fixture in place of scripts/start.ts.
    const script = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start;
    const command = script.replace('scripts/start.ts', `scripts/start/fixtures/parent.ts ${ROOT}`);
    expect(command).not.toBe(script);
    const { parent, servicePid, output, exited } = await startParent(command);
    leftovers.push(servicePid);
    parent.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output().match(/service got \w+/g)).toEqual(['service got SIGTERM']);
    expect(await waitUntil(async () => !alive(servicePid), 10_000)).toBe(true);
  }, 60_000);

  it('stops the services when npm start itself is killed', async () => {
    const { parent, servicePid, exited } = await startParent();
    leftovers.push(servicePid);
    parent.kill('SIGKILL');
    await exited;
    expect(await waitUntil(async () => !alive(servicePid), 30_000)).toBe(true);
  }, 60_000);
});
