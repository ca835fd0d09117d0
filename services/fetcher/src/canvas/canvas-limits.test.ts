import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type CanvasUrlPolicy } from '@canvas-sync/shared';
import type { CanvasClient } from './canvas.client.js';
import { testCanvasClient } from './canvas-client.test-support.js';
import { AnswerBytes } from './answer-bytes.js';
import { createSession } from './canvas-session.js';
import { createGuardedFetch, type GuardedFetch } from './guarded-fetch.js';
import { DEFAULT_CANVAS_LIMITS, WorkBudget, type CanvasLimits } from './walk-limits.js';

const relaxed: CanvasUrlPolicy = { allowedHosts: ['*'], allowPrivateNetwork: true };
type Handler = (req: IncomingMessage, res: ServerResponse, origin: string) => void;

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? err.code : `${(err as Error).name}: ${(err as Error).message}`;
  }
}

/** A hostile Canvas on 127.0.0.1: each test sets `handle`. */
describe('limits on what a Canvas server sends', () => {
  let server: Server;
  let origin = '';
  let handle: Handler = (_req, res) => res.end('[]');
  let guarded: GuardedFetch;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests += 1;
      handle(req, res, origin);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    guarded = createGuardedFetch(relaxed);
  });
  afterAll(async () => {
    await guarded.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const client = (limits: Partial<CanvasLimits> = {}, timeoutMs = 5_000, answerBytes?: AnswerBytes) =>
    testCanvasClient({ ...(answerBytes ? { answerBytes } : {}), policy: relaxed, fetchImpl: guarded.fetch, timeoutMs, limits: { ...DEFAULT_CANVAS_LIMITS, ...limits } });
  const walk = async (c: CanvasClient, session = createSession(origin, 'tok')) => {
    const pages: number[][] = [];
    const result = await outcome(
      (async () => {
        for await (const rows of c.paginate(session, '/api/v1/courses')) pages.push(rows.map((r) => r.id));
      })(),
    );
    return { result, pages };
  };

  it('counts a gzip answer at its decoded size: a 70 KB bomb of 70 MiB is refused', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('[{"id":1,"x":"'), Buffer.alloc(70 * 1024 * 1024, 0x61), Buffer.from('"}]')]));
    expect(bomb.length).toBeLessThan(200 * 1024);
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb);
    expect(await outcome(client().getJson(createSession(origin, 'tok'), '/api/v1/users/self'))).toBe('canvas_response_too_large');
  });

  it('refuses a huge body sent without Content-Length, and one whose Content-Length is too large', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const chunk = `${'{"id":1},'.repeat(1000)}`;
      let sent = 0;
      const more = () => {
        while (sent < 2_000 && !res.destroyed) {
          sent += 1;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('{"id":2}]');
      };
      more();
    };
    expect(await outcome(client({ maxResponseBytes: 1024 * 1024 }).getJson(createSession(origin, 'tok'), '/x'))).toBe('canvas_response_too_large');
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) }).end();
    expect(await outcome(client({ maxResponseBytes: 1024 * 1024 }).getJson(createSession(origin, 'tok'), '/x'))).toBe('canvas_response_too_large');
  });

  it('accepts an answer right at the limit', async () => {
    const body = JSON.stringify([{ id: 1, x: 'a'.repeat(1000) }]);
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    expect(await client({ maxResponseBytes: Buffer.byteLength(body) }).getJson(createSession(origin, 'tok'), '/x')).toEqual(JSON.parse(body));
  });

  it('bounds the answer bytes the process reads at once: answers past the bound are dropped as canvas_busy, then it reads on', async () => {
    // Six answers of 900 KiB, each within its own limit (1 MiB), all held open until the sixth
    // request has arrived and its bytes were sent: 5.4 MiB at once against a bound of 3 MiB.
    const perAnswer = 1024 * 1024;
    const size = 900 * 1024;
    const account = new AnswerBytes(3 * perAnswer);
    const open: ServerResponse[] = [];
    const timers: NodeJS.Timeout[] = [];
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`[${' '.repeat(size - 2)}`);
      open.push(res);
      if (open.length === 6) timers.push(setTimeout(() => open.forEach((r) => r.destroyed || r.end(']')), 300));
    };
    const c = client({ maxResponseBytes: perAnswer }, 5_000, account);
    try {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => outcome(c.getJson(createSession(origin, `tok-${i}`), `/api/v1/courses/${i}/assignment_groups`))));
      // Each drop frees less than an answer, so drops go on until what is left fits: three of 900 KiB.
      expect(results.filter((r) => r === 'canvas_busy')).toHaveLength(3);
      expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    } finally {
      timers.forEach(clearTimeout);
    }
    expect(account.peak).toBeLessThanOrEqual(3 * perAnswer);
    expect(account.peak).toBeGreaterThan(2 * size);
    expect(account.inUse).toBe(0);
    // Nothing held on: the next answer is read (the retried work would be, too).
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id":1}]');
    expect(await c.getJson(createSession(origin, 'tok'), '/x')).toEqual([{ id: 1 }]);
    expect(account.inUse).toBe(0);
  });

  it("gives one token at most a share of the process's answer bytes: a hostile token's huge answers leave room for other users", async () => {
    // One token opens six answers of 900 KiB and keeps them open; then another token's answer of
    // 900 KiB arrives. The process may hold 4 MiB: without a share per token the first token held
    // 3.6 MiB of it and the other user's answer was dropped as canvas_busy.
    const perAnswer = 1024 * 1024;
    const size = 900 * 1024;
    const account = new AnswerBytes(4 * perAnswer, perAnswer);
    const open: ServerResponse[] = [];
    let sixOpen: () => void = () => undefined;
    const allOpen = new Promise<void>((resolve) => (sixOpen = resolve));
    handle = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.startsWith('/other')) return void res.end(`[${' '.repeat(size - 2)}]`);
      res.write(`[${' '.repeat(size - 2)}`);
      open.push(res);
      if (open.length === 6) sixOpen();
    };
    const c = client({ maxResponseBytes: perAnswer }, 10_000, account);
    const hostile = Array.from({ length: 6 }, (_, i) => outcome(c.getJson(createSession(origin, 'hostile-token'), `/hostile/${i}`)));
    try {
      await allOpen;
      // Until the hostile answers' bytes have reached the account (or were dropped by it).
      for (let i = 0; i < 100 && account.inUse < size; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await outcome(c.getJson(createSession(origin, 'other-token'), '/other'))).toBe('ok');
    } finally {
      open.forEach((r) => r.destroyed || r.end(']'));
    }
    const results = await Promise.all(hostile);
    // The hostile token kept what its share allows (one answer), the rest of its answers were dropped.
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'canvas_busy')).toHaveLength(5);
    expect(account.inUse).toBe(0);
  });

  it('refuses a body that trickles past the request timeout (not retried as an outage)', async () => {
    const timers: NodeJS.Timeout[] = [];
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(' ')), 100);
      timers.push(drip);
    };
    try {
      expect(await outcome(client({}, 1_000).getJson(createSession(origin, 'tok'), '/x'))).toBe('canvas_time_limit');
    } finally {
      timers.forEach(clearInterval);
    }
  });

  it('refuses JSON nested deeper than the limit', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(deep);
    expect(await outcome(client().getJson(createSession(origin, 'tok'), '/x'))).toBe('canvas_response_too_large');
    const nested = JSON.stringify([{ id: 1, a: { b: { c: '[[[[[[[[[[[{{{{{' } } }]);
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(nested);
    expect(await client({ maxJsonDepth: 4 }).getJson(createSession(origin, 'tok'), '/x')).toEqual(JSON.parse(nested));
  });

  it('stops endless distinct next links at the page limit', async () => {
    requests = 0;
    handle = (req, res, o) => {
      const page = Number(new URL(req.url ?? '/', o).searchParams.get('page') ?? '1');
      res.writeHead(200, { 'content-type': 'application/json', link: `<${o}/api/v1/courses?page=${page + 1}&per_page=100>; rel="next"` }).end(JSON.stringify([{ id: page }]));
    };
    const { result, pages } = await walk(client({ maxPagesPerWalk: 25 }));
    expect(result).toBe('canvas_pagination_limit');
    expect(pages).toHaveLength(25);
    expect(requests).toBe(25);
  });

  it('stops a walk at the row limit', async () => {
    handle = (req, res, o) => {
      const page = Number(new URL(req.url ?? '/', o).searchParams.get('page') ?? '1');
      const rows = Array.from({ length: 100 }, (_, i) => ({ id: page * 1000 + i }));
      res.writeHead(200, { 'content-type': 'application/json', link: `<${o}/api/v1/courses?page=${page + 1}>; rel="next"` }).end(JSON.stringify(rows));
    };
    const { result, pages } = await walk(client({ maxRowsPerWalk: 250 }));
    expect(result).toBe('canvas_pagination_limit');
    expect(pages).toHaveLength(2);
  });

  it('ends a walk whose next links cycle through two URLs, after each was read once', async () => {
    requests = 0;
    handle = (req, res, o) => {
      const page = new URL(req.url ?? '/', o).searchParams.get('page') === 'b' ? 'b' : 'a';
      res.writeHead(200, { 'content-type': 'application/json', link: `<${o}/api/v1/courses?page=${page === 'a' ? 'b' : 'a'}>; rel="next"` }).end(JSON.stringify([{ id: page === 'a' ? 1 : 2 }]));
    };
    const first = `${origin}/api/v1/courses?page=a`;
    const c = client();
    const pages: number[][] = [];
    // The first URL carries per_page; start the cycle from a page the server names itself.
    handle = ((inner) => (req: IncomingMessage, res: ServerResponse, o: string) => {
      if (!new URL(req.url ?? '/', o).searchParams.get('page')) return void res.writeHead(200, { 'content-type': 'application/json', link: `<${first}>; rel="next"` }).end('[]');
      inner(req, res, o);
    })(handle);
    for await (const rows of c.paginate(createSession(origin, 'tok'), '/api/v1/courses')) pages.push(rows.map((r) => r.id));
    expect(pages).toEqual([[], [1], [2]]);
    expect(requests).toBe(3);
  });

  it('charges pages and rows to the session share of the sync: past it, the walk stops', async () => {
    handle = (req, res, o) => {
      const page = Number(new URL(req.url ?? '/', o).searchParams.get('page') ?? '1');
      res.writeHead(200, { 'content-type': 'application/json', link: `<${o}/api/v1/courses?page=${page + 1}>; rel="next"` }).end(JSON.stringify([{ id: page }]));
    };
    const budget = new WorkBudget(3, 1_000);
    const { result, pages } = await walk(client(), createSession(origin, 'tok', { budget }));
    expect(result).toBe('canvas_pagination_limit');
    expect(pages).toHaveLength(3);
    expect(budget.exhausted).toBe(true);
  });

  it('refuses a Link header above the limit', async () => {
    const linkOf = (bytes: number) => `<${origin}/api/v1/courses?page=2>; rel="next", ${'<x>; rel="x", '.repeat(bytes / 14)}`;
    let link = linkOf(12 * 1024);
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', link }).end('[{"id":1}]');
    expect((await walk(client({ maxLinkHeaderBytes: 8 * 1024 }))).result).toBe('canvas_response_too_large');
    // The simulator's hostile 16,000-byte header is within the default: parsed (linearly) and walked on.
    handle = (req, res, o) => {
      const second = new URL(req.url ?? '/', o).searchParams.get('page') === '2';
      const noise = second ? '' : `<${o}/api/v1/courses?page=2>; rel="next", ${'<x>; rel="noise", '.repeat(15_900 / 18)}`;
      res.writeHead(200, { 'content-type': 'application/json', ...(noise ? { link: noise } : {}) }).end(second ? '[{"id":2}]' : '[{"id":1}]');
    };
    expect(await walk(client())).toEqual({ result: 'ok', pages: [[1], [2]] });
    // Above the HTTP client's own 16 KiB header cap: the same code, not an outage retried forever.
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', link }).end('[{"id":1}]');
    link = linkOf(24 * 1024);
    expect((await walk(client())).result).toBe('canvas_response_too_large');
  });

  it('keeps error messages short when a hostile next link has a huge path (they go into NATS messages)', async () => {
    handle = (req, res, o) => {
      if (req.url?.startsWith('/api/v1/courses?')) return void res.writeHead(200, { 'content-type': 'application/json', link: `<${o}/${'p'.repeat(10_000)}>; rel="next"` }).end('[{"id":1}]');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) }).end();
    };
    const c = client();
    let message = '';
    try {
      for await (const rows of c.paginate(createSession(origin, 'tok'), '/api/v1/courses')) void rows;
    } catch (err) {
      message = (err as AppError).message;
    }
    expect(message).toMatch(/^Canvas sent more than \d+ bytes for \/p+; the answer was refused\.$/);
    expect(message.length).toBeLessThan(300);
  });

  it('skips rows without a usable id (missing, negative, unsafe, not an object) and keeps the rest', async () => {
    const body = `[{"id":1},{"name":"no id"},{"id":-4},{"id":9007199254740993},{"id":"7"},null,[1],{"id":2.5},{"id":3}]`;
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    const reported: Array<[string, number]> = [];
    const { result, pages } = await walk(client(), createSession(origin, 'tok', { onRowsSkipped: (path, count) => reported.push([path, count]) }));
    expect(result).toBe('ok');
    expect(pages).toEqual([[1, 3]]);
    expect(reported).toEqual([['/api/v1/courses', 7]]);
  });
});
