import { describe, expect, it } from 'vitest';
import { ClosedConnectionError, ConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import { AppError } from '../errors/index.js';
import { isTransientBrokerError } from './transient.js';

describe('isTransientBrokerError', () => {
  it.each([
    ['a publish ack that timed out', new TimeoutError()],
    ['a lost connection', new ConnectionError('disconnected')],
    ['no responders (JetStream recovering)', new NoRespondersError('t.sync.fetch.v1')],
    ['a request error wrapping a timeout', new RequestError('request failed', { cause: new TimeoutError() })],
    ['a closing connection', new ClosedConnectionError()],
    ['a JetStream API 503', new JetStreamApiError({ code: 503, err_code: 10008, description: 'JetStream system temporarily unavailable' })],
    ['an app error caused by a timeout', new AppError('internal', 'wrapped', { cause: new TimeoutError() })],
  ])('retries %s', (_name, err) => {
    expect(isTransientBrokerError(err)).toBe(true);
  });

  it.each([
    ['a plain error', new Error('boom')],
    ['a validation error', new AppError('message_invalid')],
    ['a JetStream API 400', new JetStreamApiError({ code: 400, err_code: 10071, description: 'wrong last sequence' })],
    ['not an error', 'timeout'],
    ['nothing', undefined],
  ])('does not retry %s', (_name, err) => {
    expect(isTransientBrokerError(err)).toBe(false);
  });
});
