import { afterEach, describe, expect, it } from 'vitest';
import { startCanvasSim, type CanvasSim } from '../src/index.js';
import { getJson, startQuietSim, walk, type Row } from './helpers.js';

/** CANVAS.md simulator points 7 and 10: realistic, seeded data and its shapes. */
describe('generated data', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());

  it('is deterministic: the same seed gives byte-identical ground truth, another seed differs', async () => {
    const truthOf = async (seed: number): Promise<string> => {
      const s = await startQuietSim({ seed, profile: 'student' });
      const out = JSON.stringify({ users: s.users, truth: s.groundTruth(s.users[0]!.id) }).replaceAll(s.url, 'URL');
      await s.close();
      return out;
    };
    const a = await truthOf(42);
    expect(await truthOf(42)).toBe(a);
    expect(await truthOf(43)).not.toBe(a);
  });

  it('sizes the student profile at ≈6 courses and ≈300 assignments with own submissions', async () => {
    sim = await startQuietSim({ profile: 'student' });
    const truth = sim.groundTruth(sim.users[0]!.id);
    const real = (truth.courses as Row[]).filter((c) => c['access_restricted_by_date'] !== true);
    expect(real).toHaveLength(6);
    expect(truth.assignments.length).toBeGreaterThan(180);
    expect(truth.assignments.length).toBeLessThan(450);
    expect(truth.submissions.length).toBeGreaterThan(truth.assignments.length * 0.85);
    expect(truth.submissions.length).toBeLessThanOrEqual(truth.assignments.length);
  });

  it('has a Default Term with null dates, date-restricted stubs, and no updated_at on courses', async () => {
    sim = await startQuietSim({ profile: 'student' });
    const truth = sim.groundTruth(sim.users[0]!.id);
    expect(truth.terms).toContainEqual(expect.objectContaining({ name: 'Default Term', start_at: null, end_at: null }));
    const stubs = (truth.courses as Row[]).filter((c) => c['access_restricted_by_date'] === true);
    expect(stubs.length).toBeGreaterThan(0);
    for (const stub of stubs) expect(Object.keys(stub)).toEqual(['id', 'access_restricted_by_date']);
    for (const course of truth.courses as Row[]) {
      expect(course).not.toHaveProperty('updated_at');
      if (course['access_restricted_by_date'] !== true) expect(course['term']).toEqual(truth.terms.find((t) => (t as Row)['id'] === course['enrollment_term_id']));
    }
  });

  it('keeps ids unique across the whole sim', async () => {
    sim = await startQuietSim({ users: [{ profile: 'student' }, { profile: 'tiny', role: 'teacher' }] });
    const ids: unknown[] = [...sim.users.map((u) => u.id)];
    for (const user of sim.users) {
      const t = sim.groundTruth(user.id);
      ids.push(...[...t.courses, ...t.assignmentGroups, ...t.assignments, ...t.submissions].map((r) => (r as Row)['id']));
    }
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('hides unposted grades by leaving the keys out, and keeps ungraded ones as null', async () => {
    sim = await startQuietSim({ profile: 'student' });
    const subs = sim.groundTruth(sim.users[0]!.id).submissions as Row[];
    const hidden = subs.filter((s) => !('score' in s));
    const ungraded = subs.filter((s) => 'score' in s && s['score'] === null && s['excused'] !== true);
    const graded = subs.filter((s) => typeof s['score'] === 'number');
    expect(hidden.length).toBeGreaterThan(0);
    expect(ungraded.length).toBeGreaterThan(0);
    expect(graded.length).toBeGreaterThan(0);
    for (const s of hidden) {
      for (const key of ['score', 'grade', 'entered_score', 'entered_grade']) expect(s).not.toHaveProperty(key);
      expect(s['posted_at']).toBeNull();
    }
    expect(subs.some((s) => s['late'] === true)).toBe(true);
    expect(subs.some((s) => s['missing'] === true)).toBe(true);
    expect(subs.some((s) => s['excused'] === true)).toBe(true);
    expect(subs.some((s) => s['workflow_state'] === 'unsubmitted')).toBe(true);
    for (const s of subs) expect(s).not.toHaveProperty('updated_at');
  });

  it('writes HTML descriptions of realistic size: some null, some 20–60 KB', async () => {
    sim = await startQuietSim({ users: [{ profile: 'teacher', courses: 8 }] });
    const assignments = sim.groundTruth(sim.users[0]!.id).assignments as Row[];
    const descriptions = assignments.map((a) => a['description']);
    expect(descriptions.some((d) => d === null)).toBe(true);
    const sizes = descriptions.filter((d): d is string => typeof d === 'string').map((d) => d.length);
    expect(sizes.some((n) => n >= 20_000 && n <= 61_000)).toBe(true);
    expect(sizes.filter((n) => n < 5_000).length).toBeGreaterThan(sizes.length * 0.8);
    expect(descriptions.find((d) => typeof d === 'string')).toMatch(/^<(p|ul|h3|table)/);
    for (const a of assignments) expect(typeof a['updated_at']).toBe('string');
  });

  it('serves assignment groups with rules {} or drop rules, every assignment embedded, and the own submission attached', async () => {
    sim = await startQuietSim({ users: [{ profile: 'student', courses: 3 }] });
    const user = sim.users[0]!;
    const truth = sim.groundTruth(user.id);
    const rules = (truth.assignmentGroups as Row[]).map((g) => g['rules'] as Row);
    expect(rules.some((r) => Object.keys(r).length === 0)).toBe(true);
    expect(rules.some((r) => 'drop_lowest' in r || 'drop_highest' in r)).toBe(true);
    for (const course of (truth.courses as Row[]).filter((c) => c['access_restricted_by_date'] !== true)) {
      const { rows: groups } = await walk(sim, `/api/v1/courses/${String(course['id'])}/assignment_groups?include[]=assignments&include[]=submission&per_page=100`, user.token);
      const embedded = groups.flatMap((g) => g['assignments'] as Row[]);
      const own = truth.assignments.filter((a) => (a as Row)['course_id'] === course['id']);
      expect(embedded.map(({ submission: _s, ...a }) => a)).toEqual(own);
      const withSubmission = embedded.filter((a) => 'submission' in a);
      expect(withSubmission.length).toBeGreaterThan(0);
      expect(withSubmission.length).toBeLessThanOrEqual(embedded.length);
      for (const a of withSubmission) expect(truth.submissions).toContainEqual(a['submission']);
      expect(groups.map(({ assignments: _a, ...g }) => g)).toEqual(sim.groundTruthCourse(user.id, course['id'] as number)?.assignmentGroups);
    }
  });

  it('gives teachers no submission key at all', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny', role: 'teacher' }] });
    const user = sim.users[0]!;
    const truth = sim.groundTruth(user.id);
    expect(truth.submissions).toEqual([]);
    const courseId = (truth.courses as Row[]).find((c) => c['access_restricted_by_date'] !== true)?.['id'] as number;
    const { body } = await getJson<Row[]>(sim, `/api/v1/courses/${courseId}/assignment_groups?include[]=assignments&include[]=submission`, user.token);
    const embedded = body.flatMap((g) => g['assignments'] as Row[]);
    expect(embedded.length).toBeGreaterThan(0);
    for (const a of embedded) expect(a).not.toHaveProperty('submission');
  });

  it('matches the ground truth row for row when walked over HTTP', async () => {
    sim = await startQuietSim({ profile: 'student' });
    const user = sim.users[0]!;
    const truth = sim.groundTruth(user.id);
    const courses = (await walk(sim, '/api/v1/courses?include[]=term&per_page=100', user.token)).rows;
    expect(courses).toEqual(truth.courses);
    const groups: Row[] = [];
    const assignments: Row[] = [];
    const submissions: Row[] = [];
    for (const course of courses.filter((c) => c['access_restricted_by_date'] !== true)) {
      const base = `/api/v1/courses/${String(course['id'])}`;
      groups.push(...(await walk(sim, `${base}/assignment_groups?per_page=100`, user.token)).rows);
      assignments.push(...(await walk(sim, `${base}/assignments?per_page=100`, user.token)).rows);
      const subs = (await walk(sim, `${base}/students/submissions?student_ids[]=self&per_page=100`, user.token)).rows;
      submissions.push(...subs);
    }
    expect(groups).toEqual(truth.assignmentGroups);
    expect(assignments).toEqual(truth.assignments);
    const byId = (rows: unknown[]) => [...(rows as Row[])].sort((a, b) => (a['id'] as number) - (b['id'] as number));
    expect(byId(submissions)).toEqual(byId(truth.submissions));
  });

  it('plans the heavy profile without generating it, and serves it through a bounded cache', async () => {
    sim = await startCanvasSim({ profile: 'heavy', latency: { baseMs: 0, perItemMs: 0 }, contentCacheSize: 8, throttle: { enabled: false } });
    const user = sim.users[0]!;
    const summary = sim.summary(user.id);
    expect(summary.courses).toBe(500);
    expect(summary.assignments).toBeGreaterThan(80_000);
    expect(summary.assignments).toBeLessThan(120_000);
    expect(sim.stats().content.cachedCourses).toBe(0);
    const { rows: courses } = await walk(sim, '/api/v1/courses?per_page=100', user.token);
    expect(courses.length).toBe(summary.courses + summary.restrictedCourses);
    const real = courses.filter((c) => c['access_restricted_by_date'] !== true).slice(0, 20);
    for (const course of real) {
      const { body } = await getJson<Row[]>(sim, `/api/v1/courses/${String(course['id'])}/assignments?per_page=100`, user.token);
      expect(body.length).toBeGreaterThan(0);
    }
    expect(sim.stats().content.cachedCourses).toBe(8);
    const again = sim.groundTruthCourse(user.id, real[0]!['id'] as number);
    expect(again?.assignments.length).toBeGreaterThan(0);
  });
});
