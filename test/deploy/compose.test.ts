import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCompose, interpolate, loadCompose, type ComposeFile } from './compose-checks.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILE = `${ROOT}/docker-compose.yml`;
/** What an operator exports before `docker compose up` (docs/operations.md). */
const ENV = { AUTH_JWT_SECRET: 'a-long-random-secret', TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') };

describe('docker-compose.yml', () => {
  const compose = loadCompose(FILE, ENV);

  it('passes the Compose Specification schema and every cross-check', () => {
    expect(checkCompose(compose, { repoRoot: ROOT })).toEqual([]);
  });

  it('orders start-up: infrastructure healthy, then one-shot migrate and provision, then the services', () => {
    const s = compose.services;
    expect(s.nats!.command).toEqual(expect.arrayContaining(['-js', '-m', '8222']));
    expect(JSON.stringify(s.nats!.healthcheck.test)).toContain('8222/healthz');
    expect(s.postgres!.healthcheck.test).toContain('pg_isready');
    expect(s.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(s.provision!.depends_on).toEqual({ nats: { condition: 'service_healthy' } });
    for (const name of ['api', 'fetcher', 'writer', 'notifier']) {
      expect(s[name]!.depends_on).toEqual({
        nats: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
        provision: { condition: 'service_completed_successfully' },
      });
    }
    expect(s.fetcher!.deploy.replicas).toBeGreaterThan(1);
    expect(s.fetcher!.ports).toBeUndefined();
    expect(s['canvas-sim']!.profiles).toEqual(['demo']);
    expect(s['canvas-sim']!.command).toEqual(expect.arrayContaining(['--port', '4100', '--profile', 'student']));
  });

  it('refuses to start without the secrets instead of running on a default', () => {
    expect(() => loadCompose(FILE, {})).toThrow(/AUTH_JWT_SECRET|TOKEN_ENCRYPTION_KEY/);
  });
});

describe('the compose checks fail a broken file', () => {
  const pristine = loadCompose(FILE, ENV);
  const broken = (mutate: (c: ComposeFile) => void) => {
    const copy = structuredClone(pristine);
    mutate(copy);
    return checkCompose(copy, { repoRoot: ROOT }).map((f) => `${f.object}: ${f.problem}`);
  };

  it.each([
    ['a scaled service with a fixed host port', (c: ComposeFile) => (c.services.fetcher!.ports = ['3002:3002']), /service fetcher: runs 2 replicas but publishes a fixed host port/],
    ['waiting for health on a service with no healthcheck', (c: ComposeFile) => delete c.services.nats!.healthcheck, /waits for nats to be healthy, but nats has no healthcheck/],
    ['waiting for completion of a service that restarts', (c: ComposeFile) => (c.services.migrate!.restart = 'unless-stopped'), /waits for migrate to complete, but migrate restarts/],
    ['starting before the migrations finish', (c: ComposeFile) => (c.services.writer!.depends_on.migrate = { condition: 'service_started' }), /service writer: must wait for migrate to complete successfully/],
    ['a dependency on an unknown service', (c: ComposeFile) => (c.services.api!.depends_on.redis = { condition: 'service_healthy' }), /depends_on unknown service redis/],
    ['a stop grace below the shutdown deadline', (c: ComposeFile) => (c.services.writer!.stop_grace_period = '10s'), /stop_grace_period 10s must exceed SHUTDOWN_TIMEOUT_MS 20s/],
    ['a healthcheck that is not /readyz', (c: ComposeFile) => (c.services.api!.healthcheck.test = ['CMD', 'true']), /healthcheck does not probe \/readyz/],
    ['a build target missing from the Dockerfile', (c: ComposeFile) => (c.services.writer!.build.target = 'wrtier'), /build target wrtier is not a Dockerfile stage/],
    ['an entry script that does not exist', (c: ComposeFile) => (c.services['canvas-sim']!.command = ['packages/canvas-sim/dist/clii.js']), /service canvas-sim: entry packages\/canvas-sim\/dist\/clii\.js has no source/],
    ['a schema violation', (c: ComposeFile) => (c.services.api!.restart_policy = 'always'), /schema: \/services\/api must NOT have additional properties/],
    ['a bad duration', (c: ComposeFile) => (c.services.api!.healthcheck.interval = 'often'), /schema: \/services\/api\/healthcheck\/interval must match format "duration"/],
  ])('%s', (_label, mutate, expected) => {
    const findings = broken(mutate);
    expect(findings.some((f) => expected.test(f)), findings.join('\n') || '(no findings)').toBe(true);
  });

  it('interpolates like compose', () => {
    expect(interpolate('a ${X} ${Y:-d} ${Z-e} $$W $X', { X: '1', Y: '', Z: '' })).toBe('a 1 d  $W 1');
    expect(() => interpolate('${S:?set S}', { S: '' })).toThrow('S: set S');
  });
});
