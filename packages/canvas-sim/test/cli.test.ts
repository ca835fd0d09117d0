import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli-args.js';
import { REALISTIC_LATENCY } from '../src/index.js';

const BIN = fileURLToPath(new URL('../bin/canvas-sim.js', import.meta.url));

describe('CLI arguments', () => {
  it('maps flags onto SimOptions and faults', () => {
    const { options, faults } = parseCliArgs([
      '--port', '4100', '--seed', '7', '--profile', 'teacher', '--courses', '3', '--assignments-per-course', '9',
      '--no-latency', '--throttle-status', '429', '--throttle-hwm', '300', '--drop-last-link', '--lowercase-headers',
      '--shift-rows', '--faults', '{"serverErrorRate":0.1}',
    ]);
    expect(options).toEqual({
      port: 4100,
      seed: 7,
      profile: 'teacher',
      users: [{ profile: 'teacher', courses: 3, assignmentsPerCourse: 9 }],
      latency: { baseMs: 0, perItemMs: 0, jitterMs: 0 },
      throttle: { status: 429, highWaterMark: 300 },
      dropLastLink: true,
      lowercaseHeaders: true,
      shiftRows: true,
    });
    expect(faults).toEqual({ serverErrorRate: 0.1 });
    expect(parseCliArgs(['--users', 'student,teacher']).options.users).toEqual([{ profile: 'student' }, { profile: 'teacher' }]);
  });

  it('takes a whole latency, a content cache size and stdin as a lifeline', () => {
    const realistic = parseCliArgs(['--latency', JSON.stringify(REALISTIC_LATENCY), '--content-cache-size', '1024', '--users', 'student,teacher,heavy', '--exit-with-stdin']);
    expect(realistic.options).toEqual({ latency: REALISTIC_LATENCY, contentCacheSize: 1024, users: [{ profile: 'student' }, { profile: 'teacher' }, { profile: 'heavy' }] });
    expect(realistic.exitWithStdin).toBe(true);
    expect(parseCliArgs([]).exitWithStdin).toBe(false);
    expect(parseCliArgs(['--realistic-latency']).options.latency).toEqual(REALISTIC_LATENCY);
    expect(parseCliArgs(['--latency', '{"baseMs":5,"perItemMs":0}']).options.latency).toEqual({ baseMs: 5, perItemMs: 0 });
  });

  it('refuses a malformed latency, two latency flags and a bad cache size', () => {
    expect(() => parseCliArgs(['--latency', '{"base":5}'])).toThrow(/baseMs and perItemMs/);
    expect(() => parseCliArgs(['--latency', '{"baseMs":5,"perItemMs":0,"endpoints":{"/x":{"baseMs":"slow"}}}'])).toThrow(/every endpoint/);
    expect(() => parseCliArgs(['--latency', '{"baseMs":5,"perItemMs":0,"jitterBy":"course"}'])).toThrow(/jitterBy/);
    expect(() => parseCliArgs(['--latency', '{"baseMs":5,"perItemMs":0}', '--no-latency'])).toThrow(/choose one/);
    expect(() => parseCliArgs(['--realistic-latency', '--no-latency'])).toThrow(/choose one/);
    expect(() => parseCliArgs(['--content-cache-size', '0'])).toThrow(/positive integer/);
    expect(() => parseCliArgs(['--content-cache-size', '1.5'])).toThrow(/positive integer/);
  });

  it('refuses bad values', () => {
    expect(() => parseCliArgs(['--profile', 'huge'])).toThrow(/profile/);
    expect(() => parseCliArgs(['--throttle-status', '500'])).toThrow(/403 or 429/);
    expect(() => parseCliArgs(['--port', 'x'])).toThrow(/number/);
    expect(() => parseCliArgs(['--unknown'])).toThrow();
  });
});

describe('canvas-sim binary', () => {
  it('prints {port, users} as its first stdout line, serves Canvas, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, '--port', '0', '--profile', 'tiny', '--no-latency'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      const banner = JSON.parse(first) as { port: number; users: Array<{ id: number; name: string; token: string }> };
      expect(Object.keys(banner)).toEqual(['port', 'users']);
      expect(banner.port).toBeGreaterThan(0);
      expect(Object.keys(banner.users[0]!)).toEqual(['id', 'name', 'token']);
      const res = await fetch(`http://127.0.0.1:${banner.port}/api/v1/users/self`, { headers: { Authorization: `Bearer ${banner.users[0]!.token}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { id: number }).id).toBe(banner.users[0]!.id);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);

  it('with --exit-with-stdin, exits 0 when its stdin ends (its parent is gone)', async () => {
    const child = spawn(process.execPath, [BIN, '--profile', 'tiny', '--no-latency', '--exit-with-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      await once(createInterface({ input: child.stdout }), 'line');
      child.stdin.end();
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
