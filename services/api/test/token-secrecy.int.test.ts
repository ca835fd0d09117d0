import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';
import { startFakeCanvas, type FakeCanvas } from './support/fake-canvas.js';

const TOKEN = 'good-token';
const RECOGNISABLE = 'RECOGNISABLE-canvas-token-4f1c9e';

/** DESIGN.md "Tokens stay secret": never in NATS messages, logs, errors or API answers. */
describe('Canvas tokens stay secret through the api', () => {
  let h: ApiHarness;
  let canvas: FakeCanvas;
  const answers: string[] = [];
  beforeAll(async () => {
    canvas = await startFakeCanvas();
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
    await canvas.close();
  });

  it('a full round of calls leaves the token in no answer, log line or NATS message', async () => {
    const auth = await h.auth('u-secret');
    const call = async (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) => {
      const res = await h.app.inject({ method, url: `/api/v1${url}`, headers: auth, ...(payload ? { payload } : {}) });
      answers.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
      return res;
    };
    // A refused save (bad URL) must not echo the token either.
    await call('PUT', '/canvas/connection', { baseUrl: 'ftp://nope', accessToken: RECOGNISABLE });
    await call('PUT', '/canvas/connection', { baseUrl: canvas.url, accessToken: RECOGNISABLE });
    await call('GET', '/canvas/connection');
    await call('POST', '/canvas/connection/test'); // unknown to the fake: invalid_token
    await call('PUT', '/canvas/connection', { baseUrl: canvas.url, accessToken: TOKEN });
    await call('POST', '/canvas/connection/test');
    await call('PUT', '/canvas/connection', { baseUrl: canvas.url, accessToken: RECOGNISABLE });
    const started = await call('POST', '/syncs', { scope: { type: 'all' }, mode: 'full' });
    const id = started.json().id as string;
    await call('POST', '/syncs', { scope: { type: 'all' }, mode: 'full' });
    await call('POST', `/syncs/${id}/cancel`);
    await call('POST', `/syncs/${id}/resume`);
    await call('GET', `/syncs/${id}`);
    await call('GET', '/syncs');
    expect(canvas.requests.some((r) => r.headers.authorization === `Bearer ${RECOGNISABLE}`)).toBe(true);

    const messages: string[] = [];
    const jsm = await jetstreamManager(h.nats.nc);
    for (const stream of ['SYNC_WORK', 'SYNC_PROGRESS', 'SYNC_RESULTS', 'DEAD_LETTERS'] as const) {
      const name = h.nats.ns.stream(stream);
      const info = await jsm.streams.info(name);
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const msg = await jsm.streams.getMessage(name, { seq }).catch(() => null);
        if (msg) messages.push(new TextDecoder().decode(msg.data));
      }
    }
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const [what, texts] of [['answers', answers], ['log lines', h.logLines], ['NATS messages', messages]] as const) {
      expect(texts.length, what).toBeGreaterThan(0);
      expect(texts.filter((t) => t.includes(RECOGNISABLE) || t.includes(TOKEN)), what).toEqual([]);
    }
  });
});
