import pg from 'pg';
import { sleep } from '../support/bench-context.js';
import { canvasGet, isThrottle, nextLink, type Row } from './canvas-http.js';

/** Tables of the scratch schema the baseline writes to (beside, never into, the `canvas` schema). */
const TABLES = ['courses', 'terms', 'assignment_groups', 'assignments', 'submissions'] as const;
type Table = (typeof TABLES)[number];

export interface BaselineResult {
  /** Wall time of what actually ran. */
  seconds: number;
  /** Listing the courses (and storing them), before any course's contents. */
  listSeconds: number;
  coursesDone: number;
  coursesTotal: number;
  /** `listSeconds + perCourse × coursesTotal` when only some courses ran; `seconds` otherwise. */
  estimatedSeconds: number;
  extrapolated: boolean;
  requests: number;
  rows: Record<Table, number>;
}

/** Creates the scratch schema the baseline writes into (idempotent). */
export async function prepareBaselineSchema(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS bench_baseline');
    for (const table of TABLES) {
      await client.query(`CREATE TABLE IF NOT EXISTS bench_baseline.${table} (
        user_id text NOT NULL, id bigint NOT NULL, raw jsonb NOT NULL, synced_at timestamptz NOT NULL, PRIMARY KEY (user_id, id))`);
    }
  } finally {
    await client.end();
  }
}

/**
 * The old synchronous sync, rebuilt as the yardstick: one request at a time, Canvas's default page
 * size (no `per_page`, so 10 rows a page, following `rel="next"`), the three per-course lists
 * (assignment groups, assignments, the student's submissions) fetched separately, and one
 * autocommitted `INSERT … ON CONFLICT` per row. With `maxCourses`, only that many courses' contents
 * run and the total is extrapolated linearly from the measured per-course time.
 */
export async function runSequentialBaseline(options: { simUrl: string; token: string; userId: string; databaseUrl: string; maxCourses?: number }): Promise<BaselineResult> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const rows = Object.fromEntries(TABLES.map((t) => [t, 0])) as Record<Table, number>;
  let requests = 0;
  const save = async (table: Table, row: Row) => {
    await client.query(
      `INSERT INTO bench_baseline.${table} (user_id, id, raw, synced_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (user_id, id) DO UPDATE SET raw = excluded.raw, synced_at = excluded.synced_at`,
      [options.userId, row.id, JSON.stringify(row)],
    );
    rows[table] += 1;
  };
  /** Every row of a list, page by page; a permission 403/404 ends the list (the old sync logged and went on). */
  async function* list(path: string): AsyncGenerator<Row> {
    let url: string | null = `${options.simUrl}${path}`;
    while (url) {
      requests += 1;
      const res = await canvasGet(url, options.token);
      const body = await res.text();
      if (isThrottle(res.status, body)) {
        await sleep(1_000);
        continue;
      }
      if (res.status === 403 || res.status === 404) return;
      if (res.status !== 200) throw new Error(`baseline: ${res.status} for ${path}`);
      for (const row of JSON.parse(body) as Row[]) yield row;
      url = nextLink(res.headers.get('link'));
    }
  }

  const start = performance.now();
  try {
    const courseIds: number[] = [];
    for await (const course of list('/api/v1/courses?include[]=term')) {
      await save('courses', course);
      if (course.term && typeof course.term === 'object') await save('terms', course.term as Row);
      if (course.access_restricted_by_date !== true) courseIds.push(course.id);
    }
    const listSeconds = (performance.now() - start) / 1000;
    const todo = courseIds.slice(0, options.maxCourses ?? courseIds.length);
    for (const id of todo) {
      for await (const group of list(`/api/v1/courses/${id}/assignment_groups`)) await save('assignment_groups', group);
      for await (const assignment of list(`/api/v1/courses/${id}/assignments`)) await save('assignments', assignment);
      for await (const submission of list(`/api/v1/courses/${id}/students/submissions?student_ids[]=self`)) await save('submissions', submission);
    }
    const seconds = (performance.now() - start) / 1000;
    const extrapolated = todo.length < courseIds.length;
    const perCourse = todo.length > 0 ? (seconds - listSeconds) / todo.length : 0;
    return {
      seconds,
      listSeconds,
      coursesDone: todo.length,
      coursesTotal: courseIds.length,
      estimatedSeconds: extrapolated ? listSeconds + perCourse * courseIds.length : seconds,
      extrapolated,
      requests,
      rows,
    };
  } finally {
    await client.end();
  }
}
