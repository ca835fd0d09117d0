import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@canvas-sync/testkit';
import { heldBackSchedules } from '../src/schedules/schedule-claims.js';

/** The scheduler's metric query against Postgres: due schedules no claim takes, split as claimDue's `WHERE` splits them. */
describe('heldBackSchedules', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  const connect = async (userId: string, state: 'ok' | 'reauth_required' | 'disconnected') =>
    (
      await t.db
        .insertInto('connections')
        .values({ user_id: userId, base_url: 'https://canvas.example.edu', token_ciphertext: state === 'disconnected' ? null : 'x', token_key_id: 'k', canvas_user: null, status: state === 'reauth_required' ? 'reauth_required' : 'ok' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  /** A schedule due `dueInSeconds` from now (null: off). */
  const schedule = (userId: string, dueInSeconds: number | null, extra: { pending_sync_id?: string } = {}) =>
    t.db
      .insertInto('sync_schedules')
      .values({ user_id: userId, interval_minutes: 60, enabled: dueInSeconds !== null, next_run_at: dueInSeconds === null ? null : sql<Date>`now() + make_interval(secs => ${dueInSeconds})`, ...extra } as never)
      .execute();

  it('counts connected users with a sync active as single_flight, reconnection or no token as reauth, the rest runnable', async () => {
    for (const u of ['run-1', 'run-2', 'excluded']) await schedule(u, -60).then(() => connect(u, 'ok'));
    const busy = await connect('busy', 'ok');
    await schedule('busy', -60);
    await t.db
      .insertInto('syncs')
      .values({ id: randomUUID(), user_id: 'busy', connection_id: busy, status: 'running', phase: 'fetching', scope: JSON.stringify({ type: 'all' }) as never, mode: 'full', chunk_size: 10 })
      .execute();
    await connect('reauth', 'reauth_required');
    await schedule('reauth', -60);
    await connect('gone', 'disconnected');
    await schedule('gone', -60);
    await schedule('no-connection-row', -60);
    // Not due, off, or being announced: not held back at all.
    await connect('later', 'ok');
    await schedule('later', 3_600);
    await schedule('off', null);
    await schedule('pending', -60, { pending_sync_id: randomUUID() });

    expect(await heldBackSchedules(t.db, ['excluded'])).toEqual({ singleFlight: 1, reauth: 3, runnable: 2 });
    expect(await heldBackSchedules(t.db, [])).toEqual({ singleFlight: 1, reauth: 3, runnable: 3 });
  });
});
