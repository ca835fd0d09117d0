import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { deleteStreams, namespace } from '@canvas-sync/shared';
import { createTestDatabase, freePort, spawnService, type ServiceName, type TestDatabase } from '@canvas-sync/testkit';

const SERVICES: Array<{ name: ServiceName; portVar: string }> = [
  { name: 'api', portVar: 'API_PORT' },
  { name: 'fetcher', portVar: 'HEALTH_PORT' },
  { name: 'writer', portVar: 'HEALTH_PORT' },
  { name: 'notifier', portVar: 'NOTIFIER_PORT' },
];

describe('each service as its own process', () => {
  let database: TestDatabase;
  const namespaces: string[] = [];
  const ns = (prefix: string) => {
    const name = `${prefix}${Date.now().toString(36)}${namespaces.length}`;
    namespaces.push(name);
    return name;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    // Services provision their namespace's streams at start-up; leave the shared server as we found it.
    const nc = await connect({ servers: inject('testInfra').natsUrl });
    for (const name of namespaces) await deleteStreams(nc, namespace(name));
    await nc.close();
    await database.drop();
  });

  it.each(SERVICES)('$name is ready with NATS and Postgres and exits 0 on SIGTERM', async ({ name, portVar }) => {
    const port = await freePort();
    const service = spawnService(name, {
      NATS_URL: inject('testInfra').natsUrl,
      DATABASE_URL: database.url,
      NATS_NAMESPACE: ns(`life${name}`),
      [portVar]: String(port),
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    await service.waitReady(port);
    const live = await fetch(`http://127.0.0.1:${port}/livez`);
    expect(live.status).toBe(200);
    const started = Date.now();
    expect(await service.kill('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each(SERVICES)('$name is not ready while Postgres does not answer', async ({ name, portVar }) => {
    const port = await freePort();
    const deadPg = await freePort();
    const service = spawnService(name, {
      NATS_URL: inject('testInfra').natsUrl,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPg}/nothing`,
      NATS_NAMESPACE: ns(`nrdy${name}`),
      [portVar]: String(port),
    });
    try {
      let status = 0;
      for (let i = 0; i < 100 && status === 0; i++) {
        status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
        if (status === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(503);
    } finally {
      await service.kill('SIGKILL');
    }
  });

  it.each(SERVICES)('$name refuses bad config, naming every bad variable', async ({ name, portVar }) => {
    const service = spawnService(name, { NATS_URL: 'http://wrong', DATABASE_URL: 'nope', [portVar]: 'seventy', LOG_LEVEL: 'info' });
    const code = await service.exited;
    expect(code).not.toBe(0);
    const out = service.lines.join('\n');
    expect(out).toContain('NATS_URL');
    expect(out).toContain('DATABASE_URL');
    expect(out).toContain(portVar);
  });
});
