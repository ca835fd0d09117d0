import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProgressReconciler, type ProgressReconciler } from '../src/progress/progress.reconciler.js';
import { createSyncsRepository } from '../src/syncs/syncs.repository.js';
import { advance, Client, createConnection, createSync, startHarness, type Harness } from './notifier.harness.js';

const running = (done: number) => ({ status: 'running', phase: 'fetching', plan_ready: true, units_total: 4, units_done: done, started_at: new Date(Date.now() - 5_000) });

/** What the writer does when its progress publish fails: the row moves on, no event is published. */
async function commitWithoutEvent(h: Harness, syncId: string, values: Record<string, unknown>) {
  return h.database.db
    .updateTable('syncs')
    .set((eb) => ({ seq: eb('seq', '+', 1), updated_at: new Date(), ...values }) as never)
    .where('id', '=', syncId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

describe('notifier catch-up from Postgres (lost progress events)', () => {
  let h: Harness;
  let reconciler: ProgressReconciler;
  beforeAll(async () => {
    h = await startHarness();
    const syncs = createSyncsRepository(h.database.db);
    // A long period: the test drives the catch-up itself with runOnce().
    reconciler = startProgressReconciler({
      unfinished: () => h.hub.unfinished(),
      findNewer: (seqs) => syncs.findNewer(seqs),
      publish: (event) => h.hub.publish(event),
      intervalMs: 600_000,
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await reconciler.stop();
    await h.close();
  });

  it('sends a watcher the terminal state whose event was never published, once', async () => {
    const conn = await createConnection(h, 'dana');
    const sync = await createSync(h, 'dana', conn);
    const watcher = await Client.ready(h.url, 'dana');
    watcher.send({ type: 'subscribe', syncId: sync.id });
    await watcher.waitFor((f) => f.type === 'snapshot');
    await advance(h, sync.id, running(2));
    await watcher.waitFor((f) => f.type === 'progress' && f.seq === 1);

    await commitWithoutEvent(h, sync.id, { status: 'completed', phase: 'done', units_done: 4, finished_at: new Date() });
    // Without a catch-up nothing would ever tell this socket (no event is on the stream).
    await new Promise((r) => setTimeout(r, 300));
    expect(watcher.framesOf(sync.id).some((f) => f.status === 'completed')).toBe(false);
    expect(h.hub.unfinished().get(sync.id)).toBe(1);

    expect(await reconciler.runOnce()).toBe(1);
    const done = await watcher.waitFor((f) => f.type === 'progress' && f.status === 'completed');
    expect(done).toMatchObject({ syncId: sync.id, seq: 2, progress: { done: 4, total: 4, percent: 100 } });

    // Finished: no longer watched as unfinished, and a second catch-up sends nothing more.
    expect(h.hub.unfinished().has(sync.id)).toBe(false);
    expect(await reconciler.runOnce()).toBe(0);
    expect(watcher.framesOf(sync.id).filter((f) => f.type === 'progress').map((f) => f.seq)).toEqual([1, 2]);
    watcher.close();
  });

  it('reads only watched syncs that moved on, and never shows a user another user\'s sync', async () => {
    const [connA, connB] = [await createConnection(h, 'eve'), await createConnection(h, 'finn')];
    const mine = await createSync(h, 'eve', connA, running(1));
    const theirs = await createSync(h, 'finn', connB, running(1));
    const eve = await Client.ready(h.url, 'eve');
    eve.send({ type: 'subscribe', syncId: mine.id });
    await eve.waitFor((f) => f.type === 'snapshot');
    expect(await reconciler.runOnce()).toBe(0); // nothing moved

    await commitWithoutEvent(h, theirs.id, running(3)); // nobody watches it
    await commitWithoutEvent(h, mine.id, running(2));
    expect(await reconciler.runOnce()).toBe(1);
    await eve.waitFor((f) => f.type === 'progress' && f.syncId === mine.id && f.progress.done === 2);
    expect(eve.frames.some((f) => f.syncId === theirs.id || f.sync?.id === theirs.id)).toBe(false);
    eve.close();
  });
});
