import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { freePort, spawnService, startPipeline, TEST_OAUTH_CLIENT, waitFor, type PipelineHarness, type ServiceName, type ServiceProcess, type SimGrant } from '@canvas-sync/testkit';
import { createTokenCipher, DEV_TOKEN_KEY, openConnectionTokens, parseTokenKeys, type TokenKeysConfig } from '@canvas-sync/shared';
import { dumpDatabase, leaksIn, needlesFor, readStreams, tapNats } from './token-leak.harness.js';

const SECRET = 'token-leak-test-jwt-secret-0123456789';
/** Canvas rejects this one: it travels the error paths (test connection, a failing sync). */
const REJECTED_TOKEN = `7~LEAKMARKER${'q'.repeat(20)}${Date.now().toString(36)}rejected`;

/**
 * DESIGN.md, "Tokens stay secret": a full sync through the real processes (api, fetcher, writer,
 * notifier, each its own OS process at log level trace) with a recognisable Canvas token, then a
 * search of every log line, every NATS message (tapped live, plus all that the namespace's
 * streams and KV bucket still hold), every api answer and WebSocket frame, every /metrics page and
 * every database row for the token in any shape. The search must come back empty. The same search
 * covers OAuth secrets: the authorization code, the refresh token, every access token the
 * simulator saw (the first and each one the fetcher renewed mid-sync) and the client secret.
 */
describe('Canvas tokens leak nowhere in the running system', () => {
  let h: PipelineHarness;
  let token = '';
  const processes: ServiceProcess[] = [];
  const answers: string[] = [];
  const frames: string[] = [];
  const metrics: string[] = [];
  let tap: ReturnType<typeof tapNats>;
  let apiUrl = '';
  let notifierPort = 0;
  const healthPorts: number[] = [];
  /** api and notifier serve /metrics on METRICS_PORT, not on their public port. */
  const metricsPorts: number[] = [];

  let grant: SimGrant;

  beforeAll(async () => {
    h = await startPipeline({
      sim: { users: [{ profile: 'student' }, { profile: 'student' }], oauthClients: [TEST_OAUTH_CLIENT], oauthAutoApprove: true },
      fetchers: 0,
      writers: 0,
      env: { LOG_LEVEL: 'trace' },
    });
    token = h.sim.users[0]!.token;
    tap = tapNats(h.nats.nc, [`${h.nats.nsName}.>`, `$KV.${h.nats.ns.bucket('TOKEN_BUDGET')}.>`]);
    // Developer keys are configured (h.env), and pasted tokens stay allowed for the personal-token paths.
    const common = { ...h.env, AUTH_JWT_SECRET: SECRET, CANVAS_ALLOW_PRIVATE_NETWORK: 'true', CANVAS_PERSONAL_TOKENS: 'allow', HOST: '127.0.0.1', LOG_LEVEL: 'trace' };
    // The notifier first: the api names its port to the panel (and in its CSP).
    notifierPort = await startService('notifier', 'NOTIFIER_PORT', common);
    const [apiPort, ...ports] = await Promise.all([startService('api', 'API_PORT', common), startService('fetcher', 'HEALTH_PORT', common), startService('writer', 'HEALTH_PORT', common)]);
    apiUrl = `http://127.0.0.1:${apiPort}`;
    healthPorts.push(...ports);
  }, 300_000);
  afterAll(async () => {
    tap?.stop();
    await h?.close();
  });

  /**
   * Spawns one service on a free port and waits until it is ready. A port can be taken by another
   * test's process between `freePort` and the bind on a busy machine: then it tries another one.
   */
  const startService = async (name: ServiceName, portVar: string, env: Record<string, string>): Promise<number> => {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      // PUBLIC_URL: the api's redirect URI for Connect with Canvas.
      const extra: Record<string, string> = name === 'api' ? { NOTIFIER_PORT: String(notifierPort), PUBLIC_URL: `http://127.0.0.1:${port}` } : {};
      const metricsPort = name === 'api' || name === 'notifier' ? await freePort() : undefined;
      if (metricsPort !== undefined) extra.METRICS_PORT = String(metricsPort);
      const service = spawnService(name, { ...env, ...extra, [portVar]: String(port) });
      h.services.push(service);
      try {
        await service.waitReady(port, 90_000);
        processes.push(service);
        if (metricsPort !== undefined) metricsPorts.push(metricsPort);
        return port;
      } catch (err) {
        await service.kill('SIGKILL');
        if (attempt >= 3) throw err;
      }
    }
  };
  const jwt = (userId: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('15m').sign(new TextEncoder().encode(SECRET));
  const call = async (userId: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await jwt(userId)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    answers.push(`${method} ${path} → ${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    return { status: res.status, headers: res.headers, json: () => JSON.parse(text) as Record<string, any> };
  };
  const waitForSync = async (userId: string, id: string, statuses: string[]) => {
    let last: Record<string, any> = {};
    await waitFor(async () => {
      last = (await call(userId, 'GET', `/api/v1/syncs/${id}`)).json();
      return statuses.includes(last.status);
    }, 120_000, () => `sync ${id} to reach ${statuses.join('/')} (last ${JSON.stringify(last).slice(0, 300)})`);
    return last;
  };

  it('runs real syncs with the token, then finds it nowhere', { timeout: 400_000 }, async () => {
    // A socket that watches every sync of the user, as the panel does.
    const socket = new WebSocket(`ws://127.0.0.1:${notifierPort}/ws`);
    socket.on('message', (data) => frames.push(data.toString()));
    await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
    socket.send(JSON.stringify({ type: 'auth', token: await jwt('leak-user') }));
    await waitFor(async () => frames.some((f) => f.includes('"ready"')), 30_000, 'ws ready');
    socket.send(JSON.stringify({ type: 'subscribe' }));

    // A refused save (bad URL) must not echo the token either.
    expect((await call('leak-user', 'PUT', '/api/v1/canvas/connection', { baseUrl: 'ftp://canvas.invalid', accessToken: token })).status).toBe(400);
    expect((await call('leak-user', 'PUT', '/api/v1/canvas/connection', { baseUrl: h.sim.url, accessToken: token })).status).toBe(204);
    await call('leak-user', 'GET', '/api/v1/canvas/connection');
    expect((await call('leak-user', 'POST', '/api/v1/canvas/connection/test')).json()).toMatchObject({ ok: true });

    const full = (await call('leak-user', 'POST', '/api/v1/syncs', { scope: { type: 'all' }, mode: 'full' })).json();
    expect((await waitForSync('leak-user', full.id, ['completed', 'failed', 'cancelled'])).status).toBe('completed');
    const dry = (await call('leak-user', 'POST', '/api/v1/syncs', { scope: { type: 'all' }, mode: 'incremental', dryRun: true })).json();
    expect((await waitForSync('leak-user', dry.id, ['completed', 'failed', 'cancelled'])).status).toBe('completed');
    await call('leak-user', 'GET', '/api/v1/syncs');
    await call('leak-user', 'GET', '/api/v1/canvas/terms');
    await call('leak-user', 'GET', '/api/v1/canvas/courses');
    await waitFor(async () => frames.some((f) => f.includes(dry.id) && f.includes('completed')), 30_000, 'ws completion frame');

    // The error paths: a token Canvas rejects, in a connection test and in a sync that fails.
    expect((await call('bad-user', 'PUT', '/api/v1/canvas/connection', { baseUrl: h.sim.url, accessToken: REJECTED_TOKEN })).status).toBe(204);
    expect((await call('bad-user', 'POST', '/api/v1/canvas/connection/test')).json()).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
    const failing = (await call('bad-user', 'POST', '/api/v1/syncs', { scope: { type: 'all' }, mode: 'full' })).json();
    expect((await waitForSync('bad-user', failing.id, ['completed', 'failed', 'cancelled'])).status).toBe('failed');

    // OAuth: Connect with Canvas through the api (the simulator approves at once), then Canvas
    // considers the access token expired: the fetcher is refused (401), renews it with the refresh
    // token and the client secret, and completes the sync; then the user disconnects (revoke).
    const { authorizeUrl } = (await call('oauth-leak-user', 'POST', '/api/v1/canvas/oauth/start', { baseUrl: h.sim.url })).json();
    h.sim.setOAuthSessionUser(h.sim.users[1]!.id);
    const consent = await fetch(authorizeUrl as string, { redirect: 'manual' });
    const callbackUrl = consent.headers.get('location')!;
    const callback = await fetch(callbackUrl, { redirect: 'manual' });
    answers.push(`GET callback → ${callback.status} ${JSON.stringify([...callback.headers])} ${await callback.text()}`);
    expect(callback.headers.get('location')).toContain('canvas=connected');
    const code = new URL(callbackUrl).searchParams.get('code')!;
    const sealed = await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'oauth-leak-user').executeTakeFirstOrThrow();
    const opened = openConnectionTokens(createTokenCipher(parseTokenKeys({ TOKEN_ENCRYPTION_KEY: DEV_TOKEN_KEY }, () => '') as TokenKeysConfig), sealed)!;
    grant = { code, accessToken: opened.accessToken, refreshToken: opened.refreshToken!, expiresIn: undefined };
    await call('oauth-leak-user', 'GET', '/api/v1/canvas/connection');
    expect(h.sim.expireOAuthTokens(h.sim.users[1]!.id)).toBe(1);
    const oauthSync = (await call('oauth-leak-user', 'POST', '/api/v1/syncs', { scope: { type: 'all' }, mode: 'full' })).json();
    expect((await waitForSync('oauth-leak-user', oauthSync.id, ['completed', 'failed', 'cancelled'])).status).toBe('completed');
    expect(h.sim.oauthStats().refreshGrants).toBeGreaterThanOrEqual(1);
    expect((await call('oauth-leak-user', 'POST', '/api/v1/canvas/connection/test')).json()).toMatchObject({ ok: true });
    expect((await call('oauth-leak-user', 'DELETE', '/api/v1/canvas/connection')).status).toBe(204);
    expect(h.sim.oauthStats().revocations).toBe(1);

    // The panel's sign-in link carries the user's JWT in its query: the request log must not.
    const panelJwt = await jwt('leak-user');
    const panel = await fetch(`${apiUrl}/?token=${panelJwt}`);
    answers.push(`GET /?token=… → ${panel.status} ${await panel.text()}`);

    // Positive controls: the token really went to Canvas, from the api and from the fetcher.
    expect(h.sim.stats().byToken[token]?.requests ?? 0).toBeGreaterThan(5);
    // The api answers carry helmet's security headers (the real process, not inject()).
    const anAnswer = await call('leak-user', 'GET', '/api/v1/syncs');
    expect(anAnswer.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(anAnswer.headers.get('x-content-type-options')).toBe('nosniff');

    expect(metricsPorts).toHaveLength(2);
    for (const url of [...metricsPorts, ...healthPorts].map((p) => `http://127.0.0.1:${p}/metrics`)) {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      metrics.push(`${url} ${await res.text()}`);
    }
    socket.close();

    // Shutdown lines count too: stop every process gracefully before reading its output.
    tap.stop();
    const codes = await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    expect(codes).toEqual([0, 0, 0, 0]);
    const logs = processes.flatMap((p) => p.lines.map((line) => `${p.name}: ${line}`));
    const stored = await readStreams(h.nats.nc, [h.nats.ns.stream('SYNC_WORK').replace(/SYNC_WORK$/, ''), `KV_${h.nats.ns.bucket('TOKEN_BUDGET')}`]);
    const rows = await dumpDatabase(h.database.db);

    // The search saw the system at work, so an empty result means something.
    for (const name of ['api', 'notifier', 'fetcher', 'writer']) expect(logs.filter((l) => l.startsWith(`${name}: `)).length, `${name} log lines`).toBeGreaterThan(3);
    expect(tap.messages.filter((m) => m.includes(full.id)).length).toBeGreaterThan(5);
    expect(stored.streams.length).toBeGreaterThanOrEqual(3);
    expect(stored.messages.length).toBeGreaterThan(0);
    expect(frames.filter((f) => f.includes('"progress"')).length).toBeGreaterThan(0);
    expect(metrics.join('\n')).toContain('# TYPE');
    expect(rows.some((r) => r.startsWith('canvas.courses '))).toBe(true);
    expect(rows.some((r) => r.startsWith('public.connections '))).toBe(true);
    // And the search itself finds a planted copy in each shape.
    for (const needle of needlesFor(token).slice(0, 5)) expect(leaksIn([`x ${needle} y`], needlesFor(token))).toHaveLength(1);

    expect(logs.some((l) => l.includes('token=[redacted]'))).toBe(true);
    // The fetcher's renewal ran at log level trace, so its lines were searched too.
    expect(logs.some((l) => l.startsWith('fetcher: ') && l.includes('canvas access token renewed'))).toBe(true);
    // Every access token the simulator saw: the personal ones, the OAuth grant's first and its renewals.
    const accessTokens = Object.keys(h.sim.stats().byToken).filter((t) => t.length >= 20);
    expect(accessTokens).toContain(grant.accessToken);
    expect(accessTokens.length).toBeGreaterThanOrEqual(3);
    const oauthSecrets = [grant.code, grant.refreshToken, TEST_OAUTH_CLIENT.clientSecret, ...accessTokens];
    const needles = [...needlesFor(token), ...needlesFor(REJECTED_TOKEN), panelJwt.split('.')[2]!, ...oauthSecrets.flatMap(needlesFor)];
    const places: Record<string, string[]> = {
      'log lines': logs,
      'NATS messages (live)': tap.messages,
      'NATS messages (stored)': stored.messages,
      'api answers': answers,
      'WebSocket frames': frames,
      '/metrics': metrics,
      'database rows': rows,
    };
    for (const [where, texts] of Object.entries(places)) expect(leaksIn(texts, needles), where).toEqual([]);
  });
});
