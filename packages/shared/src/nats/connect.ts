import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { AppError } from '../errors/index.js';

/** Options for {@link connectNats}. */
export interface ConnectNatsOptions {
  url: string;
  name: string;
  logger: Logger;
  /** Give up the first connect after this long (ms); later reconnects go on forever. */
  timeoutMs?: number;
}

/**
 * Connects to NATS and keeps reconnecting for the life of the service: a broker restart must
 * pause work, not end it (DESIGN.md, resilience).
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.url.split(',').map((s) => s.trim()),
      name: options.name,
      timeout: options.timeoutMs ?? 5_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: false,
    });
  } catch (err) {
    throw new AppError('broker_unavailable', `Cannot connect to NATS at ${options.url}.`, { cause: err });
  }
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
        options.logger.warn({ nats: status.type }, 'nats connection status');
      }
    }
  })().catch(() => undefined);
  return nc;
}
