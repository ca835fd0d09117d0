import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasSim } from '../src/index.js';
import { get, getJson, parseLink, relUrl, startQuietSim, walk, type Row } from './helpers.js';

/** CANVAS.md simulator points 1 and 2: per_page, Link headers, ordinal pages. */
describe('ordinal pagination and Link headers', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());

  const bigCourse = async (options = {}) => {
    sim = await startQuietSim({ users: [{ profile: 'tiny', courses: 1, assignmentsPerCourse: 250, restrictedCourses: 0 }], ...options });
    const user = sim.users[0]!;
    const course = sim.groundTruth(user.id).courses[0] as Row;
    return { user, path: `/api/v1/courses/${String(course['id'])}/assignments` };
  };

  it('defaults per_page to 10', async () => {
    const { user, path } = await bigCourse();
    const { answer, body } = await getJson<Row[]>(sim, path, user.token);
    expect(body).toHaveLength(10);
    expect(relUrl(answer.headers['link'], 'next')).toContain('per_page=10');
  });

  it('clamps per_page=500 to 100 rows and writes per_page=100 into every link', async () => {
    const { user, path } = await bigCourse();
    const { answer, body } = await getJson<Row[]>(sim, `${path}?per_page=500`, user.token);
    expect(body).toHaveLength(100);
    const links = parseLink(answer.headers['link']);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(new URL(link.url).searchParams.get('per_page')).toBe('100');
  });

  it('clamps per_page=0 and per_page=abc up to 1', async () => {
    const { user, path } = await bigCourse();
    for (const value of ['0', 'abc', '-5']) {
      const { body, answer } = await getJson<Row[]>(sim, `${path}?per_page=${value}`, user.token);
      expect(body).toHaveLength(1);
      expect(relUrl(answer.headers['link'], 'current')).toContain('per_page=1');
    }
  });

  it('sends absolute links in the order current, next, prev, first, last', async () => {
    const { user, path } = await bigCourse();
    const { answer } = await getJson(sim, `${path}?per_page=100&page=2`, user.token);
    const links = parseLink(answer.headers['link']);
    expect(links.map((l) => l.rel)).toEqual(['current', 'next', 'prev', 'first', 'last']);
    expect(links.map((l) => new URL(l.url).searchParams.get('page'))).toEqual(['2', '3', '1', '1', '3']);
    for (const link of links) expect(link.url.startsWith(`${sim.url}/api/v1/courses/`)).toBe(true);
  });

  it('has only the rels that apply: no prev on page 1, no next on the last page', async () => {
    const { user, path } = await bigCourse();
    const first = await get(sim, `${path}?per_page=100`, user.token);
    expect(parseLink(first.headers['link']).map((l) => l.rel)).toEqual(['current', 'next', 'first', 'last']);
    const last = await get(sim, `${path}?per_page=100&page=3`, user.token);
    expect(parseLink(last.headers['link']).map((l) => l.rel)).toEqual(['current', 'prev', 'first', 'last']);
  });

  it('keeps other query params (encoded as Canvas does) and drops access_token', async () => {
    const { user, path } = await bigCourse();
    const answer = await get(sim, `${path}?include[]=submission&order_by=position&per_page=5&access_token=${user.token}`, null);
    expect(answer.status).toBe(200);
    const next = relUrl(answer.headers['link'], 'next');
    expect(next).toBeDefined();
    expect(next).toContain('include%5B%5D=submission');
    expect(next).toContain('order_by=position');
    expect(next).not.toContain('access_token');
    expect(next).not.toContain(user.token);
  });

  it('drops rel="last" in dropLastLink mode', async () => {
    const { user, path } = await bigCourse({ dropLastLink: true });
    const answer = await get(sim, `${path}?per_page=100`, user.token);
    expect(parseLink(answer.headers['link']).map((l) => l.rel)).toEqual(['current', 'next', 'first']);
  });

  it('answers a page past the end with 200 []', async () => {
    const { user, path } = await bigCourse();
    const { answer, body } = await getJson(sim, `${path}?per_page=100&page=9`, user.token);
    expect(answer.status).toBe(200);
    expect(body).toEqual([]);
    expect(relUrl(answer.headers['link'], 'next')).toBeUndefined();
  });

  it('walks to exactly the ground truth by following rel="next"', async () => {
    const { user, path } = await bigCourse();
    const { rows, pages } = await walk(sim, `${path}?per_page=30`, user.token);
    expect(pages).toBe(9);
    expect(rows).toEqual(sim.groundTruth(user.id).assignments);
  });

  it('repeats rows across pages when rows shift between fetches (shiftRows)', async () => {
    const { user, path } = await bigCourse({ shiftRows: true });
    const { rows } = await walk(sim, `${path}?per_page=50`, user.token);
    const ids = rows.map((r) => r['id']);
    expect(ids.length).toBeGreaterThan(new Set(ids).size);
    // Deduping by id still yields every row: shifting duplicates, it never loses rows here.
    expect(new Set(ids).size).toBe(250);
  });

  it('can shift rows per token through the shiftRows fault', async () => {
    const { user, path } = await bigCourse();
    sim.setFaults({ perToken: { [user.token]: { shiftRows: true } } });
    const p1 = await getJson<Row[]>(sim, `${path}?per_page=10`, user.token);
    const p2 = await getJson<Row[]>(sim, `${path}?per_page=10&page=2`, user.token);
    expect(p2.body[0]?.['id']).toBe(p1.body[9]?.['id']);
  });

  it('sends canonical header names, or lowercase ones in lowercaseHeaders mode', async () => {
    const { user, path } = await bigCourse();
    const canonical = await get(sim, path, user.token);
    expect(canonical.rawHeaderNames).toEqual(expect.arrayContaining(['Link', 'X-Request-Cost', 'X-Rate-Limit-Remaining', 'Content-Type']));
    await sim.close();
    const lower = await bigCourse({ lowercaseHeaders: true });
    const answer = await get(sim, lower.path, lower.user.token);
    expect(answer.rawHeaderNames).toEqual(expect.arrayContaining(['link', 'x-request-cost', 'x-rate-limit-remaining', 'content-type']));
    expect(answer.rawHeaderNames).not.toContain('Link');
  });

  it('paginates the course list ordinally too', async () => {
    sim = await startQuietSim({ users: [{ courses: 25, assignmentsPerCourse: 0, restrictedCourses: 0 }] });
    const user = sim.users[0]!;
    const { rows, pages } = await walk(sim, '/api/v1/courses?include[]=term', user.token);
    expect(pages).toBe(3);
    expect(rows).toEqual(sim.groundTruth(user.id).courses);
  });
});
