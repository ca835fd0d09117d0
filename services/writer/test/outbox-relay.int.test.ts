import type { JetStreamClient } from '@nats-io/jetstream';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDb, recordChanges, type Database } from '@canvas-sync/shared';
import { createTestDatabase, createTestNats, waitFor, type TestDatabase, type TestNats } from '@canvas-sync/testkit';
import { startOutboxRelay, type OutboxRelay } from '../src/outbox/outbox-relay.js';
import { outboxBacklog } from '../src/outbox/outbox.repository.js';

const SYNC = '00000000-0000-4000-8000-000000000001';
/** Long enough that only wake-ups (and backlog) drive the relays here, never the poll. */
const NO_POLL = { pollMs: 60_000, batch: 200, users: 50, feedRetentionDays: 0, publishedRetentionHours: 24 };

/**
 * The relay alone, over a real Postgres and NATS, its publishes held at a gate so that commits and
 * wake-ups land while a pass runs. It is woken after every commit of its writer (#15: 43 parts,
 * 43+ passes): a burst of wake-ups must cost one more pass, not one each, and a pass few queries.
 */
describe('outbox relay', () => {
  let database: TestDatabase;
  let nats: TestNats;
  const open: Array<{ destroy(): Promise<void> }> = [];
  const relays: OutboxRelay[] = [];
  beforeAll(async () => {
    [database, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
  });
  // A relay of an earlier test must not poll up the events of a later one.
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await Promise.all(open.map((d) => d.destroy()));
    await Promise.all([database?.drop(), nats?.close()]);
  });

  const commit = (userId: string, id: number) =>
    database.db.transaction().execute((tx) => recordChanges(tx, { userId, syncId: SYNC, batches: [{ resource: 'courses', created: [id], updated: [], deleted: [] }] }));
  const eventIds = async (userId: string) =>
    (await database.db.selectFrom('event_outbox').select('event_id').where('user_id', '=', userId).orderBy('user_seq').execute()).map((r) => r.event_id);

  /** A relay with its own pool whose statements are counted, publishing through a gate. */
  const relay = (options = NO_POLL) => {
    const statements: string[] = [];
    const db: Kysely<Database> = createDb({ url: database.url, poolMax: 2, log: (e) => void (e.level === 'query' && statements.push(e.query.sql.trim())) });
    open.push(db);
    const published: string[] = [];
    let gate: Promise<void> = Promise.resolve();
    let release = () => {};
    let entered = () => {};
    let held: Promise<void> = Promise.resolve();
    const js = new Proxy(nats.js, {
      get: (target, prop) =>
        prop === 'publish'
          ? async (subject: string, data: Uint8Array, opts: { msgID: string }) => {
              entered();
              await gate;
              published.push(opts.msgID);
              return target.publish(subject, data, opts);
            }
          : Reflect.get(target, prop, target),
    }) as JetStreamClient;
    const r = startOutboxRelay({ db, js, ns: nats.ns, logger: pino({ level: 'silent' }) }, options);
    relays.push(r);
    return {
      relay: r,
      published,
      statements,
      /** Holds the next publishes until `release()`; resolves once one is waiting at the gate. */
      close() {
        gate = new Promise((done) => (release = done));
        held = new Promise((done) => (entered = done));
        return held;
      },
      open: () => release(),
      passes: () => statements.filter((s) => /^begin$/i.test(s)).length,
    };
  };
  const drained = () => waitFor(async () => (await outboxBacklog(database.db)).count === 0, 10_000, 'the outbox to be published');
  const settle = () => new Promise((r) => setTimeout(r, 300));

  it('a burst of commits and wake-ups during a pass costs one more pass, and a pass with work costs 4 statements', async () => {
    const USER = 'burst';
    await commit(USER, 1);
    const r = relay();
    await r.close(); // the start-up pass is publishing event 1
    const before = r.statements.length;
    for (let i = 2; i <= 11; i++) {
      await commit(USER, i);
      r.relay.wake();
    }
    expect(r.statements.length).toBe(before); // nothing ran while the pass was held
    r.open();
    await drained();
    await settle();
    expect(r.published).toEqual(await eventIds(USER));
    expect(r.passes()).toBeLessThanOrEqual(2);
    // begin, claim the due users' events, mark them published, commit (the start-up prune aside).
    expect(r.statements.filter((s) => !/^delete/i.test(s)).length).toBeLessThanOrEqual(2 * 4);
  });

  it('an idle relay woken many times at once runs one pass', async () => {
    const USER = 'idle-burst';
    const r = relay();
    await settle();
    const passes = r.passes();
    await commit(USER, 1);
    for (let i = 0; i < 20; i++) r.relay.wake();
    await drained();
    await settle();
    expect(r.passes() - passes).toBe(1);
    expect(r.published).toEqual(await eventIds(USER));
  });

  it('drains a backlog larger than a batch without waiting for the poll', async () => {
    const USER = 'backlog';
    for (let i = 1; i <= 7; i++) await commit(USER, i);
    const r = relay({ ...NO_POLL, batch: 3 });
    await drained();
    expect(r.published).toEqual(await eventIds(USER));
  });

  it('two relays: events committed while the other holds the user are published soon, once each, in order', async () => {
    const USER = 'two';
    const a = relay();
    const b = relay();
    await settle();
    const held = a.close();
    await commit(USER, 1);
    a.relay.wake();
    await held;
    // B's writer commits while A holds the user: B skips the user (A's lock), A must not leave it behind.
    await commit(USER, 2);
    b.relay.wake();
    await settle();
    a.open();
    const t0 = Date.now();
    await drained();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect([...a.published, ...b.published].sort()).toEqual((await eventIds(USER)).sort());
    const ids = await eventIds(USER);
    // Whoever published what, each relay's share is in the user's order and A's came first.
    expect(a.published[0]).toBe(ids[0]);
    for (const p of [a.published, b.published]) expect(p).toEqual(ids.filter((id) => p.includes(id)));
  });
});
