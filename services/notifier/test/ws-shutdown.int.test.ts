import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startHarness, type Harness } from './notifier.harness.js';

describe('notifier shutdown', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('closes open sockets with 1001 (going away) so clients reconnect elsewhere', async () => {
    const client = await Client.ready(h.url, 'sam');
    const unauthenticated = await Client.open(h.url);
    await h.app.close();
    expect((await client.closed).code).toBe(1001);
    expect((await unauthenticated.closed).code).toBe(1001);
  });
});
