import { describe, expect, it } from 'vitest';
import { isRetryable, isTransientPgError, toAppError } from './app-error.js';

describe('transient Postgres errors', () => {
  it.each([
    ['admin shutdown (server restarting)', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['cannot connect now (starting up)', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a client whose connection already failed', new Error('Client has encountered a connection error and is not queryable')],
    ['no connection within the pool timeout', new Error('timeout exceeded when trying to connect')],
    ['a connect that timed out', new Error('Connection terminated due to connection timeout')],
    // What a pool hands the api while the server is down (seen in the soak's Postgres restart).
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' })],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' })],
  ])('retries %s', (_name, err) => {
    expect(isTransientPgError(err)).toBe(true);
    expect(isRetryable(err)).toBe(true);
    expect(toAppError(err).code).toBe('db_unavailable');
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a syntax error', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['an unrelated error', new Error('Connection to the printer terminated')],
  ])('does not retry %s', (_name, err) => {
    expect(isTransientPgError(err)).toBe(false);
  });
});
