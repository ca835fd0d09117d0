import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { TokenBudget } from '../budget/token-budget.js';
import { testCanvasClient } from './canvas-client.test-support.js';
import { createSession } from './canvas-session.js';

const ORIGIN = 'https://canvas.school.test';

/** A budget whose releases stay pending until the test settles them (a slow KV write). */
function slowReleaseBudget() {
  const released: Array<{ throttled: boolean; remaining: number | undefined }> = [];
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  let called: () => void = () => undefined;
  const releaseCalled = new Promise<void>((resolve) => (called = resolve));
  const budget: TokenBudget = {
    acquire: async (tokenKey) => ({ tokenKey, id: 'lease', grantedAt: 0 }),
    release: async (_lease, observation) => {
      released.push({ throttled: observation.throttled, remaining: observation.remaining });
      called();
      await settled;
    },
  };
  return { budget, released, releaseCalled, settle };
}

const clientWith = (budget: TokenBudget) =>
  testCanvasClient({
    budget,
    fetchImpl: (async () => new Response('[{"id":1},{"id":2}]', { status: 200, headers: { 'content-type': 'application/json', 'x-rate-limit-remaining': '550' } })) as typeof fetch,
  });

describe('CanvasClient: the budget release is off the page path', () => {
  it('hands out a page while the release of its lease is still being written', async () => {
    const { budget, released, releaseCalled, settle } = slowReleaseBudget();
    const pages = clientWith(budget).paginate(createSession(ORIGIN, 'tok'), '/api/v1/courses');
    // Before: the page waited for the release's store write, so the release "won" this race.
    const first = await Promise.race([pages.next().then((r) => r.value), releaseCalled.then(() => tick()).then(() => 'page still waiting for the release')]);
    expect(first).toEqual([{ id: 1 }, { id: 2 }]);
    // The answer's headers still reach the budget, and the lease is released exactly once.
    expect(released).toEqual([{ throttled: false, remaining: 550 }]);
    settle();
    await pages.return(undefined);
  });
});
