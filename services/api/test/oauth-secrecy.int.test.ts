import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { jetstreamManager } from '@nats-io/jetstream';
import type { ApiHarness } from './support/api-harness.js';
import { startFakeOAuthCanvas, type FakeOAuthCanvas } from './support/fake-oauth-canvas.js';
import { authorizeParams, callback, startAuthorization, startOAuthApi } from './support/oauth-harness.js';

/** Every shape a secret could be written in. */
const variants = (secret: string) => [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), encodeURIComponent(secret), secret.slice(-16)];

/** Issue 13: access tokens, refresh tokens, codes, states and client secrets stay out of answers, logs, NATS and rows. */
describe('OAuth secrets stay secret through the api', () => {
  let canvas: FakeOAuthCanvas;
  let h: ApiHarness;
  beforeAll(async () => {
    canvas = await startFakeOAuthCanvas();
    h = await startOAuthApi(canvas);
  });
  afterAll(async () => {
    await h?.close();
    await canvas?.close();
  });

  it('a connect, renew, sync, disconnect and erase round leaves no secret anywhere', async () => {
    const answers: string[] = [];
    const states: string[] = [];
    const record = (res: LightMyRequestResponse) => {
      answers.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
      return res;
    };
    const call = async (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
      record(await h.app.inject({ method, url: `/api/v1${url}`, headers: await h.auth('u-secret'), ...(payload ? { payload } : {}) }));

    const connect = async (outcome: 'code' | 'deny' | 'wrong-uri') => {
      const started = record(await startAuthorization(h, 'u-secret', { baseUrl: canvas.url, returnTo: '/panel' }));
      const { state, redirectUri } = authorizeParams(started.json().authorizeUrl);
      states.push(state);
      const query: Record<string, string> =
        outcome === 'code' ? { code: canvas.issueCode(redirectUri), state } : outcome === 'deny' ? { error: 'access_denied', state } : { code: canvas.issueCode('https://x.example/cb'), state };
      record(await callback(h, query));
      // A replay of the same state and code.
      record(await callback(h, query));
    };
    await connect('wrong-uri');
    await connect('code');
    await connect('deny');
    await call('GET', '/canvas/connection');
    await call('POST', '/canvas/connection/test');
    await h.database.db.updateTable('connections').set({ access_expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', 'u-secret').execute();
    await call('POST', '/canvas/connection/test');
    const started = await call('POST', '/syncs', { scope: { type: 'all' }, mode: 'full' });
    await call('POST', `/syncs/${started.json().id as string}/cancel`);
    await call('DELETE', '/canvas/data');
    await call('DELETE', '/canvas/connection');
    expect(canvas.revocations).toHaveLength(1);
    expect(canvas.grants.refresh_token).toBe(1);

    const messages: string[] = [];
    const jsm = await jetstreamManager(h.nats.nc);
    for await (const stream of jsm.streams.list()) {
      const info = stream;
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const msg = await jsm.streams.getMessage(info.config.name, { seq }).catch(() => null);
        if (msg) messages.push(new TextDecoder().decode(msg.data));
      }
    }
    const tables = await sql<{ schema: string; name: string }>`
      SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_schema IN ('public', 'canvas') AND table_type = 'BASE TABLE'`.execute(h.database.db);
    const rows: string[] = [];
    for (const table of tables.rows) {
      const all = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(`${table.schema}.${table.name}`)}`.execute(h.database.db);
      rows.push(...all.rows.map((r) => `${table.name} ${JSON.stringify(r)}`));
    }
    const secrets = [...canvas.secrets(), ...states];
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    for (const [what, texts] of [['answers', answers], ['log lines', h.logLines], ['NATS messages', messages], ['database rows', rows]] as const) {
      expect(texts.length, what).toBeGreaterThan(0);
      // The start answer hands the state to the browser on purpose; it must be nowhere else.
      for (const secret of what === 'answers' ? canvas.secrets() : secrets) expect(texts.filter((t) => variants(secret).some((v) => t.includes(v))), `${what}: ${secret.slice(0, 6)}…`).toEqual([]);
    }
  });
});
