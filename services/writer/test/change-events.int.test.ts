import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanvasChanges, publish, recordChanges, SyncFinished, canvasChanges, userSubjectToken } from '@canvas-sync/shared';
import { startPipeline, type PipelineHarness } from '@canvas-sync/testkit';
import { outboxBacklog } from '../src/outbox/outbox.repository.js';
import { feedAfter, feedIds, idsOf, outboxDrained, streamEvents, truthDiff, truthOf } from './support/change-events.support.js';

/**
 * Change events (stream CANVAS_EVENTS) and the change feed, end to end: fetcher and two writers as
 * processes, real NATS and Postgres, the Canvas simulator's ground truth as the judge.
 */
describe('change events and the change feed', () => {
  let h: PipelineHarness;
  const big = { courses: 3, assignmentsPerCourse: 40 };
  beforeAll(async () => {
    h = await startPipeline({ fetchers: 1, writers: 2, sim: { users: [{ profile: 'tiny' }, { profile: 'tiny' }, big, big, big] } });
  }, 120_000);
  afterAll(async () => h?.close());

  const simId = (i: number) => h.sim.users[i]!.id;
  const changesOf = async (userId: string, syncId?: string) =>
    (await streamEvents(h))
      .filter((e) => e.type === 'canvas.changes' && e.subject.endsWith(`.${userSubjectToken(userId)}`))
      .map((e) => CanvasChanges.parse(e.payload))
      .filter((p) => syncId === undefined || p.syncId === syncId);
  const lastFeedSeq = async (userId: string) => (await feedAfter(h, userId, 0)).at(-1)?.seq ?? 0;
  const none = (ids: ReturnType<typeof idsOf>) => Object.fromEntries(Object.entries(ids).map(([r, v]) => [r, { ...v, deleted: [] }]));

  it('names exactly the rows that changed, in events and in the feed, after mutations and incremental + full syncs', async () => {
    const USER = 'ev-main';
    await h.connect(USER, simId(0));
    const empty = truthDiff(truthOf(h, simId(0)), truthOf(h, simId(0)));
    const initial = truthDiff(Object.fromEntries(Object.keys(empty).map((r) => [r, new Map()])), truthOf(h, simId(0)));

    // 1. First sync: everything is created, once.
    const first = await h.startSync(USER, { mode: 'full' });
    expect((await h.waitFor(first, ['completed', 'failed'])).status).toBe('completed');
    await outboxDrained(h);
    expect(idsOf(await changesOf(USER, first))).toEqual(initial);
    expect(feedIds(await feedAfter(h, USER, 0))).toEqual(initial);

    // 2. Mutations: add, edit, delete, grade (posted), grade (not posted yet).
    const before = truthOf(h, simId(0));
    const assignments = [...before.assignments!.keys()];
    const graded = [...before.submissions!.values()].map((s) => (s as { assignment_id: number }).assignment_id);
    const [editA, deleteA] = assignments;
    const [gradeA, hideA] = graded.filter((a) => a !== editA && a !== deleteA);
    const courseId = (before.assignments!.get(editA!) as { course_id: number }).course_id;
    h.sim.mutate({ op: 'addAssignment', courseId, name: 'Essay 3' });
    h.sim.mutate({ op: 'editAssignment', assignmentId: editA!, changes: { name: 'Essay 2 (revised)' } });
    h.sim.mutate({ op: 'deleteAssignment', assignmentId: deleteA! });
    h.sim.mutate({ op: 'gradeSubmission', assignmentId: gradeA!, userId: simId(0), score: 9, posted: true });
    h.sim.mutate({ op: 'gradeSubmission', assignmentId: hideA!, userId: simId(0), score: 4, posted: false });
    const afterEdits = truthOf(h, simId(0));
    const edits = truthDiff(before, afterEdits);
    expect(edits.assignments!.created).toHaveLength(1);
    expect(edits.assignments!.deleted).toEqual([deleteA]);

    // An incremental sync writes the edits; deletions wait for a full sync.
    const feedMark = await lastFeedSeq(USER);
    const incremental = await h.startSync(USER, { mode: 'incremental' });
    expect((await h.waitFor(incremental, ['completed', 'failed'])).status).toBe('completed');
    await outboxDrained(h);
    expect(idsOf(await changesOf(USER, incremental))).toEqual(none(edits));
    const feedIncr = await feedAfter(h, USER, feedMark);
    expect(feedIds(feedIncr)).toEqual(none(edits));

    // 3. Post the hidden grade, then a full sync: the deletions and the posting, nothing else.
    h.sim.mutate({ op: 'postGrade', assignmentId: hideA!, userId: simId(0) });
    const posted = truthDiff(afterEdits, truthOf(h, simId(0)));
    expect(posted.submissions!.updated).toHaveLength(1);
    const full = await h.startSync(USER, { mode: 'full' });
    expect((await h.waitFor(full, ['completed', 'failed'])).status).toBe('completed');
    await outboxDrained(h);
    const expectedFull = idsOf([]);
    for (const [r, v] of Object.entries(posted)) expectedFull[r] = { ...v, deleted: edits[r]!.deleted };
    expect(idsOf(await changesOf(USER, full))).toEqual(expectedFull);
    expect(feedIds(await feedAfter(h, USER, feedIncr.at(-1)!.seq))).toEqual(expectedFull);

    // The submissions' new state rides along: score, grade, workflow state, posted time.
    const subs = (await changesOf(USER)).flatMap((p) => p.submissions ?? []);
    const truthSub = (a: number) => [...truthOf(h, simId(0)).submissions!.values()].find((s) => (s as { assignment_id: number }).assignment_id === a) as Record<string, unknown>;
    const gradedNow = truthSub(gradeA!);
    expect(subs.filter((s) => s.id === gradedNow.id).at(-1)).toEqual({ id: gradedNow.id, assignmentId: gradeA, score: 9, grade: gradedNow.grade, workflowState: 'graded', postedAt: gradedNow.posted_at });
    const postedNow = truthSub(hideA!);
    expect(subs.filter((s) => s.id === postedNow.id).at(-1)).toMatchObject({ score: 4, postedAt: postedNow.posted_at });

    // One sync.finished per sync, each the last event of its sync, with the committed counts.
    const finished = (await streamEvents(h)).filter((e) => e.type === 'sync.finished' && e.subject.endsWith(`.${USER}`)).map((e) => SyncFinished.parse(e.payload));
    expect(finished.map((f) => [f.syncId, f.status, f.trigger, f.dryRun])).toEqual([[first, 'completed', 'user', false], [incremental, 'completed', 'user', false], [full, 'completed', 'user', false]]);
    const fullRow = await h.database.db.selectFrom('syncs').select('counts').where('id', '=', full).executeTakeFirstOrThrow();
    expect(finished[2]!.counts.assignments).toEqual(fullRow.counts.assignments);

    // A dry run writes no change event and no feed row (only its sync.finished).
    const mark = await lastFeedSeq(USER);
    h.sim.mutate({ op: 'editAssignment', assignmentId: editA!, changes: { name: 'Essay 2 (again)' } });
    const dry = await h.startSync(USER, { mode: 'full', dryRun: true });
    expect((await h.waitFor(dry, ['completed', 'failed'])).status).toBe('completed');
    await outboxDrained(h);
    expect(await changesOf(USER, dry)).toEqual([]);
    expect(await feedAfter(h, USER, mark)).toEqual([]);
    // Its sync.finished says it was a preview, so a host app does not take it for a real sync's end.
    const dryFinished = (await streamEvents(h)).filter((e) => e.type === 'sync.finished' && e.subject.endsWith(`.${USER}`)).map((e) => SyncFinished.parse(e.payload)).filter((f) => f.syncId === dry);
    expect(dryFinished.map((f) => [f.status, f.dryRun])).toEqual([['completed', true]]);
  });

  it('a sync that fails (Canvas refuses the token) and one cancelled each send one sync.finished', async () => {
    const USER = 'ev-fails';
    await h.connect(USER, simId(1), 'not-a-valid-token');
    const failed = await h.startSync(USER, { mode: 'full' });
    expect((await h.waitFor(failed, ['completed', 'failed'])).status).toBe('failed');
    const cancelled = await h.startSync(USER, { mode: 'full' }, { lose: true });
    await h.cancel(cancelled);
    await outboxDrained(h);
    const finished = (await streamEvents(h)).filter((e) => e.type === 'sync.finished' && e.subject.endsWith(`.${USER}`)).map((e) => SyncFinished.parse(e.payload));
    expect(finished.map((f) => [f.syncId, f.status])).toEqual([[failed, 'failed'], [cancelled, 'cancelled']]);
    expect(await changesOf(USER)).toEqual([]);
  });

  it('a rolled-back write leaves no event and no feed row; its redelivery writes them once', async () => {
    const USER = 'ev-rollback';
    await h.connect(USER, simId(1));
    const db = h.database.db;
    // Fails the first 2 transactions that write this user's change events, after their rows and
    // the event row are written (40001: the writer retries the part). The sequence is not rolled back.
    await sql`CREATE SEQUENCE fail_budget`.execute(db);
    await sql`CREATE FUNCTION fail_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.user_id = 'ev-rollback' AND NEW.type = 'canvas.changes' AND nextval('fail_budget') <= 2 THEN
          RAISE EXCEPTION 'forced failure after the write' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`.execute(db);
    await sql`CREATE TRIGGER fail_changes AFTER INSERT ON event_outbox FOR EACH ROW EXECUTE FUNCTION fail_changes()`.execute(db);
    try {
      const syncId = await h.startSync(USER, { mode: 'full' });
      expect((await h.waitFor(syncId, ['completed', 'failed'])).status).toBe('completed');
      await outboxDrained(h);
      const budget = await sql<{ last_value: number }>`SELECT last_value FROM fail_budget`.execute(db);
      expect(Number(budget.rows[0]!.last_value)).toBeGreaterThan(2);
      const truth = truthDiff(Object.fromEntries(Object.keys(truthOf(h, simId(1))).map((r) => [r, new Map()])), truthOf(h, simId(1)));
      // Every row exactly once: the rolled-back attempts left nothing behind.
      expect(idsOf(await changesOf(USER))).toEqual(truth);
      const feed = await feedAfter(h, USER, 0);
      expect(feedIds(feed)).toEqual(truth);
      expect(feed.map((f) => f.seq)).toEqual(feed.map((_, i) => i + 1));
      const outbox = await db.selectFrom('event_outbox').select('event_id').where('user_id', '=', USER).execute();
      const published = (await streamEvents(h)).filter((e) => e.subject.endsWith(`.${USER}`)).map((e) => e.id);
      expect(published.sort()).toEqual(outbox.map((o) => o.event_id).sort());
    } finally {
      await sql`DROP TRIGGER fail_changes ON event_outbox`.execute(db);
    }
  });

  // A writer killed mid-sync costs its unacked parts' ack wait (30 s) here; the relay's restart is the next test's.
  it('concurrent syncs through two writers: every feed gap-free in commit order, every event published once in order', async () => {
    const users = ['ev-c1', 'ev-c2', 'ev-c3'];
    await Promise.all(users.map((u, i) => h.connect(u, simId(2 + i))));
    const syncs = await Promise.all(users.map((u) => h.startSync(u, { mode: 'full', chunkSize: 5 })));
    for (const s of syncs) expect((await h.waitFor(s, ['completed', 'failed'])).status).toBe('completed');
    await outboxDrained(h);

    const events = await streamEvents(h);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (const [i, user] of users.entries()) {
      const truth = truthDiff(Object.fromEntries(Object.keys(truthOf(h, simId(2 + i))).map((r) => [r, new Map()])), truthOf(h, simId(2 + i)));
      const feed = await feedAfter(h, user, 0);
      expect(feed.map((f) => f.seq)).toEqual(feed.map((_, k) => k + 1));
      expect(feedIds(feed)).toEqual(truth);
      expect(idsOf(await changesOf(user))).toEqual(truth);
      // The stream holds the user's events in the user's commit order, sync.finished last.
      const order = new Map((await h.database.db.selectFrom('event_outbox').select(['event_id', 'user_seq']).where('user_id', '=', user).execute()).map((o) => [o.event_id, Number(o.user_seq)]));
      const mine = events.filter((e) => e.subject.endsWith(`.${user}`));
      expect(mine.map((e) => order.get(e.id))).toEqual([...order.values()].sort((a, b) => a - b));
      expect(mine.at(-1)!.type).toBe('sync.finished');
    }
  });

  it('the relay picks up what was committed while no writer ran, and a republish after a crash is stored once', async () => {
    const USER = 'ev-restart';
    await Promise.all(h.services.filter((s) => s.name === 'writer').map((s) => s.kill('SIGKILL')));
    const syncId = '00000000-0000-4000-8000-0000000000aa';
    await h.database.db.transaction().execute((tx) => recordChanges(tx, { userId: USER, syncId, batches: [{ resource: 'courses', created: [1, 2], updated: [], deleted: [] }] }));
    await h.database.db.transaction().execute((tx) => recordChanges(tx, { userId: USER, syncId, batches: [{ resource: 'courses', created: [], updated: [1], deleted: [2] }] }));
    const rows = await h.database.db.selectFrom('event_outbox').selectAll().where('user_id', '=', USER).orderBy('user_seq').execute();
    expect(rows).toHaveLength(2);
    // What canvas_sync_outbox_backlog reports while no relay runs.
    expect((await outboxBacklog(h.database.db)).count).toBe(2);
    // A relay that published the first event and died before marking it published.
    await publish(h.nats.js, h.nats.ns, canvasChanges, CanvasChanges.parse(rows[0]!.payload), { id: rows[0]!.event_id, correlationId: syncId, tokens: [USER] });
    await h.start('writer');
    await outboxDrained(h);
    expect(await outboxBacklog(h.database.db)).toEqual({ count: 0, oldestSeconds: 0 });
    const mine = (await streamEvents(h)).filter((e) => e.subject.endsWith(`.${USER}`));
    expect(mine.map((e) => e.id)).toEqual(rows.map((r) => r.event_id));
    expect(mine.map((e) => CanvasChanges.parse(e.payload).deleted)).toEqual([[], [2]]);
  });
});
