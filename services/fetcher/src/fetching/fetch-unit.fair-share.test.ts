import { setImmediate as tick } from 'node:timers/promises';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type DatabaseConnection } from 'kysely';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database, FetchUnit, MessageContext } from '@canvas-sync/shared';
import { fetchUnitHandler, type FetchUnitDeps } from './fetch-unit.handler.js';
import { UserSlots } from './user-slots.js';

const ctx = (deliveryCount: number, lastDelivery = false): MessageContext => ({ msgId: 'm', correlationId: 'c', deliveryCount, lastDelivery, traceparent: undefined, logger: pino({ level: 'silent' }) });

const unit = (userId: string): FetchUnit => ({ syncId: '5b0e3a55-0c55-4c1e-9d42-2f3f1b6f7a03', userId, run: 0, unitIndex: 2, courseIds: [21, 22, 23, 24, 25] }) as FetchUnit;

/**
 * A database that finds no sync: a unit that gets past its slot reads the sync (one query, which
 * is how the test sees that it started) and is acked. A put-back unit touches nothing.
 */
function noSyncDb(): { db: Kysely<Database>; queries: () => number } {
  let queries = 0;
  const connection: DatabaseConnection = {
    executeQuery: async () => {
      queries += 1;
      return { rows: [] };
    },
    // eslint-disable-next-line require-yield
    streamQuery: async function* () {
      throw new Error('not used');
    },
  };
  class Driver extends DummyDriver {
    override acquireConnection = async () => connection;
  }
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new Driver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return { db, queries: () => queries };
}

/** A handler call watched as it runs: `outcome()` stays undefined until it settles. */
function watch<T>(call: Promise<T>): { outcome: () => T | undefined; settled: Promise<T> } {
  let outcome: T | undefined;
  const settled = call.then((r) => (outcome = r));
  return { outcome: () => outcome, settled };
}

function handlerWith(slots: UserSlots) {
  const { db, queries } = noSyncDb();
  return { handle: fetchUnitHandler({ db, slots } as unknown as FetchUnitDeps), queries };
}

describe('fetch units: a user at their share of slots (issue 15)', () => {
  afterEach(() => vi.useRealTimers());

  it("starts the user's next unit the moment one of their slots frees, instead of putting it back", async () => {
    const slots = new UserSlots(2, { capacity: 8, maxWaitMs: 30_000 });
    const running = [slots.tryTake('teacher')!, slots.tryTake('teacher')!];
    const { handle, queries } = handlerWith(slots);
    const third = watch(handle(unit('teacher'), ctx(1)));
    await tick();
    // Before: put back at once (nak 200–300 ms on a first delivery, up to 2.2 s later), to come
    // back after the delay whether or not a slot had freed meanwhile.
    expect(third.outcome()).toBeUndefined();
    expect(queries()).toBe(0);
    running[0]!.release();
    await third.settled;
    expect(third.outcome()).toBe('ack');
    expect(queries()).toBe(1);
    // The waiting unit held the freed slot while it ran, and let it go when done.
    expect(slots.tryTake('teacher')).toBeDefined();
    running[1]!.release();
  });

  it('lets one unit per user wait; the next is put back, before any I/O', async () => {
    const slots = new UserSlots(2, { capacity: 8, maxWaitMs: 30_000 });
    const running = [slots.tryTake('teacher')!, slots.tryTake('teacher')!];
    const { handle, queries } = handlerWith(slots);
    const third = handle(unit('teacher'), ctx(1));
    await tick();
    expect(await handle(unit('teacher'), ctx(1))).toEqual({ nak: expect.any(Number) });
    expect(queries()).toBe(0);
    running[0]!.release();
    expect(await third).toBe('ack');
    running[1]!.release();
  });

  it('waits only in a slot the fetcher has spare: a unit that would take its last free slot is put back', async () => {
    // 4 units at once: a's 2 running and b's 1 leave one slot, and a's next unit would take it.
    const slots = new UserSlots(2, { capacity: 4, maxWaitMs: 30_000 });
    const a = [slots.tryTake('a')!, slots.tryTake('a')!];
    const b = slots.tryTake('b')!;
    const { handle, queries } = handlerWith(slots);
    expect(await handle(unit('a'), ctx(1))).toEqual({ nak: expect.any(Number) });
    expect(queries()).toBe(0);
    b.release();
    a.forEach((s) => s.release());
  });

  it("puts a waiting unit back once other users' units fill the fetcher, so the next one pulled finds a slot", async () => {
    const slots = new UserSlots(2, { capacity: 4, maxWaitMs: 30_000 });
    const a = [slots.tryTake('a')!, slots.tryTake('a')!];
    const { handle, queries } = handlerWith(slots);
    const waiting = watch(handle(unit('a'), ctx(1)));
    await tick();
    expect(waiting.outcome()).toBeUndefined();
    // b's unit takes the fourth slot: running 3 + 1 waiting = all 4 the consumer holds.
    const b = slots.tryTake('b')!;
    await waiting.settled;
    expect(waiting.outcome()).toEqual({ nak: expect.any(Number) });
    expect(queries()).toBe(0);
    a.forEach((s) => s.release());
    b.release();
  });

  it('puts a waiting unit back after `maxWaitMs` (its message stays ours within the consumer’s margin)', async () => {
    vi.useFakeTimers();
    const slots = new UserSlots(1, { capacity: 8, maxWaitMs: 30_000 });
    const held = slots.tryTake('a')!;
    const { handle, queries } = handlerWith(slots);
    const waiting = watch(handle(unit('a'), ctx(3)));
    await vi.advanceTimersByTimeAsync(29_000);
    expect(waiting.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1_000);
    await waiting.settled;
    expect(waiting.outcome()).toEqual({ nak: expect.any(Number) });
    expect(queries()).toBe(0);
    // It no longer waits: a release finds no one, and the next unit may wait again.
    held.release();
    expect(slots.tryTake('a')).toBeDefined();
  });

  it('puts a waiting unit back when the fetcher stops, and every later one at once (shutdown does not start new work)', async () => {
    const slots = new UserSlots(1, { capacity: 8, maxWaitMs: 30_000 });
    const held = slots.tryTake('a')!;
    slots.tryTake('b')!;
    const { handle, queries } = handlerWith(slots);
    const waiting = handle(unit('a'), ctx(1));
    await tick();
    slots.close();
    expect(await waiting).toEqual({ nak: expect.any(Number) });
    expect(await handle(unit('b'), ctx(1))).toEqual({ nak: expect.any(Number) });
    // The running unit ends later; nothing waited for its slot.
    held.release();
    expect(queries()).toBe(0);
  });

  it('on its last delivery a unit waits for a slot even past the line (put back once more, it would be dropped)', async () => {
    const slots = new UserSlots(1, { capacity: 0, maxWaitMs: 30_000 });
    const held = slots.tryTake('a')!;
    const { handle } = handlerWith(slots);
    const last = watch(handle(unit('a'), ctx(1000, true)));
    await tick();
    expect(last.outcome()).toBeUndefined();
    held.release();
    await last.settled;
    expect(last.outcome()).toBe('ack');
  });
});
