import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Client, createConnection, createSync, startHarness, tokenFor, type Harness } from './notifier.harness.js';

/** Frames a broken or hostile client sends, before and after authenticating. */
const frame = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.record({ type: fc.constantFrom('auth', 'subscribe', 'unsubscribe', 'ping', '__proto__', ''), token: fc.string(), syncId: fc.oneof(fc.uuid(), fc.string(), fc.jsonValue()) }, { requiredKeys: ['type'] }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
);

/**
 * Property-based companion of ws-limits / ws-auth (which list known-bad frames): sequences of
 * random frames get error frames or a policy close, never a crash, and never another user's
 * data; the notifier keeps serving everyone else.
 */
describe('notifier: random frames never break the server', () => {
  let h: Harness;
  let victimSync: string;
  beforeAll(async () => {
    h = await startHarness({ maxFramesPerSecond: 10_000 });
    victimSync = (await createSync(h, 'victim', await createConnection(h, 'victim'))).id;
  });
  afterAll(async () => h?.close());

  it('random frame sequences, authenticated or not', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(frame, { minLength: 1, maxLength: 8 }), async (authenticate, frames) => {
        const client = authenticate ? await Client.ready(h.url, 'mallory') : await Client.open(h.url);
        for (const f of frames) client.send(f);
        // Everything the server said is a known frame type; nothing about the victim's sync.
        client.send({ type: 'subscribe', syncId: victimSync });
        await client.waitFor((f) => f.type === 'error', 5_000).catch(() => undefined);
        for (const f of client.frames) {
          expect(['ready', 'error', 'snapshot', 'progress']).toContain(f.type);
          expect(JSON.stringify(f)).not.toContain('"userId":"victim"');
          if (f.type === 'snapshot') expect(f.sync.id).not.toBe(victimSync);
        }
        client.close();
        await client.closed;
      }),
      { numRuns: 60 },
    );
    // Still serving: the victim authenticates and sees its own sync.
    const victim = await Client.open(h.url);
    victim.send({ type: 'auth', token: await tokenFor('victim') });
    await victim.waitFor((f) => f.type === 'ready');
    victim.send({ type: 'subscribe', syncId: victimSync });
    expect(await victim.waitFor((f) => f.type === 'snapshot')).toMatchObject({ sync: { id: victimSync } });
    victim.close();
  });
});
