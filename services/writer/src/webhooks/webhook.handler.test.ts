import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { MessageContext } from '@canvas-sync/shared';
import type { PostOutcome } from './webhook.client.js';
import { retryDelay, webhookHandler, type WebhookHandlerDeps } from './webhook.handler.js';

const T0 = Date.parse('2026-12-06T12:00:00Z');
const ctx = (deliveryCount: number): MessageContext => ({ msgId: 'evt-1', correlationId: 'c', occurredAt: new Date(T0).toISOString(), deliveryCount, lastDelivery: false, traceparent: undefined, logger: pino({ level: 'silent' }) });

function setup(outcome: PostOutcome, nowMs: number, events: Array<'sync.finished' | 'canvas.changes'> = ['sync.finished']) {
  const posts: Array<{ body: string; headers: Record<string, string> }> = [];
  const deadLetters: unknown[] = [];
  const attempts: string[] = [];
  const deps: WebhookHandlerDeps = {
    post: async (body, headers) => {
      posts.push({ body, headers });
      return outcome;
    },
    secret: 's'.repeat(32),
    events: new Set(events),
    retry: { baseMs: 10_000, maxMs: 3_600_000, windowMs: 24 * 3_600_000 },
    metrics: { attempt: (o) => attempts.push(o) },
    deadLetter: async (r) => void deadLetters.push(r),
    now: () => nowMs,
  };
  return { handle: webhookHandler(deps, 'sync.finished', () => 'sync.finished.v1.u1'), posts, deadLetters, attempts };
}

describe('webhookHandler', () => {
  it('acks a 2xx; the body is {id, type, createdAt, data} with createdAt the event time, signed at the attempt time', async () => {
    const t = setup({ ok: true, status: 204 }, T0 + 90_000);
    expect(await t.handle({ userId: 'u1' }, ctx(1))).toBe('ack');
    expect(JSON.parse(t.posts[0]!.body)).toEqual({ id: 'evt-1', type: 'sync.finished', createdAt: new Date(T0).toISOString(), data: { userId: 'u1' } });
    expect(t.posts[0]!.headers['Canvas-Sync-Signature']).toMatch(new RegExp(`^t=${(T0 + 90_000) / 1000},v1=[0-9a-f]{64}$`));
    expect(t.attempts).toEqual(['delivered']);
  });

  it('acks a type not in WEBHOOK_EVENTS without sending it', async () => {
    const t = setup({ ok: true, status: 200 }, T0, ['canvas.changes']);
    expect(await t.handle({ userId: 'u1' }, ctx(1))).toBe('ack');
    expect(t.posts).toEqual([]);
  });

  it('naks a failure with a growing, capped delay that never passes the end of the window', async () => {
    const t = setup({ ok: false, status: 500, reason: 'HTTP 500' }, T0 + 60_000);
    const first = (await t.handle({ userId: 'u1' }, ctx(1))) as { nak: number };
    expect(first.nak).toBeGreaterThanOrEqual(5_000);
    expect(first.nak).toBeLessThanOrEqual(10_000);
    for (let n = 1; n < 40; n++) expect(retryDelay({ baseMs: 10_000, maxMs: 3_600_000, windowMs: 0 }, n)).toBeLessThanOrEqual(3_600_000);
    expect(retryDelay({ baseMs: 10_000, maxMs: 3_600_000, windowMs: 0 }, 30)).toBeGreaterThanOrEqual(1_800_000);
    const late = setup({ ok: false, status: undefined, reason: 'ECONNREFUSED' }, T0 + 24 * 3_600_000 - 2_000);
    expect(await late.handle({ userId: 'u1' }, ctx(30))).toEqual({ nak: 2_000 });
    expect(t.attempts).toEqual(['failed']);
  });

  it('past the window: a dead-letter record, the metric, and an ack', async () => {
    const t = setup({ ok: false, status: undefined, reason: 'timeout' }, T0 + 24 * 3_600_000);
    expect(await t.handle({ userId: 'u1' }, ctx(35))).toBe('ack');
    expect(t.deadLetters).toEqual([{ subject: 'sync.finished.v1.u1', messageId: 'evt-1', deliveries: 35, reason: expect.stringContaining('last: timeout'), code: 'webhook_undeliverable' }]);
    expect(t.attempts).toEqual(['given_up']);
  });
});
