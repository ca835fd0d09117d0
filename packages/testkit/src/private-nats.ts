import { startNatsServer, type StartedNats } from './servers/nats-server.js';

/** A nats-server of one test: its own port and store, killable and restartable on the same store. */
export type PrivateNats = StartedNats;

/**
 * Starts a private JetStream nats-server on a random port with a temporary store (the binary from
 * `NATS_SERVER_BIN`, PATH or /usr/sbin; a clear error naming the package when there is none).
 */
export function startPrivateNats(): Promise<PrivateNats> {
  return startNatsServer({ port: 'random' });
}
