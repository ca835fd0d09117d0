import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HostConfig } from './host-config.js';
import { contentSecurityPolicy, dashboardPage, signInPage } from './pages.js';
import { mintUserToken } from './user-token.js';

const PUBLIC = new URL('../public/', import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  '/host.js': { file: 'host.js', type: 'text/javascript; charset=utf-8' },
  '/host.css': { file: 'host.css', type: 'text/css; charset=utf-8' },
};
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const MAX_FORM_BYTES = 4096;

/** The example host app: its server, and how many canvas-sync tokens it minted (the browser test reads it). */
export interface HostApp {
  server: Server;
  /** When each canvas-sync token was minted (ms since the epoch), oldest first. */
  tokensMinted(): readonly number[];
}

/**
 * A host app in ~100 lines of node:http: a sign-in form (any name; a real app has its own), a
 * session cookie, a dashboard embedding `<canvas-sync-panel>` from the api's origin, and
 * `POST /canvas-sync/token`, which mints a short-lived user token for the signed-in user.
 */
export function createHostApp(config: HostConfig): HostApp {
  const sessions = new Map<string, string>();
  const minted: number[] = [];
  const csp = contentSecurityPolicy(config);

  const userOf = (req: IncomingMessage): string | undefined => {
    const sid = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
    return sid ? sessions.get(sid) : undefined;
  };
  const send = (res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
    res.end(body);
  };
  const redirect = (res: ServerResponse, to: string, headers: Record<string, string> = {}) => send(res, 303, 'text/plain', '', { location: to, ...headers });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://host').pathname;
    const asset = ASSETS[path];
    if (req.method === 'GET' && asset) return send(res, 200, asset.type, readFileSync(new URL(asset.file, PUBLIC), 'utf8'));
    if (req.method === 'GET' && path === '/') {
      const user = userOf(req);
      return send(res, 200, 'text/html; charset=utf-8', user ? dashboardPage(config, user) : signInPage(), { 'content-security-policy': csp });
    }
    if (req.method === 'POST' && path === '/sign-in') {
      const user = new URLSearchParams(await readBody(req)).get('user')?.trim() ?? '';
      if (!USER_NAME.test(user)) return send(res, 400, 'text/plain; charset=utf-8', 'A user name is letters, digits and . _ @ - (at most 64).');
      const sid = randomBytes(24).toString('base64url');
      sessions.set(sid, user);
      return redirect(res, '/', { 'set-cookie': `sid=${sid}; HttpOnly; SameSite=Strict; Path=/` });
    }
    if (req.method === 'POST' && path === '/sign-out') {
      const sid = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
      if (sid) sessions.delete(sid);
      return redirect(res, '/', { 'set-cookie': 'sid=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' });
    }
    if (req.method === 'POST' && path === '/canvas-sync/token') {
      const user = userOf(req);
      if (!user) return send(res, 401, 'application/json', JSON.stringify({ error: { code: 'unauthenticated', message: 'Sign in first.' } }));
      const token = await mintUserToken(user, config.jwtSecret, config.tokenTtlSeconds);
      minted.push(Date.now());
      return send(res, 200, 'application/json', JSON.stringify({ token, expiresIn: config.tokenTtlSeconds }));
    }
    send(res, 404, 'text/plain; charset=utf-8', 'Not found');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 400, 'text/plain; charset=utf-8', 'Bad request');
      else res.end();
    });
  });
  return { server, tokensMinted: () => [...minted] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new Error('form too large');
  }
  return body;
}
