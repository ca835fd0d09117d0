import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasSim } from '../src/index.js';
import { get, getJson, parseLink, relUrl, startQuietSim, walk, type Row } from './helpers.js';

/** CANVAS.md simulator points 3 and 8: bookmark pagination and the since filters. */
describe('student submissions: bookmark pagination and filters', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());

  const setup = async () => {
    sim = await startQuietSim({ users: [{ profile: 'student', courses: 1, assignmentsPerCourse: 60, restrictedCourses: 0 }] });
    const user = sim.users[0]!;
    const courseId = (sim.groundTruth(user.id).courses[0] as Row)['id'] as number;
    return { user, courseId, path: `/api/v1/courses/${courseId}/students/submissions?student_ids[]=self` };
  };

  it('starts at page=first and continues with bookmark: tokens; only current, next and first rels', async () => {
    const { user, path } = await setup();
    const answer = await get(sim, `${path}&per_page=10`, user.token);
    expect(answer.status).toBe(200);
    const links = parseLink(answer.headers['link']);
    expect(links.map((l) => l.rel)).toEqual(['current', 'next', 'first']);
    expect(new URL(links[0]!.url).searchParams.get('page')).toBe('first');
    expect(new URL(links[1]!.url).searchParams.get('page')).toMatch(/^bookmark:[A-Za-z0-9_-]+$/);
    expect(new URL(links[2]!.url).searchParams.get('page')).toBe('first');
  });

  it('walks every own submission exactly once, in id order, matching the ground truth', async () => {
    const { user, path } = await setup();
    const { rows, pages } = await walk(sim, `${path}&per_page=7`, user.token);
    const truth = (sim.groundTruth(user.id).submissions as Row[]).slice().sort((a, b) => (a['id'] as number) - (b['id'] as number));
    expect(pages).toBeGreaterThan(1);
    expect(rows).toEqual(truth);
    const last = await get(sim, `${path}&per_page=100`, user.token);
    expect(relUrl(last.headers['link'], 'next')).toBeUndefined();
  });

  it('restarts silently at page 1 on a garbled bookmark', async () => {
    const { user, path } = await setup();
    const first = await getJson<Row[]>(sim, `${path}&per_page=5`, user.token);
    for (const garbled of ['bookmark:!!!not-base64', 'bookmark:', `bookmark:${Buffer.from('{"x":1}').toString('base64url')}`]) {
      const again = await getJson<Row[]>(sim, `${path}&per_page=5&page=${encodeURIComponent(garbled)}`, user.token);
      expect(again.answer.status).toBe(200);
      expect(again.body).toEqual(first.body);
    }
  });

  it('answers a numeric page with 404', async () => {
    const { user, path } = await setup();
    const answer = await get(sim, `${path}&page=2`, user.token);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toEqual({ errors: [{ message: 'The specified resource does not exist.' }] });
  });

  it('orders by graded_at (nulls last) when asked, still bookmarked', async () => {
    const { user, path } = await setup();
    const { rows } = await walk(sim, `${path}&order=graded_at&per_page=9`, user.token);
    const graded = rows.map((r) => r['graded_at'] as string | null);
    const firstNull = graded.indexOf(null);
    const dated = firstNull === -1 ? graded : graded.slice(0, firstNull);
    expect(dated).toEqual([...dated].sort());
    if (firstNull !== -1) expect(graded.slice(firstNull).every((g) => g === null)).toBe(true);
    expect(rows).toHaveLength(sim.groundTruth(user.id).submissions.length);
  });

  it('filters graded_since and submitted_since strictly later', async () => {
    const { user, path } = await setup();
    const truth = sim.groundTruth(user.id).submissions as Row[];
    const gradedTimes = truth.map((s) => s['graded_at']).filter((g): g is string => typeof g === 'string').sort();
    const pivot = gradedTimes[Math.floor(gradedTimes.length / 2)]!;
    const { rows } = await walk(sim, `${path}&graded_since=${pivot}&per_page=100`, user.token);
    const expected = truth.filter((s) => typeof s['graded_at'] === 'string' && (s['graded_at'] as string) > pivot);
    expect(rows.map((r) => r['id']).sort()).toEqual(expected.map((s) => s['id']).sort());
    expect(rows.some((r) => r['graded_at'] === pivot)).toBe(false);

    const submittedTimes = truth.map((s) => s['submitted_at']).filter((g): g is string => typeof g === 'string').sort();
    const since = submittedTimes[0]!;
    const submitted = await walk(sim, `${path}&submitted_since=${since}&per_page=100`, user.token);
    expect(submitted.rows).toHaveLength(submittedTimes.filter((t) => t > since).length);
  });

  it('answers 400 for a since date not in YYYY-MM-DDTHH:MM:SSZ form', async () => {
    const { user, path } = await setup();
    for (const [param, value] of [['graded_since', '2025-01-01'], ['submitted_since', '2025-01-01T00:00:00+02:00'], ['graded_since', 'yesterday']] as const) {
      const answer = await get(sim, `${path}&${param}=${encodeURIComponent(value)}`, user.token);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toEqual({ errors: { [param]: `Invalid datetime for ${param}` } });
    }
  });

  it('falls back to ordinal pages for order_direction=descending', async () => {
    const { user, path } = await setup();
    const answer = await get(sim, `${path}&order_direction=descending&per_page=5`, user.token);
    const rows = JSON.parse(answer.text) as Row[];
    expect(rows.map((r) => r['id'])).toEqual([...rows.map((r) => r['id'] as number)].sort((a, b) => b - a));
    expect(new URL(relUrl(answer.headers['link'], 'next')!).searchParams.get('page')).toBe('2');
  });

  it('refuses other students and teachers asking for themselves with the permission 403', async () => {
    const { user, path } = await setup();
    const other = await get(sim, path.replace('self', '999999'), user.token);
    expect(other.status).toBe(403);
    await sim.close();
    sim = await startQuietSim({ users: [{ profile: 'tiny', role: 'teacher' }] });
    const teacher = sim.users[0]!;
    const courseId = (sim.groundTruth(teacher.id).courses[0] as Row)['id'] as number;
    const answer = await get(sim, `/api/v1/courses/${courseId}/students/submissions?student_ids[]=self`, teacher.token);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text)).toEqual({ status: 'unauthorized', errors: [{ message: 'user not authorized to perform that action' }] });
  });
});
