import { describe, expect, it } from 'vitest';
import { planServer, safeUrl, serversSetting } from './server-plan.js';

describe('which servers a test run uses', () => {
  it('uses the local defaults when they answer, and starts its own when they do not', () => {
    expect(planServer('postgres', {}, undefined)).toEqual({ use: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(planServer('nats', {}, undefined)).toEqual({ use: 'nats://127.0.0.1:4222' });
    expect(planServer('postgres', {}, 'connect ECONNREFUSED')).toEqual({ start: true, why: 'no Postgres at postgres://postgres@127.0.0.1:5432/postgres (connect ECONNREFUSED)' });
    expect(planServer('nats', { TEST_SERVERS: 'auto' }, 'down')).toMatchObject({ start: true });
  });

  it('uses a named server that answers, and stops the run, saying how to go on, when it does not', () => {
    const env = { TEST_NATS_URL: 'nats://10.0.0.9:4222' };
    expect(planServer('nats', env, undefined)).toEqual({ use: 'nats://10.0.0.9:4222' });
    const choice = planServer('nats', env, 'down');
    expect(choice).toEqual({ fail: expect.stringContaining('TEST_NATS_URL names NATS with JetStream at nats://10.0.0.9:4222 (down)') });
    expect((choice as { fail: string }).fail).toContain('TEST_SERVERS=own');
  });

  it('starts its own with TEST_SERVERS=own whatever answers, and never with TEST_SERVERS=existing', () => {
    expect(planServer('postgres', { TEST_SERVERS: 'own', TEST_POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/postgres' }, undefined)).toEqual({ start: true, why: 'TEST_SERVERS=own' });
    expect(planServer('nats', { TEST_SERVERS: 'OWN' }, undefined)).toMatchObject({ start: true });
    expect(planServer('nats', { TEST_SERVERS: 'existing' }, 'down')).toEqual({ fail: expect.stringContaining('TEST_SERVERS=existing starts none') });
    expect(planServer('nats', { TEST_SERVERS: 'existing' }, undefined)).toEqual({ use: 'nats://127.0.0.1:4222' });
  });

  it('refuses an unknown TEST_SERVERS value instead of guessing', () => {
    expect(() => serversSetting({ TEST_SERVERS: 'docker' })).toThrow('TEST_SERVERS=docker is not one of auto, own, existing');
  });

  it('never puts a password in its messages', () => {
    const choice = planServer('postgres', { TEST_POSTGRES_URL: 'postgres://app:s3cret-pw@db.internal:5432/postgres' }, 'timeout');
    expect(JSON.stringify(choice)).not.toContain('s3cret-pw');
    expect(safeUrl('postgres://app:s3cret-pw@h/db')).toBe('postgres://app:***@h/db');
  });
});
