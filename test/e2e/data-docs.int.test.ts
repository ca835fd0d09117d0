import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCipher } from '@canvas-sync/shared';
import { compareWithGroundTruth, startPipeline, type PipelineHarness } from '@canvas-sync/testkit';
import { buildApp } from '../../services/api/src/app.js';
import { truthDiff, truthOf } from '../../services/writer/test/support/change-events.support.js';

/**
 * docs/data.md is the host apps' contract: every SQL block of it runs here, as written, against a
 * student synced from the simulator, and its answer is checked against the simulator's own data
 * (computed here from the raw Canvas objects, not from our tables). Every column and index of
 * schema `canvas` must be named in the doc.
 */
const DOC = readFileSync(fileURLToPath(new URL('../../docs/data.md', import.meta.url)), 'utf8');
const EXAMPLES = new Map([...DOC.matchAll(/```sql\n-- example: ([a-z-]+)\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!]));
const USER = 'docs-student';
const DAY = 86_400_000;

type Raw = Record<string, any>;
type Row = Record<string, any>;

let h: PipelineHarness;
let client: pg.Client;
let truth: { courses: Raw[]; assignmentGroups: Raw[]; assignments: Raw[]; submissions: Raw[] };

beforeAll(async () => {
  // The simulator's data is dated around its epoch: put it at now, so "upcoming" and "recent" find rows.
  h = await startPipeline({ sim: { epoch: new Date().toISOString(), users: [{ profile: 'student' }] } });
  const student = h.sim.users[0]!;
  await h.connect(USER, student.id);
  const row = await h.waitFor(await h.startSync(USER), ['completed', 'failed'], 60_000);
  expect(row.status).toBe('completed');
  expect((await compareWithGroundTruth(h.database.db, USER, h.sim, student.id)).equal).toBe(true);
  truth = h.sim.groundTruth(student.id) as typeof truth;
  client = new pg.Client({ connectionString: h.database.url });
  await client.connect();
}, 120_000);
afterAll(async () => {
  await client?.end();
  await h?.close();
});

/** Runs one documented example for USER; `now` is the transaction's now(), which the query saw. */
async function run(name: string, params: unknown[] = [USER]): Promise<{ rows: Row[]; now: number }> {
  const text = EXAMPLES.get(name);
  if (!text) throw new Error(`docs/data.md has no example "${name}"`);
  await client.query('BEGIN');
  try {
    const now = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now.getTime();
    const { rows } = await client.query(text, params);
    return { rows, now };
  } finally {
    await client.query('COMMIT');
  }
}

const time = (v: unknown): number | null => (typeof v === 'string' ? Date.parse(v) : null);
const iso = (v: Date | null): number | null => (v ? v.getTime() : null);
const courseName = (id: number) => truth.courses.find((c) => c.id === id)?.name;
const assignment = (id: number) => truth.assignments.find((a) => a.id === id)!;
const submissionFor = (assignmentId: number) => truth.submissions.find((s) => s.assignment_id === assignmentId);
/** Graded, posted (Canvas sent the score), not excused: what counts towards a grade. */
const counted = () => truth.submissions.filter((s) => typeof s.score === 'number' && s.excused !== true);
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Per key: points earned and possible of the counted submissions. */
function sums(key: (s: Raw) => number) {
  const out = new Map<number, { earned: number; possible: number }>();
  for (const s of counted()) {
    const k = key(s);
    const o = out.get(k) ?? { earned: 0, possible: 0 };
    o.earned += s.score;
    o.possible += assignment(s.assignment_id).points_possible ?? 0;
    out.set(k, o);
  }
  return out;
}

describe('docs/data.md', () => {
  it('names every table, column and index of schema canvas', async () => {
    const columns = await client.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'canvas' ORDER BY table_name, ordinal_position",
    );
    const tables = [...new Set(columns.rows.map((c) => c.table_name))];
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const table of tables) {
      const section = DOC.split(`### canvas.${table}\n`)[1]?.split('\n### ')[0]?.split('\n## ')[0];
      expect(section, `a section "### canvas.${table}"`).toBeDefined();
      for (const c of columns.rows.filter((r) => r.table_name === table)) expect(section, `${table}.${c.column_name}`).toContain(`\`${c.column_name}\``);
    }
    const indexes = await client.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'canvas'");
    for (const { indexname } of indexes.rows) expect(DOC, indexname).toContain(`\`${indexname}\``);
  });

  it('every SQL block is an example this test checks', () => {
    expect([...EXAMPLES.keys()].sort()).toEqual(['changed-rows', 'course-grade-weighted', 'grades-per-category', 'grades-per-course', 'missing-work', 'recently-graded', 'upcoming-assignments']);
    expect([...DOC.matchAll(/```sql\n/g)].length).toBe(EXAMPLES.size);
  });

  it("upcoming-assignments: the student's assignments due in the next 14 days, with their submission state", async () => {
    const { rows, now } = await run('upcoming-assignments');
    const want = truth.assignments
      .filter((a) => time(a.due_at) !== null && time(a.due_at)! >= now && time(a.due_at)! < now + 14 * DAY)
      .sort((x, y) => time(x.due_at)! - time(y.due_at)! || x.id - y.id);
    expect(want.length).toBeGreaterThan(0);
    expect(rows.map((r) => ({ id: Number(r.id), name: r.name, course: r.course, due: iso(r.due_at), state: r.submission_state, submitted: iso(r.submitted_at) }))).toEqual(
      want.map((a) => {
        const s = submissionFor(a.id);
        return { id: a.id, name: a.name, course: courseName(a.course_id), due: time(a.due_at), state: s?.workflow_state ?? null, submitted: time(s?.submitted_at) };
      }),
    );
  });

  it('missing-work: exactly the submissions Canvas flags missing', async () => {
    const { rows } = await run('missing-work');
    const want = truth.submissions.filter((s) => s.missing === true);
    expect(want.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => Number(r.id)))).toEqual(new Set(want.map((s) => s.id)));
    for (const r of rows) expect(r.name).toBe(assignment(want.find((s) => s.id === Number(r.id))!.assignment_id).name);
  });

  it('recently-graded: grades posted in the last 7 days, newest first, hidden ones left out', async () => {
    const { rows, now } = await run('recently-graded');
    const want = truth.submissions
      .filter((s) => s.graded_at && ('score' in s || 'grade' in s) && time(s.posted_at) !== null && time(s.posted_at)! >= now - 7 * DAY)
      .sort((x, y) => time(y.posted_at)! - time(x.posted_at)! || x.id - y.id);
    expect(want.length).toBeGreaterThan(0);
    expect(rows.map((r) => ({ id: Number(r.id), score: r.score, grade: r.grade, posted: iso(r.posted_at) }))).toEqual(
      want.map((s) => ({ id: s.id, score: s.score ?? null, grade: s.grade ?? null, posted: time(s.posted_at) })),
    );
    // The simulator hides some grades: none of them may show up here.
    const hidden = new Set(truth.submissions.filter((s) => s.graded_at && !('score' in s) && !('grade' in s)).map((s) => s.id));
    expect(hidden.size).toBeGreaterThan(0);
    expect(rows.filter((r) => hidden.has(Number(r.id)))).toEqual([]);
  });

  it('grades-per-course: earned over possible of the counted work, per course', async () => {
    const { rows } = await run('grades-per-course');
    const want = sums((s) => assignment(s.assignment_id).course_id);
    expect(want.size).toBeGreaterThan(1);
    expect(new Map(rows.map((r) => [Number(r.course_id), { earned: r.points_earned, possible: r.points_possible, percent: Number(r.percent) }]))).toEqual(
      new Map([...want].map(([course, o]) => [course, { earned: expect.closeTo(o.earned, 6), possible: expect.closeTo(o.possible, 6), percent: expect.closeTo(round2((100 * o.earned) / o.possible), 2) }])),
    );
  });

  it('grades-per-category: earned over possible per assignment group, with its weight', async () => {
    const { rows } = await run('grades-per-category');
    const want = sums((s) => assignment(s.assignment_id).assignment_group_id);
    expect(want.size).toBeGreaterThan(2);
    const group = (id: number) => truth.assignmentGroups.find((g) => g.id === id)!;
    expect(new Map(rows.map((r) => [Number(r.group_id), { category: r.category, weight: r.group_weight, earned: r.points_earned, possible: r.points_possible }]))).toEqual(
      new Map([...want].map(([id, o]) => [id, { category: group(id).name, weight: group(id).group_weight, earned: expect.closeTo(o.earned, 6), possible: expect.closeTo(o.possible, 6) }])),
    );
  });

  it('course-grade-weighted: group weights where the course applies them, points elsewhere', async () => {
    const { rows } = await run('course-grade-weighted');
    const perGroup = sums((s) => assignment(s.assignment_id).assignment_group_id);
    const courseOfGroup = (g: number) => truth.assignments.find((a) => a.assignment_group_id === g)!.course_id as number;
    const want = new Map<number, { weighted: boolean; percent: number | null }>();
    for (const courseId of new Set([...perGroup.keys()].map(courseOfGroup))) {
      const course = truth.courses.find((c) => c.id === courseId)!;
      const groups = [...perGroup].filter(([g]) => courseOfGroup(g) === courseId).map(([g, o]) => ({ ...o, weight: truth.assignmentGroups.find((x) => x.id === g)!.group_weight as number }));
      let percent: number | null;
      if (course.apply_assignment_group_weights === true) {
        const scored = groups.filter((g) => g.possible > 0);
        const weights = scored.reduce((t, g) => t + g.weight, 0);
        percent = weights === 0 ? null : (100 * scored.reduce((t, g) => t + (g.weight * g.earned) / g.possible, 0)) / weights;
      } else {
        const possible = groups.reduce((t, g) => t + g.possible, 0);
        percent = possible === 0 ? null : (100 * groups.reduce((t, g) => t + g.earned, 0)) / possible;
      }
      want.set(courseId, { weighted: course.apply_assignment_group_weights === true, percent: percent === null ? null : round2(percent) });
    }
    // The simulator weights some courses and not others: both branches are exercised.
    expect(new Set([...want.values()].map((w) => w.weighted))).toEqual(new Set([true, false]));
    expect(new Map(rows.map((r) => [Number(r.course_id), { weighted: r.weighted, percent: r.percent === null ? null : Number(r.percent) }]))).toEqual(
      new Map([...want].map(([id, w]) => [id, { weighted: w.weighted, percent: w.percent === null ? null : expect.closeTo(w.percent, 2) }])),
    );
  });

  // Last: it changes the simulator's data the examples above were checked against.
  it('changed-rows: the feed since a cursor names what an incremental sync changed, and the query reads those rows', async () => {
    const secret = 'data-docs-jwt-secret-0123456789abcdef';
    const app = await buildApp({
      logger: pino({ level: 'silent' }),
      checks: [],
      isShuttingDown: () => false,
      db: h.database.db,
      nc: h.nats.nc,
      js: h.nats.js,
      ns: h.nats.ns,
      cipher: new TokenCipher([{ id: 'k', key: randomBytes(32) }], 'k'),
      auth: { secret },
      canvas: { allowedHosts: ['*'], allowPrivateNetwork: true },
    });
    try {
      const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(USER).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret));
      type Page = { items: Array<{ resource: string; id: number; action: string }>; nextCursor: string };
      const page = async (cursor?: string): Promise<Page> => {
        const res = await app.inject({ method: 'GET', url: `/api/v1/canvas/changes?limit=500${cursor ? `&cursor=${cursor}` : ''}`, headers: { authorization: `Bearer ${jwt}` } });
        expect(res.statusCode).toBe(200);
        return res.json();
      };
      /** Every item after `cursor`, and the cursor at the end. */
      const readAll = async (cursor?: string) => {
        const items: Page['items'] = [];
        for (;;) {
          const p = await page(cursor);
          items.push(...p.items);
          cursor = p.nextCursor;
          if (p.items.length === 0) return { items, cursor };
        }
      };
      const { cursor } = await readAll();

      const simId = h.sim.users[0]!.id;
      const before = truthOf(h, simId);
      const [edited] = [...before.assignments!.keys()];
      const courseId = (before.assignments!.get(edited!) as { course_id: number }).course_id;
      h.sim.mutate({ op: 'editAssignment', assignmentId: edited!, changes: { name: 'Essay 2 (revised)' } });
      h.sim.mutate({ op: 'addAssignment', courseId, name: 'Essay 3' });
      const after = truthOf(h, simId);
      const diff = truthDiff(before, after).assignments!;
      const sync = await h.startSync(USER, { mode: 'incremental' });
      expect((await h.waitFor(sync, ['completed', 'failed'], 60_000)).status).toBe('completed');

      const { items } = await readAll(cursor);
      const ids = items.filter((i) => i.resource === 'assignments').map((i) => i.id);
      expect([...ids].sort((x, y) => x - y)).toEqual([...diff.created, ...diff.updated].sort((x, y) => x - y));
      expect(diff.updated).toEqual([edited]);
      expect(diff.created).toHaveLength(1);
      const { rows } = await run('changed-rows', [USER, ids]);
      expect(rows.map((r) => ({ id: Number(r.id), name: r.name, course: r.course, deleted: r.deleted_at }))).toEqual(
        [...ids].sort((x, y) => x - y).map((id) => ({ id, name: (after.assignments!.get(id) as { name: string }).name, course: courseName(courseId), deleted: null })),
      );
    } finally {
      await app.close();
    }
  });
});
