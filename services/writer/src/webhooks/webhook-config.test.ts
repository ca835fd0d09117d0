import { describe, expect, it } from 'vitest';
import { loadWriterConfig } from '../config.js';

const URL_ = 'http://10.0.0.5:8080/hooks?token=receiver-token';
const LONG = 'x'.repeat(32);

const errorOf = (env: Record<string, string>): string => {
  try {
    loadWriterConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected config_invalid');
};

describe('webhook config', () => {
  it('is off without WEBHOOK_URL', () => {
    expect(loadWriterConfig({}).webhooks).toBeUndefined();
    expect(loadWriterConfig({ WEBHOOK_URL: '  ', WEBHOOK_SECRET: 'unused' }).webhooks).toBeUndefined();
  });

  it('takes any address (the operator chooses it), defaults to sync.finished, 10 s, 4 at once', () => {
    expect(loadWriterConfig({ WEBHOOK_URL: URL_, WEBHOOK_SECRET: `  ${LONG}\n` }).webhooks).toEqual({ url: URL_, secret: LONG, events: ['sync.finished'], timeoutMs: 10_000, concurrency: 4 });
    expect(loadWriterConfig({ WEBHOOK_URL: URL_, WEBHOOK_SECRET: LONG, WEBHOOK_EVENTS: ' canvas.changes , sync.finished,canvas.changes' }).webhooks?.events).toEqual(['canvas.changes', 'sync.finished']);
  });

  it('refuses WEBHOOK_URL without WEBHOOK_SECRET, naming the variable', () => {
    expect(errorOf({ WEBHOOK_URL: URL_ })).toMatch(/WEBHOOK_SECRET: is required when WEBHOOK_URL is set/);
  });

  it('refuses a short secret in production, never echoing it', () => {
    const message = errorOf({ WEBHOOK_URL: URL_, WEBHOOK_SECRET: 'short-secret-123', NODE_ENV: 'production' });
    expect(message).toMatch(/WEBHOOK_SECRET: must be at least 32 characters/);
    expect(message).not.toContain('short-secret-123');
    expect(loadWriterConfig({ WEBHOOK_URL: URL_, WEBHOOK_SECRET: 'short-secret-123' }).webhooks?.secret).toBe('short-secret-123');
    expect(loadWriterConfig({ WEBHOOK_URL: URL_, WEBHOOK_SECRET: LONG, DEMO: '0' }).webhooks?.secret).toBe(LONG);
  });

  it('refuses unknown event types and non-http URLs without echoing the URL', () => {
    expect(errorOf({ WEBHOOK_URL: URL_, WEBHOOK_SECRET: LONG, WEBHOOK_EVENTS: 'sync.finished,grades' })).toMatch(/WEBHOOK_EVENTS: unknown event type\(s\) "grades"/);
    const bad = errorOf({ WEBHOOK_URL: 'not a url?token=receiver-token', WEBHOOK_SECRET: LONG });
    expect(bad).toMatch(/WEBHOOK_URL: must be an http/);
    expect(bad).not.toContain('receiver-token');
    expect(errorOf({ WEBHOOK_URL: 'ftp://x/', WEBHOOK_SECRET: LONG })).toMatch(/WEBHOOK_URL: must use http: or https:/);
    const creds = errorOf({ WEBHOOK_URL: 'https://hook:pa55word@host.example/x', WEBHOOK_SECRET: LONG });
    expect(creds).toMatch(/WEBHOOK_URL: must not carry user:password@/);
    expect(creds).not.toContain('pa55word');
    expect(errorOf({ WEBHOOK_URL: URL_, WEBHOOK_SECRET: LONG, WEBHOOK_TIMEOUT_MS: '10' })).toMatch(/WEBHOOK_TIMEOUT_MS/);
  });
});
