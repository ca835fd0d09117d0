import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isAppError, type Env } from '@canvas-sync/shared';
import { spawnService, type ServiceName } from '@canvas-sync/testkit';
import { loadApiConfig } from '../../services/api/src/config.js';
import { loadFetcherConfig } from '../../services/fetcher/src/config.js';
import { loadNotifierConfig } from '../../services/notifier/src/config.js';
import { loadWriterConfig } from '../../services/writer/src/config.js';

/** Variables every service reads, and each service's own, with values that look like what operators type. */
const COMMON = ['NATS_URL', 'DATABASE_URL', 'NATS_NAMESPACE', 'LOG_LEVEL', 'LOG_PRETTY', 'SHUTDOWN_TIMEOUT_MS', 'DB_POOL_MAX', 'DB_PREPARED_STATEMENTS'];
const LOADERS: Array<{ name: ServiceName; load: (env: Env) => unknown; vars: string[] }> = [
  { name: 'api', load: (env) => loadApiConfig(env, () => 'not-a-key-file'), vars: [...COMMON, 'API_PORT', 'HOST', 'DEMO', 'AUTH_JWT_SECRET', 'TOKEN_ENCRYPTION_KEY', 'TOKEN_ENCRYPTION_KEYS', 'CANVAS_ALLOWED_HOSTS', 'CORS_ORIGINS', 'API_RATE_LIMIT_PER_MINUTE', 'NODE_ENV', 'METRICS_PORT', 'AUTH_JWKS_URL'] },
  { name: 'fetcher', load: loadFetcherConfig, vars: [...COMMON, 'HEALTH_PORT', 'FETCHER_CONCURRENCY', 'FETCHER_UNITS_PER_USER', 'CANVAS_MAX_IN_FLIGHT', 'CANVAS_TIMEOUT_MS', 'CANVAS_BREAKER_RESET_MS', 'TOKEN_ENCRYPTION_KEY', 'DEMO', 'NODE_ENV'] },
  { name: 'writer', load: loadWriterConfig, vars: [...COMMON, 'HEALTH_PORT', 'WRITER_CONCURRENCY', 'WRITER_BATCH_PARTS', 'SYNC_STALL_MS', 'SYNC_STALL_RETRIES', 'WATCHDOG_INTERVAL_MS', 'WEBHOOK_URL', 'WEBHOOK_SECRET', 'WEBHOOK_EVENTS', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_CONCURRENCY', 'DEMO', 'NODE_ENV'] },
  { name: 'notifier', load: loadNotifierConfig, vars: [...COMMON, 'NOTIFIER_PORT', 'DEMO', 'NODE_ENV', 'AUTH_JWT_SECRET', 'WS_ALLOWED_ORIGINS', 'WS_MAX_CONNECTIONS_PER_USER', 'WS_HEARTBEAT_MS', 'WS_MAX_FRAMES_PER_SECOND', 'WS_MAX_UNAUTHENTICATED_PER_IP', 'METRICS_PORT', 'AUTH_JWKS_URL'] },
];

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer({ min: -1_000_000, max: 10_000_000 }).map(String),
  fc.constantFrom('', ' ', '0', '1', 'true', 'no', 'NaN', '1e9', '-1', '0x10', 'nats://x', 'postgres://', 'http://wrong', '*', 'a,b,,c', '\u0000', '%00', 'production', 'https://idp.example.edu/jwks'),
);

/**
 * Invalid configuration, property-based: whatever an operator puts in the environment, each
 * service's loader either accepts it or throws one `config_invalid` naming the bad variables —
 * never another exception (a crash with a stack instead of a message).
 */
describe('configuration: any environment gives a config or a clear config_invalid', () => {
  it.each(LOADERS)('$name', ({ load, vars }) => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...vars), value, { maxKeys: 6 }), (env) => {
        try {
          load(env);
        } catch (err) {
          expect(isAppError(err, 'config_invalid'), String(err)).toBe(true);
          const named = (err as { details?: { variables?: string[] } }).details?.variables ?? [];
          // Every variable it blames is one that was set (or one required in this mode: with a JWKS, iss and aud; with a webhook URL, its secret).
          for (const v of named) expect([...Object.keys(env), 'AUTH_JWT_SECRET', 'TOKEN_ENCRYPTION_KEY', 'AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE', 'WEBHOOK_SECRET', ''].some((k) => v === k || v.startsWith(k)), `${v} in ${JSON.stringify(env)}`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it.each(LOADERS.filter((l) => l.vars.includes('TOKEN_ENCRYPTION_KEY')))('$name never echoes a bad secret in its error', ({ load }) => {
    const secret = 'SECRET-do-not-print-0123456789';
    let message = '';
    try {
      load({ TOKEN_ENCRYPTION_KEY: secret });
    } catch (err) {
      message = `${(err as Error).message} ${JSON.stringify((err as { details?: unknown }).details)}`;
    }
    expect(message).toContain('TOKEN_ENCRYPTION_KEY');
    expect(message).not.toContain(secret);
  });

  it.each(['api', 'fetcher', 'writer', 'notifier'] as const)('%s as a process: exits 1 with a JSON fatal line, code config_invalid, no stack', async (name) => {
    const service = spawnService(name, { NATS_URL: 'http://not-nats', DB_POOL_MAX: '0', SHUTDOWN_TIMEOUT_MS: 'soon', LOG_LEVEL: 'info' });
    expect(await service.exited).toBe(1);
    const json = (line: string): Record<string, unknown> | undefined => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    };
    const fatal = service.lines.map(json).find((l) => l?.level === 60 || l?.level === 'fatal');
    expect(fatal, service.lines.join('\n')).toBeDefined();
    expect(fatal).toMatchObject({ code: 'config_invalid' });
    for (const v of ['NATS_URL', 'DB_POOL_MAX', 'SHUTDOWN_TIMEOUT_MS']) expect(String(fatal!.msg)).toContain(v);
    expect(service.lines.join('\n')).not.toMatch(/\n\s+at \S+ \(/);
  });
});
