import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasSim, SimHostileKind } from '../src/index.js';
import { firstRealCourse, get, getJson, parseLink, relUrl, startQuietSim, walk, type Row } from './helpers.js';

/** The hostile kinds answered as whole bodies: pagination traps, a huge Link header, bad values, deep nesting. */
describe('hostile lists', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());
  const start = (hostile: SimHostileKind, extra: Parameters<typeof startQuietSim>[0] = {}) =>
    startQuietSim({ users: [{ profile: 'tiny', hostile, courses: 3, assignmentsPerCourse: 12 }, { profile: 'tiny' }], ...extra });

  it('endlessPages: every page links to a new page with new ids, forever', async () => {
    sim = await start('endlessPages');
    const user = sim.users[0]!;
    const course = firstRealCourse(sim, user.id)['id'] as number;
    let next: string | undefined = `/api/v1/courses/${course}/assignments?per_page=5`;
    const urls = new Set<string>();
    const ids = new Set<number>();
    for (let page = 1; page <= 40; page++) {
      const { answer, body } = await getJson<Row[]>(sim, next!, user.token);
      expect(answer.status).toBe(200);
      expect(body).toHaveLength(5);
      for (const row of body) ids.add(row['id'] as number);
      next = relUrl(answer.headers['link'], 'next');
      expect(next).toContain(`page=${page + 1}`);
      urls.add(next!);
    }
    expect(urls.size).toBe(40);
    expect(ids.size).toBe(200);
    const first = await getJson<Row[]>(sim, `/api/v1/courses/${course}/assignments?per_page=5`, user.token);
    expect(first.body.map((r) => r['id'])).toEqual((sim.groundTruthCourse(user.id, course)!.assignments as Row[]).slice(0, 5).map((r) => r['id']));
    expect(sim.stats().hostile.answers['endlessPages']).toBeGreaterThanOrEqual(41);
  });

  it('cyclicPages: next links cycle through two URLs', async () => {
    sim = await start('cyclicPages');
    const token = sim.users[0]!.token;
    let next: string | undefined = '/api/v1/courses?per_page=1';
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await get(sim, next!, token);
      expect(answer.status).toBe(200);
      next = relUrl(answer.headers['link'], 'next');
      seen.push(next!);
    }
    expect(new Set(seen).size).toBe(2);
    expect(seen[0]).toContain('page=2');
    expect(seen[1]).toContain('page=1');
    expect(seen[2]).toBe(seen[0]);
    await expect(walk(sim, '/api/v1/courses?per_page=1', token)).rejects.toThrow(/pagination loop/);
  });

  it('hugeLinkHeader: a 16,000-byte Link that still starts with the real links and parses', async () => {
    sim = await start('hugeLinkHeader');
    const token = sim.users[0]!.token;
    const res = await fetch(`${sim.url}/api/v1/courses?per_page=1`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const link = res.headers.get('link') ?? '';
    expect(link).toHaveLength(16_000);
    const rels = parseLink(link);
    expect(rels.slice(0, 2).map((r) => r.rel)).toEqual(['current', 'next']);
    expect(rels.filter((r) => r.rel === 'noise').length).toBeGreaterThan(50);
    // A client that survives the header walks on to the real end.
    const normal = await getJson<Row[]>(sim, '/api/v1/courses?per_page=1', sim.users[1]!.token);
    expect(normal.answer.headers['link']!.length).toBeLessThan(1000);
  });

  it('badValues: the first page gains one row per bad case, exactly as documented', async () => {
    sim = await start('badValues');
    const user = sim.users[0]!;
    const course = firstRealCourse(sim, user.id)['id'] as number;
    const answer = await get(sim, `/api/v1/courses/${course}/assignments?per_page=5`, user.token);
    expect(answer.text).toContain('{"id":9007199254740993,');
    const rows = JSON.parse(answer.text) as Row[];
    expect(rows).toHaveLength(12);
    const [dateOne, dateImpossible, position, nul, negative, unsafe, noId] = rows.slice(5);
    expect(dateOne).toMatchObject({ id: 900_000_001, created_at: '1', updated_at: '1' });
    expect(dateImpossible).toMatchObject({ id: 900_000_002, created_at: '2024-02-30T00:00:00Z' });
    expect(position).toMatchObject({ id: 900_000_003, position: 3_000_000_000 });
    expect(nul!['name']).toBe('Bad\u0000name');
    expect(negative!['id']).toBe(-42);
    expect(Number.isSafeInteger(unsafe!['id'])).toBe(false);
    expect('id' in noId!).toBe(false);
    const second = await getJson<Row[]>(sim, relUrl(answer.headers['link'], 'next')!, user.token);
    expect(second.body).toHaveLength(5);
    expect(sim.stats().hostile.answers).toEqual({ badValues: 1 });
  });

  it('deepNesting: every row carries a field nested 10,000 levels deep', async () => {
    sim = await start('deepNesting');
    const answer = await get(sim, '/api/v1/courses', sim.users[0]!.token);
    expect(answer.text).toContain('"hostile_nesting":' + '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000));
    const rows = JSON.parse(answer.text) as Row[];
    let depth = 0;
    let node: unknown = rows[0]!['hostile_nesting'];
    while (typeof node === 'object' && node !== null) {
      node = (node as { a: unknown }).a;
      depth++;
    }
    expect(depth).toBe(10_000);
  });

  it('applies to every list a sync walks, and only those', async () => {
    sim = await start('deepNesting');
    const user = sim.users[0]!;
    const course = firstRealCourse(sim, user.id)['id'] as number;
    for (const path of ['/api/v1/courses', `/api/v1/courses/${course}/assignment_groups`, `/api/v1/courses/${course}/assignments`, `/api/v1/courses/${course}/students/submissions?student_ids[]=self`]) {
      const answer = await get(sim, path, user.token);
      expect(answer.status, path).toBe(200);
      expect(answer.text, path).toContain('"hostile_nesting":{"a":');
    }
    for (const path of ['/api/v1/users/self', `/api/v1/courses/${course}`]) expect((await get(sim, path, user.token)).text, path).not.toContain('hostile_nesting');
    expect(sim.stats().hostile.answers).toEqual({ deepNesting: 4 });
  });

  it('refusals stay real: a foreign course is still 404 for a hostile user', async () => {
    sim = await start('gzipBomb');
    const foreign = firstRealCourse(sim, sim.users[1]!.id)['id'] as number;
    const answer = await get(sim, `/api/v1/courses/${foreign}/assignments`, sim.users[0]!.token);
    expect(answer.status).toBe(404);
    expect(answer.headers['content-encoding']).toBeUndefined();
  });

  it('is set per user at runtime (method and HTTP) and refuses unknown kinds', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny' }, { profile: 'tiny' }] });
    const [a, b] = sim.users;
    sim.setHostile(a!.id, 'deepNesting');
    expect((await get(sim, '/api/v1/courses', a!.token)).text).toContain('hostile_nesting');
    expect((await get(sim, '/api/v1/courses', b!.token)).text).not.toContain('hostile_nesting');
    const put = await fetch(`${sim.url}/__sim/users/${b!.id}/hostile`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'deepNesting' }) });
    expect(put.status).toBe(200);
    expect(sim.users.map((u) => u.hostile)).toEqual(['deepNesting', 'deepNesting']);
    const bad = await fetch(`${sim.url}/__sim/users/${b!.id}/hostile`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'nope' }) });
    expect(bad.status).toBe(400);
    sim.setHostile(a!.id, null);
    expect((await get(sim, '/api/v1/courses', a!.token)).text).not.toContain('hostile_nesting');
    expect(() => sim.setHostile(1, null)).toThrow(/no user/);
  });
});
