import { createServer, type Server } from 'node:http';
import type { LookupAddress } from 'node:dns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, guardedLookup, type AllAddressesLookup, type CanvasUrlPolicy } from '@canvas-sync/shared';
import { testCanvasClient } from './canvas-client.test-support.js';
import { createSession } from './canvas-session.js';
import { assertCanvasUrlAllowed, createGuardedFetch, type GuardedFetch } from './guarded-fetch.js';

const strict: CanvasUrlPolicy = { allowedHosts: ['*'], allowPrivateNetwork: false };
const relaxed: CanvasUrlPolicy = { allowedHosts: ['*'], allowPrivateNetwork: true };
const HOST = 'canvas.school.test';

/**
 * DNS as a rebinding attacker runs it: `canvas.school.test` (which exists nowhere) resolves to
 * 127.0.0.1, where the test's server listens. Only loopback is ever connected to.
 */
const lookups: string[] = [];
const rebinding: AllAddressesLookup = (hostname, _options, callback) => {
  lookups.push(hostname);
  if (hostname === HOST) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
  callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
};

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? `${err.code}: ${err.message}` : `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe('Canvas requests from the fetcher (SSRF at connect time)', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  let answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 200, body: '{"id":1}' });
  const opened: GuardedFetch[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const a = answer(req.url ?? '/');
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? '');
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((f) => f.close()));
    answer = () => ({ status: 200, body: '{"id":1}' });
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const clientFor = (policy: CanvasUrlPolicy) => {
    const guarded = createGuardedFetch(policy, rebinding);
    opened.push(guarded);
    return testCanvasClient({ policy, fetchImpl: guarded.fetch });
  };

  it('connects through the injected resolver when private networks are allowed (the simulator case)', async () => {
    const before = connections;
    const body = await clientFor(relaxed).getJson(createSession(`http://${HOST}:${port}`, 'tok'), '/api/v1/users/self');
    expect(body).toEqual({ id: 1 });
    expect(lookups).toContain(HOST);
    expect(connections).toBeGreaterThan(before);
  });

  it('refuses a host name that resolves to 127.0.0.1 when it connects, before any byte is sent', async () => {
    const before = connections;
    lookups.length = 0;
    const result = await code(clientFor(strict).getJson(createSession(`https://${HOST}:${port}`, 'tok'), '/api/v1/users/self'));
    expect(result).toMatch(/^canvas_url_invalid: The host canvas\.school\.test could not be found or is not a public address/);
    expect(lookups).toEqual([HOST]);
    expect(connections).toBe(before);
  });

  it.each([`https://127.0.0.1:PORT`, `https://[::1]:PORT`, `https://[::ffff:127.0.0.1]:PORT`])('refuses the IP literal %s without connecting', async (origin) => {
    const before = connections;
    const result = await code(clientFor(strict).getJson(createSession(origin.replace('PORT', String(port)), 'tok'), '/api/v1/users/self'));
    expect(result).toMatch(/^canvas_url_invalid: .*loopback/);
    expect(connections).toBe(before);
  });

  it('refuses http:// unless private networks are allowed, and hosts outside CANVAS_ALLOWED_HOSTS', async () => {
    expect(await code(clientFor(strict).getJson(createSession(`http://${HOST}:${port}`, 'tok'), '/x'))).toMatch(/^canvas_url_invalid: .*https/);
    const only = { allowedHosts: ['*.instructure.com'], allowPrivateNetwork: true };
    expect(await code(clientFor(only).getJson(createSession(`http://${HOST}:${port}`, 'tok'), '/x'))).toMatch(/^canvas_url_invalid: Connecting to canvas\.school\.test is not allowed/);
  });

  it('refuses a redirect and a next link to another origin (the token would follow them)', async () => {
    const client = clientFor(relaxed);
    answer = () => ({ status: 302, headers: { location: 'http://elsewhere.test/steal' } });
    expect(await code(client.getJson(createSession(`http://${HOST}:${port}`, 'tok'), '/api/v1/users/self'))).toMatch(/^canvas_redirect_refused/);
    answer = () => ({ status: 200, body: '[{"id":1}]', headers: { link: '<http://elsewhere.test/api/v1/courses?page=2>; rel="next"' } });
    const pages: unknown[] = [];
    const walk = async () => {
      for await (const rows of client.paginate(createSession(`http://${HOST}:${port}`, 'tok'), '/api/v1/courses')) pages.push(rows);
    };
    expect(await code(walk())).toMatch(/^canvas_redirect_refused/);
    expect(pages).toHaveLength(1);
  });
});

describe('assertCanvasUrlAllowed (no network at all)', () => {
  it.each([
    ['https://10.0.0.1/api/v1/courses', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://0.0.0.0/', 'this network'],
    ['https://[fd00::1]/', 'unique local'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://192.168.1.1/', 'private'],
  ])('refuses %s (%s)', (url, reason) => {
    expect(() => assertCanvasUrlAllowed(new URL(url), strict)).toThrow(reason);
  });

  it('lets public hosts and, with private networks allowed, loopback through', () => {
    expect(() => assertCanvasUrlAllowed(new URL('https://school.instructure.com/api/v1/courses'), strict)).not.toThrow();
    expect(() => assertCanvasUrlAllowed(new URL('http://127.0.0.1:4100/api/v1/courses'), relaxed)).not.toThrow();
  });
});

describe('guardedLookup with an injected resolver', () => {
  const resolveTo = (addresses: LookupAddress[]): AllAddressesLookup => (_host, _options, callback) => callback(null, addresses);
  const run = (policy: CanvasUrlPolicy, addresses: LookupAddress[]) =>
    new Promise<string>((resolve) => guardedLookup(policy, resolveTo(addresses))('h.test', { all: true }, (err, result) => resolve(err ? String((err as NodeJS.ErrnoException).code) : JSON.stringify(result))));

  it('refuses when any address is not public (a client may pick any of them)', async () => {
    expect(await run(strict, [{ address: '93.184.216.34', family: 4 }, { address: '169.254.169.254', family: 4 }])).toBe('ECANVASADDRESS');
    expect(await run(strict, [{ address: '10.1.2.3', family: 4 }])).toBe('ECANVASADDRESS');
    expect(await run(strict, [{ address: '93.184.216.34', family: 4 }])).toBe('[{"address":"93.184.216.34","family":4}]');
    expect(await run(relaxed, [{ address: '10.1.2.3', family: 4 }])).toBe('[{"address":"10.1.2.3","family":4}]');
  });
});
