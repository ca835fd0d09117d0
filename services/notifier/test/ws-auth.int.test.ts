import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Client, startHarness, tokenFor, type Harness } from './notifier.harness.js';

describe('notifier /ws authentication', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ maxConnectionsPerUser: 3 });
  });
  afterAll(async () => h.close());

  it('closes with 4401 when no auth frame comes within 5 s', async () => {
    const client = await Client.open(h.url);
    const closed = await client.closed;
    expect(closed.code).toBe(4401);
    expect(client.frames).toEqual([]);
  });

  it('answers a valid token with ready and the user id', async () => {
    const client = await Client.open(h.url);
    client.send({ type: 'auth', token: await tokenFor('alice') });
    expect(await client.waitFor((f) => f.type === 'ready')).toEqual({ type: 'ready', userId: 'alice' });
    client.close();
  });

  it.each([
    ['a token signed with another secret', () => tokenFor('mallory', { secret: 'not-the-right-secret-at-all' })],
    ['an expired token', () => tokenFor('alice', { expiresIn: '-5m' })],
    ['a token without exp', () => tokenFor('alice', { expiresIn: null })],
    ['a token of another algorithm', () => tokenFor('alice', { alg: 'HS512' })],
    ['an unsigned token', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"alice"}').toString('base64url')}.`],
    ['garbage', async () => 'not.a.jwt'],
  ])('closes with 4401 on %s', async (_name, makeToken) => {
    const client = await Client.open(h.url);
    client.send({ type: 'auth', token: await makeToken() });
    const closed = await client.closed;
    expect(closed.code).toBe(4401);
    expect(client.frames.some((f) => f.type === 'ready')).toBe(false);
  });

  it('answers frames before auth with an unauthenticated error and keeps waiting for auth', async () => {
    const client = await Client.open(h.url);
    client.send({ type: 'subscribe' });
    expect(await client.waitFor((f) => f.type === 'error')).toMatchObject({ type: 'error', code: 'unauthenticated' });
    client.send({ type: 'auth', token: await tokenFor('bob') });
    await client.waitFor((f) => f.type === 'ready');
    client.close();
  });

  it('caps the sockets of one user (4429) without touching other users', async () => {
    const held = await Promise.all([1, 2, 3].map(() => Client.ready(h.url, 'carol')));
    const extra = await Client.open(h.url);
    extra.send({ type: 'auth', token: await tokenFor('carol') });
    expect((await extra.closed).code).toBe(4429);
    const other = await Client.ready(h.url, 'dave');
    held[0]!.close();
    await held[0]!.closed;
    // The slot is free again once a socket of the user closed.
    await expect.poll(() => h.hub.stats().connections).toBe(3);
    const again = await Client.ready(h.url, 'carol');
    for (const c of [...held, other, again]) c.close();
  });

  it('refuses the handshake from a foreign origin and accepts localhost pages and non-browser clients', async () => {
    const refused = new WebSocket(h.url, { headers: { origin: 'https://evil.example.com' } });
    const status = await new Promise<number>((resolve) => refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
    const local = await Client.open(h.url, { origin: 'http://localhost:3000' });
    const plain = await Client.open(h.url);
    local.close();
    plain.close();
  });
});
