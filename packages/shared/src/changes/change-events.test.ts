import { describe, expect, it } from 'vitest';
import { canvasChanges } from '../messages/canvas-changes.js';
import { SyncFinished } from '../messages/sync-finished.js';
import { encodeMessage } from '../nats/publish.js';
import { MAX_MESSAGE_BYTES } from '../messages/streams.js';
import { changeEvents, syncFinishedPayload } from './change-events.js';

const SYNC = '00000000-0000-4000-8000-000000000001';

describe('changeEvents', () => {
  it('gives one event for a small batch and none for an empty one', () => {
    expect(changeEvents('u', SYNC, { resource: 'courses', created: [1], updated: [2], deleted: [3] })).toEqual([
      { userId: 'u', syncId: SYNC, resource: 'courses', created: [1], updated: [2], deleted: [3] },
    ]);
    expect(changeEvents('u', SYNC, { resource: 'courses', created: [], updated: [], deleted: [] })).toEqual([]);
  });

  it('splits a sweep of 200,000 deletions into messages under the size limit, ids in order, none lost', () => {
    const deleted = Array.from({ length: 200_000 }, (_, i) => 9_000_000_000_000 + i);
    const events = changeEvents('u'.repeat(200), SYNC, { resource: 'submissions', created: [], updated: [], deleted });
    expect(events.length).toBeGreaterThan(1);
    expect(events.flatMap((e) => e.deleted)).toEqual(deleted);
    for (const e of events) expect(encodeMessage(canvasChanges, e, { correlationId: SYNC }).data.byteLength).toBeLessThan(MAX_MESSAGE_BYTES);
  });

  it('keeps each submission\'s details with its id when splitting', () => {
    const created = Array.from({ length: 5000 }, (_, i) => i + 1);
    const submissions = created.map((id) => ({ id, assignmentId: 7, score: id / 2, grade: 'A-'.repeat(20), workflowState: 'graded', postedAt: '2026-01-01T00:00:00Z' }));
    const events = changeEvents('u', SYNC, { resource: 'submissions', created, updated: [], deleted: [], submissions }, 64 * 1024);
    expect(events.length).toBeGreaterThan(1);
    for (const e of events) expect(e.submissions!.map((s) => s.id)).toEqual(e.created);
    expect(events.flatMap((e) => e.submissions!)).toEqual(submissions);
  });
});

describe('syncFinishedPayload', () => {
  const row = { id: SYNC, user_id: 'u', status: 'completed', counts: { courses: { created: 2 } }, finished_at: new Date('2026-12-06T10:00:00Z'), updated_at: new Date(), trigger: 'schedule', dry_run: false } as never;
  it('fills missing counts and is undefined for a sync still running', () => {
    expect(syncFinishedPayload(row)).toStrictEqual({
      syncId: SYNC, userId: 'u', status: 'completed', trigger: 'schedule', finishedAt: '2026-12-06T10:00:00.000Z',
      counts: { courses: { created: 2, updated: 0, unchanged: 0, deleted: 0 } }, dryRun: false,
    });
    expect(syncFinishedPayload({ ...(row as object), status: 'running' } as never)).toBeUndefined();
  });

  it('says whether the sync was a dry run, and the message keeps it', () => {
    const preview = syncFinishedPayload({ ...(row as object), dry_run: true } as never)!;
    expect(preview.dryRun).toBe(true);
    expect(SyncFinished.parse(preview).dryRun).toBe(true);
  });

  it('still reads an event recorded before dryRun existed', () => {
    const { dryRun: _, ...older } = syncFinishedPayload(row)!;
    const parsed = SyncFinished.parse(older);
    expect(parsed).toEqual(older);
    expect('dryRun' in parsed).toBe(false);
  });
});
