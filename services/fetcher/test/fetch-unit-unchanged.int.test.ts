import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash, type FetchUnit, type MessageContext } from '@canvas-sync/shared';
import { createTestDatabase, insertTestConnection, type TestDatabase } from '@canvas-sync/testkit';
import type { CanvasClient } from '../src/canvas/canvas.client.js';
import type { CanvasSession } from '../src/canvas/canvas-session.js';
import { DEFAULT_SYNC_LIMITS } from '../src/canvas/walk-limits.js';
import { fetchUnitHandler } from '../src/fetching/fetch-unit.handler.js';
import { UserSlots } from '../src/fetching/user-slots.js';
import type { WorkGuard } from '../src/fetching/work-guard.js';
import type { PipelinePublisher, SerializedRecords } from '../src/messaging/pipeline.publisher.js';

const USER = 'fu-user';
const ctx = { msgId: 'm', correlationId: 'c', deliveryCount: 1, lastDelivery: false, traceparent: undefined, logger: pino({ level: 'silent' }) } as unknown as MessageContext;
type Row = Record<string, unknown> & { id: number };

// Course 7 as Canvas answers it: a group with its assignments, each with the user's submission.
const submission = (id: number, score: number): Row => ({ id, assignment_id: id - 10_000, user_id: 9, score, grade: `${score}`, workflow_state: 'graded' });
const assignment = (id: number, name: string, sub?: Row): Row => ({ id, name, description: `<p>Ünïcode \u0000 ${name}</p>`, points_possible: 10, submission: sub ?? null });
const group = (id: number, assignments: Row[]): Row => ({ id, name: 'Homework', position: 1, group_weight: 0, assignments });
/** The row's text as the fetcher makes it: the embedded list left out. */
const text = (row: Row, embedded: string) => JSON.stringify({ ...row, [embedded]: undefined });

/**
 * The fetch of a course unit reads the stored content hashes of the user's live rows of that
 * course first, and sends a row whose fetched text hashes the same as its id only
 * (`SyncRecords.unchanged`); changed and new rows, rows stored deleted, other users' or other
 * courses' rows go as text, as before. Real Postgres for the stored rows; Canvas and the
 * publisher are fakes.
 */
describe('fetch unit: unchanged rows as ids', () => {
  let t: TestDatabase;
  let connectionId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    connectionId = await insertTestConnection(t.db, USER);
    const store = async (table: string, user: string, course: number, row: Row, embedded: string, extra: { deleted?: boolean; hash?: string } = {}) => {
      const hash = extra.hash ?? contentHash(undefined, text(row, embedded));
      const more = table === 'canvas.submissions' ? sql`, assignment_id` : sql``;
      const moreValue = table === 'canvas.submissions' ? sql`, ${row.assignment_id as number}` : sql``;
      await sql`INSERT INTO ${sql.raw(table)} (user_id, id, raw, content_hash, course_id, deleted_at${more}) VALUES (${user}, ${row.id}, '{}'::jsonb, ${hash}, ${course}, ${extra.deleted ? sql`now()` : null}${moreValue})`.execute(t.db);
    };
    await store('canvas.assignment_groups', USER, 7, group(70, []), 'assignments');
    await store('canvas.assignments', USER, 7, assignment(701, 'same'), 'submission');
    await store('canvas.submissions', USER, 7, submission(10_701, 8), 'none');
    await store('canvas.assignments', USER, 7, assignment(702, 'before'), 'submission');
    await store('canvas.submissions', USER, 7, submission(10_702, 3), 'none');
    await store('canvas.assignments', USER, 7, assignment(703, 'deleted'), 'submission', { deleted: true });
    await store('canvas.assignments', 'someone-else', 7, assignment(704, 'new'), 'submission');
    await store('canvas.assignments', USER, 8, assignment(801, 'other course'), 'submission');
  });
  afterAll(async () => {
    await t?.drop();
  });

  const newSync = async () => {
    const id = randomUUID();
    await t.db
      .insertInto('syncs')
      .values({ id, user_id: USER, connection_id: connectionId, status: 'running', scope: JSON.stringify({ type: 'all' }) as never, mode: 'incremental', dry_run: false, chunk_size: 10, traceparent: null, plan_ready: true, units_total: 2 })
      .execute();
    return id;
  };

  /** Runs the handler for one unit of `courseIds` against `pages` per course; returns each published part, decoded. */
  const fetchUnit = async (courseIds: number[], pages: (courseId: number) => Row[][]) => {
    const syncId = await newSync();
    const parts: Array<{ unitKey: string; final: boolean; unchanged: Record<string, number[]> | undefined; records: Record<string, Row[]> }> = [];
    const publisher = {
      async records({ recordsJson, ...m }: SerializedRecords) {
        parts.push({ unitKey: m.unitKey, final: m.final, unchanged: m.unchanged as Record<string, number[]> | undefined, records: JSON.parse(recordsJson.join('')) as Record<string, Row[]> });
      },
      async status() {},
    } as unknown as PipelinePublisher;
    const canvas = {
      async *paginate(_session: CanvasSession, path: string) {
        for (const page of pages(Number(/courses\/(\d+)\//.exec(path)![1]))) yield page;
      },
    } as unknown as CanvasClient;
    const session = { origin: 'https://canvas.example.edu', token: 't', tokenKey: 'k' } as CanvasSession;
    const guard = { run: async (_s: unknown, _o: unknown, _c: unknown, work: (s: CanvasSession) => Promise<void>) => (await work(session), 'ack') } as unknown as WorkGuard;
    const handle = fetchUnitHandler({ db: t.db, canvas, publisher, guard, slots: new UserSlots(2, { capacity: 8, maxWaitMs: 1_000 }), courseConcurrency: 2, syncLimits: DEFAULT_SYNC_LIMITS });
    const unit = { syncId, userId: USER, run: 0, unitIndex: 0, courseIds } as FetchUnit;
    expect(await handle(unit, ctx)).toBe('ack');
    await t.db.updateTable('syncs').set({ status: 'completed' }).where('id', '=', syncId).execute();
    return parts;
  };
  const ids = (rows: Row[] | undefined) => (rows ?? []).map((r) => r.id);

  it('sends stored, live, same-content rows as ids; changed, new, deleted and other users’ rows as text', async () => {
    const parts = await fetchUnit([7], () => [
      [
        group(70, [
          assignment(701, 'same', submission(10_701, 8)),
          assignment(702, 'after', submission(10_702, 4)),
          assignment(703, 'deleted'),
          assignment(704, 'new', submission(10_704, 1)),
        ]),
      ],
      // Ordinal pages repeat rows that moved: 701 again alike, 702 again as changed.
      [group(70, [assignment(701, 'same'), assignment(702, 'after')])],
    ]);
    expect(parts).toHaveLength(1);
    const [part] = parts;
    expect(part!.final).toBe(true);
    expect(part!.unchanged).toEqual({ assignment_groups: [70, 70], assignments: [701, 701], submissions: [10_701] });
    expect(ids(part!.records.assignment_groups)).toEqual([]);
    expect(ids(part!.records.assignments)).toEqual([702, 703, 704, 702]);
    expect(ids(part!.records.submissions)).toEqual([10_702, 10_704]);
    // Sent as fetched, embedded lists left out.
    expect(part!.records.assignments![0]).toEqual({ ...assignment(702, 'after'), submission: undefined });
  });

  it('a course with no stored rows (a first sync) sends every row as text and no `unchanged`', async () => {
    const parts = await fetchUnit([8, 9], (courseId) => (courseId === 9 ? [[group(90, [assignment(901, 'first', submission(10_901, 2))])]] : [[group(80, [assignment(801, 'other course')])]]));
    const of = (key: string) => parts.find((p) => p.unitKey === key)!;
    expect(of('course:9').unchanged).toBeUndefined();
    expect(ids(of('course:9').records.assignments)).toEqual([901]);
    expect(ids(of('course:9').records.submissions)).toEqual([10_901]);
    // Course 8 holds 801 stored alike: an id; its new group goes as text.
    expect(of('course:8').unchanged).toEqual({ assignments: [801] });
    expect(ids(of('course:8').records.assignment_groups)).toEqual([80]);
  });
});
