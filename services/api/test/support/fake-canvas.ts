import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** How the fake answers `/api/v1/users/self` for one token. */
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

const json = (value: unknown) => JSON.stringify(value);

/** Canvas's answers per CANVAS.md ("Errors", "Throttling"), keyed by the bearer token sent. */
export const FAKE_TOKENS: Record<string, Answer> = {
  'good-token': { status: 200, headers: { 'content-type': 'application/json' }, body: json({ id: 42, name: 'Ada Lovelace', sortable_name: 'Lovelace, Ada', short_name: 'Ada' }) },
  'revoked-token': {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="canvas-lms"' },
    body: json({ errors: [{ message: 'Revoked access token.' }] }),
  },
  'forbidden-json': { status: 403, headers: { 'content-type': 'application/json' }, body: json({ status: 'unauthorized', errors: [{ message: 'user not authorized to perform that action' }] }) },
  'forbidden-old-401': { status: 401, headers: { 'content-type': 'application/json' }, body: json({ status: 'unauthorized', errors: [{ message: 'user not authorized to perform that action' }] }) },
  'throttle-403': { status: 403, headers: { 'content-type': 'text/plain', 'x-rate-limit-remaining': '0.0' }, body: '403 Forbidden (Rate Limit Exceeded)' },
  'throttle-429': { status: 429, headers: { 'content-type': 'text/plain', 'x-rate-limit-remaining': '0.0' }, body: 'Too Many Requests' },
  'server-error': { status: 500, headers: { 'content-type': 'application/json' }, body: json({ errors: [{ message: 'An error occurred.', error_code: 'internal_server_error' }], error_report_id: 123 }) },
  'bad-gateway': { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' },
  'not-json': { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' },
  'tok-302-elsewhere': { status: 302, headers: { location: 'https://elsewhere.example.com/api/v1/users/self' }, body: '' },
  hang: { status: 200, hang: true },
};

/** A tiny Canvas stand-in on 127.0.0.1 that records what it was sent. */
export interface FakeCanvas {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export async function startFakeCanvas(): Promise<FakeCanvas> {
  const requests: FakeCanvas['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const answer = req.url === '/api/v1/users/self' ? FAKE_TOKENS[token] : { status: 404, body: json({ errors: [{ message: 'The specified resource does not exist.' }] }) };
    if (!answer) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="canvas-lms"' });
      res.end(json({ errors: [{ message: 'Invalid access token.' }] }));
      return;
    }
    if (answer.hang) return;
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
