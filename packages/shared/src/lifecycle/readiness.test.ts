import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer } from './health-server.js';
import { readinessAnswer, runReadiness, type ReadinessCheck } from './readiness.js';

const LEAKY = 'connect ECONNREFUSED 10.0.4.7:5432 (user canvas_sync)';
const checks: ReadinessCheck[] = [
  { name: 'nats', check: async () => undefined },
  {
    name: 'postgres',
    check: async () => {
      throw new Error(LEAKY);
    },
  },
];

describe('readiness', () => {
  it('says ok/failed per check name publicly; the error text goes to problems and the log only', async () => {
    const logged: object[] = [];
    const report = await runReadiness(checks, false, { warn: (obj) => void logged.push(obj) });
    const pub = readinessAnswer(report);
    expect(pub).toEqual({ status: 503, body: { status: 'not ready', checks: { nats: 'ok', postgres: 'failed' } } });
    expect(JSON.stringify(pub)).not.toContain('10.0.4.7');
    expect(readinessAnswer(report, true).body.problems).toEqual({ postgres: LEAKY });
    expect(logged).toEqual([{ problems: { postgres: LEAKY } }]);
  });

  it('is not ready while shutting down', async () => {
    const report = await runReadiness([checks[0]!], true);
    expect(readinessAnswer(report)).toEqual({ status: 503, body: { status: 'not ready', checks: { nats: 'ok', shutdown: 'in progress' } } });
  });
});

describe('startHealthServer', () => {
  let server: Server | undefined;
  afterEach(async () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const url = (path: string) => {
    const address = server!.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${path}`;
  };

  it('keeps error texts out of /readyz unless it is the operator port (readinessDetail)', async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', checks, isShuttingDown: () => false });
    expect(await (await fetch(url('/readyz'))).text()).not.toContain('10.0.4.7');
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = await startHealthServer({ port: 0, host: '127.0.0.1', checks, isShuttingDown: () => false, readinessDetail: true });
    expect(await (await fetch(url('/readyz'))).json()).toMatchObject({ problems: { postgres: LEAKY } });
  });
});
