import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildApp } from '../src/app.js';
import { Client, DEFAULT_WS, startHarness, tokenFor, type Harness } from './notifier.harness.js';

/** HTTP status of a refused handshake (0 when it was accepted). */
function handshakeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const socket = new WebSocket(url, { headers });
  return new Promise<number>((resolve) => {
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('open', () => {
      socket.close();
      resolve(0);
    });
  });
}

/** Issue 14: the socket's token expiry, unauthenticated sockets per IP, the exact default Origin. */
describe('notifier /ws hardening', () => {
  let h: Harness;
  let origin: string;
  beforeAll(async () => {
    // As in production: no localhost exception, so the default Origin rule is what decides.
    h = await startHarness({ maxUnauthenticatedPerIp: 3, allowLocalhost: false });
    origin = `http://${new URL(h.url).host}`;
  });
  afterAll(async () => h.close());

  it('closes a socket with 4401 when its token expires', async () => {
    const client = await Client.open(h.url);
    client.send({ type: 'auth', token: await tokenFor('short-lived', { expiresIn: '2s' }) });
    expect(await client.waitFor((f) => f.type === 'ready')).toEqual({ type: 'ready', userId: 'short-lived' });
    expect(await client.closed).toEqual({ code: 4401, reason: 'token expired' });
  });

  it('refuses sockets of one address beyond the unauthenticated cap, and frees slots on auth', async () => {
    const waiting = await Promise.all([1, 2, 3].map(() => Client.open(h.url)));
    expect(await handshakeStatus(h.url)).toBe(429);
    // One authenticates: its slot is free again, and a new socket gets in.
    waiting[0]!.send({ type: 'auth', token: await tokenFor('dave') });
    await waiting[0]!.waitFor((f) => f.type === 'ready');
    const next = await Client.open(h.url);
    expect(await handshakeStatus(h.url)).toBe(429);
    // The others authenticate too (their slots are free once `ready` comes): the whole share is back.
    const authenticate = (clients: Client[]) =>
      Promise.all(clients.map(async (c) => {
        c.send({ type: 'auth', token: await tokenFor('dave') });
        await c.waitFor((f) => f.type === 'ready');
      }));
    await authenticate([waiting[1]!, waiting[2]!, next]);
    const again = await Promise.all([1, 2, 3].map(() => Client.open(h.url)));
    await authenticate(again);
    for (const c of [...waiting, next, ...again]) c.close();
  });

  it('accepts exactly its own origin by default: not another port, not another scheme', async () => {
    const { hostname, port } = new URL(h.url);
    expect(await handshakeStatus(h.url, { origin })).toBe(0);
    expect(await handshakeStatus(h.url, { origin: `http://${hostname}:${Number(port) === 1 ? 2 : Number(port) - 1}` })).toBe(403);
    expect(await handshakeStatus(h.url, { origin: `https://${hostname}:${port}` })).toBe(403);
    // Behind a TLS-terminating proxy the page is https, and the proxy says so.
    expect(await handshakeStatus(h.url, { origin: `https://${hostname}:${port}`, 'x-forwarded-proto': 'https' })).toBe(0);
  });
});

describe('notifier /readyz and /metrics on the public port', () => {
  it('says ok/failed per check only, and serves no /metrics', async () => {
    const h = await startHarness();
    const logged: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
    const failing = { name: 'nats', check: async () => Promise.reject(new Error('connect ECONNREFUSED nats-0.internal:4222')) };
    const app = await buildApp({ logger, checks: [failing], isShuttingDown: () => false, ws: { config: DEFAULT_WS, verify: async () => null, views: { one: async () => undefined, all: async () => [] }, hub: h.hub } });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'not ready', checks: { nats: 'failed' } });
      expect(logged.some((line) => line.includes('nats-0.internal'))).toBe(true);
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await app.close();
      await h.close();
    }
  });
});
