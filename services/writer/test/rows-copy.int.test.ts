import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type RecordRow } from '@canvas-sync/shared';
import { createTestDatabase, type TestDatabase } from '@canvas-sync/testkit';
import { prepareRows } from '../src/records/prepare-rows.js';
import { diffRows, planWrites, plannedDiff, upsertRows } from '../src/records/rows.repository.js';

const assignment = (id: number, more: Record<string, unknown> = {}): RecordRow => ({ id, course_id: 7, assignment_group_id: 3, name: `A${id}`, due_at: '2024-01-15T23:59:00Z', points_possible: 10, published: true, updated_at: '2024-01-10T10:00:00-06:00', ...more });

/** `upsertRows` (pre-check, delete of changed rows by ctid, COPY) against a real Postgres. */
describe('upsertRows through COPY', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  const write = (user: string, input: RecordRow[]) => t.db.transaction().execute((tx) => upsertRows(tx, 'assignments', user, prepareRows('assignments', input, null).rows));
  const stored = async (user: string) =>
    (await sql<{ id: number; raw: unknown; name: string | null; points_possible: number | null; deleted_at: Date | null }>`
      SELECT id, raw, name, points_possible, deleted_at FROM canvas.assignments WHERE user_id = ${user} ORDER BY id`.execute(t.db)).rows;

  it('creates, updates only changed rows, revives deleted ones, and is idempotent', async () => {
    const user = 'u-basic';
    const first = [1, 2, 3].map((id) => assignment(id));
    expect(await write(user, first)).toEqual({ created: [1, 2, 3], updated: [] });
    expect(await write(user, first)).toEqual({ created: [], updated: [] });
    await sql`UPDATE canvas.assignments SET deleted_at = now() WHERE user_id = ${user} AND id = 3`.execute(t.db);
    const second = [assignment(1), assignment(2, { name: 'renamed' }), assignment(3), assignment(4)];
    const diff = await t.db.transaction().execute((tx) => diffRows(tx, 'assignments', user, prepareRows('assignments', second, null).rows));
    expect(diff).toEqual({ create: [4], update: [2, 3] });
    expect(await write(user, second)).toEqual({ created: [4], updated: [2, 3] });
    expect(await write(user, second)).toEqual({ created: [], updated: [] });
    const rows = await stored(user);
    expect(rows.map((r) => [r.id, r.name, r.deleted_at])).toEqual([[1, 'A1', null], [2, 'renamed', null], [3, 'A3', null], [4, 'A4', null]]);
    expect(rows.find((r) => r.id === 2)!.raw).toEqual(second[1]);
  });

  it('plans the batches of a part in one statement: each its own absent, changed and revived rows, an empty one in between', async () => {
    const user = 'u-plan';
    await write(user, [1, 2, 3, 4].map((id) => assignment(id)));
    await t.db.transaction().execute((tx) => upsertRows(tx, 'assignment_groups', user, prepareRows('assignment_groups', [{ id: 1, name: 'G' }], 7).rows));
    await sql`UPDATE canvas.assignments SET deleted_at = now() WHERE user_id = ${user} AND id = 4`.execute(t.db);
    const plans = await t.db.transaction().execute((tx) =>
      planWrites(tx, user, [
        { resource: 'assignments', rows: prepareRows('assignments', [assignment(5), assignment(1), assignment(2, { name: 'x' }), assignment(4), assignment(6)], null).rows },
        { resource: 'assignments', rows: [] },
        { resource: 'assignment_groups', rows: prepareRows('assignment_groups', [{ id: 1, name: 'G2' }, { id: 2 }], 7).rows },
      ]),
    );
    expect(plans.map((p) => [p.resource, plannedDiff(p)])).toEqual([
      ['assignments', { create: [5, 6], update: [2, 4] }],
      ['assignments', { create: [], update: [] }],
      ['assignment_groups', { create: [2], update: [1] }],
    ]);
  });

  it('leaves rows of another user alone', async () => {
    await write('u-other-a', [assignment(10), assignment(11)]);
    await write('u-other-b', [assignment(10, { name: 'B' })]);
    expect(await write('u-other-b', [assignment(10, { name: 'B2' }), assignment(11)])).toEqual({ created: [11], updated: [10] });
    expect((await stored('u-other-a')).map((r) => r.name)).toEqual(['A10', 'A11']);
  });

  it('stores any text exactly: tabs, newlines, backslashes, quotes, non-ASCII; any user id', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replaceAll('\u0000', ''));
    const samples = [...fc.sample(text, { numRuns: 200, seed: 15 }), 'a\tb\nc\rd\\e\\\\f', '\\N', '\\.', "it's", 'ü 漢字 🙂', '{"x":"\\u0041"}'];
    const user = `u'\\ \t"odd`;
    const input = samples.map((name, i) => assignment(100 + i, { name, description: `<p>${name}</p>`, nested: { name, list: [name] } }));
    await write(user, input);
    const changed = input.map((r, i) => (i % 2 === 0 ? { ...r, points_possible: 99 } : r));
    expect((await write(user, changed)).updated).toHaveLength(Math.ceil(input.length / 2));
    const rows = await stored(user);
    expect(rows.map((r) => r.name)).toEqual(samples);
    expect(rows.map((r) => r.raw)).toEqual(changed);
  });

  it('a concurrent writer of the same rows: the savepoint falls back to the upsert statement, nothing lost or doubled', async () => {
    const user = 'u-race';
    const other = createDb({ url: t.url, poolMax: 1 });
    try {
      await write(user, [assignment(1), assignment(2)]);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let otherStarted!: () => void;
      const started = new Promise<void>((resolve) => (otherStarted = resolve));
      // Another transaction, uncommitted while this one pre-checks: it inserts row 20 and rewrites row 1.
      const otherTx = other.transaction().execute(async (o) => {
        await sql`INSERT INTO canvas.assignments (user_id, id, raw, content_hash, course_id) VALUES (${user}, 20, '{}', 'x', 7)`.execute(o);
        await sql`UPDATE canvas.assignments SET content_hash = 'y' WHERE user_id = ${user} AND id = 1`.execute(o);
        otherStarted();
        await released;
      });
      await started;
      const rows = prepareRows('assignments', [assignment(1, { name: 'mine' }), assignment(2, { name: 'mine' }), assignment(20, { name: 'mine' }), assignment(21)], null).rows;
      let pidKnown!: (pid: number) => void;
      const pidOf = new Promise<number>((resolve) => (pidKnown = resolve));
      let settled = false;
      const pending = t.db
        .transaction()
        .execute(async (tx) => {
          pidKnown((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx)).rows[0]!.pid);
          return upsertRows(tx, 'assignments', user, rows);
        })
        .finally(() => (settled = true));
      const pid = await pidOf;
      // The write blocks on the other transaction's row lock or index entry: commit it only then, so the race is certain.
      while (!settled) {
        const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ${pid} AND wait_event_type = 'Lock'`.execute(t.db);
        if (waiting.rows[0]!.n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(settled).toBe(false);
      release();
      await otherTx;
      const written = await pending;
      expect({ created: written.created.sort(), updated: written.updated.sort((a, b) => a - b) }).toEqual({ created: [21], updated: [1, 2, 20] });
      const stored_ = await stored(user);
      expect(stored_.map((r) => [r.id, r.name])).toEqual([[1, 'mine'], [2, 'mine'], [20, 'mine'], [21, 'A21']]);
      expect(await write(user, [assignment(1, { name: 'mine' }), assignment(20, { name: 'mine' })])).toEqual({ created: [], updated: [] });
    } finally {
      await other.destroy();
    }
  });

  it('compresses a raw document too big to keep inline with lz4, where the server has it (pglz costs Postgres several times the CPU)', async () => {
    const user = 'u-toast';
    const description = Array.from({ length: 200 }, (_, i) => `<p>Read chapter ${i} and answer the questions.</p>`).join('\n');
    await write(user, [assignment(500, { description })]);
    const { rows } = await sql<{ method: string | null; lz4: boolean }>`
      SELECT pg_column_compression(raw) AS method,
             (SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression') AS lz4
      FROM canvas.assignments WHERE user_id = ${user} AND id = 500`.execute(t.db);
    expect(rows).toHaveLength(1);
    // Debian's and the postgres image's builds have lz4; a server without it keeps pglz (the migration skips).
    expect(rows[0]!.method).toBe(rows[0]!.lz4 ? 'lz4' : 'pglz');
  });
});
