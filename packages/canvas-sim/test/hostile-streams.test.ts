import { createGunzip } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOSTILE_TUNING, type CanvasSim } from '../src/index.js';
import { firstRealCourse, getJson, startQuietSim } from './helpers.js';
import { eventually, open, readAll } from './hostile-helpers.js';

const MiB = 1024 * 1024;

/** The streamed hostile kinds: gzip bomb, huge chunked body, trickling body; each stops when the client leaves. */
describe('hostile streamed bodies', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());
  const start = (hostile: string, tuning = {}) =>
    startQuietSim({ users: [{ profile: 'tiny', hostile: hostile as never }, { profile: 'tiny' }], hostileTuning: tuning });

  it('gzipBomb: ~72 KB of gzip that decodes to a 72 MiB JSON list, with an honest Content-Length', async () => {
    sim = await start('gzipBomb');
    const res = await open(sim, '/api/v1/courses?per_page=100', sim.users[0]!.token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['link']).toBeUndefined();
    const compressed = await readAll(res);
    expect(Number(res.headers['content-length'])).toBe(compressed.length);
    expect(compressed.length).toBeLessThan(128 * 1024);
    let decoded = 0;
    let head = '';
    let tail = '';
    for await (const chunk of createGunzip().end(compressed)) {
      const text = (chunk as Buffer).toString('latin1');
      if (head.length < 20) head += text.slice(0, 20);
      tail = (tail + text).slice(-20);
      decoded += (chunk as Buffer).length;
    }
    expect(decoded).toBeGreaterThanOrEqual(DEFAULT_HOSTILE_TUNING.gzipBombBytes);
    expect(decoded).toBeLessThan(DEFAULT_HOSTILE_TUNING.gzipBombBytes + 2 * MiB);
    expect(head.startsWith('[{"id":1001,')).toBe(true);
    expect(tail.endsWith('"}]')).toBe(true);
    expect(sim.stats().hostile).toMatchObject({ answers: { gzipBomb: 1 }, streamsCompleted: 1, streamsOpen: 0 });
  });

  it('gzipBomb decodes to valid JSON (a small bomb, parsed whole); fetch decodes it transparently', async () => {
    sim = await start('gzipBomb', { gzipBombBytes: 2 * MiB });
    const res = await fetch(`${sim.url}/api/v1/courses`, { headers: { Authorization: `Bearer ${sim.users[0]!.token}` } });
    const rows = (await res.json()) as Array<Record<string, unknown>>;
    expect(rows.length).toBeGreaterThan(60);
    expect(rows[0]).toMatchObject({ id: 1001, name: 'Padding row' });
  });

  it('hugeBody: chunked without Content-Length, a valid JSON list of the configured size', async () => {
    sim = await start('hugeBody', { hugeBodyBytes: 3 * MiB });
    const course = firstRealCourse(sim, sim.users[0]!.id)['id'] as number;
    const res = await open(sim, `/api/v1/courses/${course}/assignments`, sim.users[0]!.token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const body = await readAll(res);
    expect(body.length).toBeGreaterThanOrEqual(3 * MiB);
    expect(Array.isArray(JSON.parse(body.toString('utf8')))).toBe(true);
  });

  it('hugeBody stops streaming when the client disconnects', async () => {
    sim = await start('hugeBody');
    const res = await open(sim, '/api/v1/courses', sim.users[0]!.token);
    let received = 0;
    for await (const chunk of res) {
      received += (chunk as Buffer).length;
      if (received >= 2 * MiB) break;
    }
    res.destroy();
    await eventually(() => expect(sim.stats().hostile).toMatchObject({ streamsOpen: 0, streamsAborted: 1, streamsCompleted: 0 }));
    expect(sim.stats().hostile.bytesStreamed).toBeLessThan(DEFAULT_HOSTILE_TUNING.hugeBodyBytes / 2);
  });

  it('tricklingBody: headers at once, then the real page a few bytes per tick', async () => {
    sim = await start('tricklingBody', { trickleIntervalMs: 5, trickleBytes: 64 });
    const res = await open(sim, '/api/v1/courses?include[]=term', sim.users[0]!.token);
    expect(res.headers['content-length']).toBeUndefined();
    expect(JSON.parse((await readAll(res)).toString('utf8'))).toEqual(sim.groundTruth(sim.users[0]!.id).courses);
    expect(res.headers['link']).toContain('rel="current"');
    await eventually(() => expect(sim.stats().hostile).toMatchObject({ answers: { tricklingBody: 1 }, streamsCompleted: 1, streamsOpen: 0 }));
  });

  it('tricklingBody (default tuning) sends 8 bytes and waits; a client that leaves ends it', async () => {
    sim = await start('tricklingBody');
    const res = await open(sim, '/api/v1/courses', sim.users[0]!.token);
    const first = await new Promise<Buffer>((resolve) => res.once('data', resolve));
    expect(first.toString('utf8')).toBe('[{"id":1'.slice(0, 8));
    res.destroy();
    await eventually(() => expect(sim.stats().hostile).toMatchObject({ streamsOpen: 0, streamsAborted: 1 }));
  });

  it('closing the sim ends a trickling body at once (close never waits on it)', async () => {
    sim = await start('tricklingBody');
    const res = await open(sim, '/api/v1/courses', sim.users[0]!.token);
    await new Promise((resolve) => res.once('data', resolve));
    const ended = new Promise((resolve) => res.once('close', resolve));
    await sim.close();
    await ended;
    await eventually(() => expect(sim.stats().hostile).toMatchObject({ streamsOpen: 0, streamsAborted: 1, streamsCompleted: 0 }));
  });

  it('normal users of the same sim, and the hostile user\'s users/self, are unaffected', async () => {
    sim = await start('hugeBody');
    const normal = await getJson(sim, '/api/v1/courses?include[]=term&per_page=100', sim.users[1]!.token);
    expect(normal.answer.headers['content-length']).toBeDefined();
    expect(normal.body).toEqual(sim.groundTruth(sim.users[1]!.id).courses);
    const self = await getJson<{ id: number }>(sim, '/api/v1/users/self', sim.users[0]!.token);
    expect(self.body.id).toBe(sim.users[0]!.id);
    expect(sim.stats().hostile.answers).toEqual({});
  });
});
