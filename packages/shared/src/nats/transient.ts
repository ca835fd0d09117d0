import { JetStreamApiError } from '@nats-io/jetstream';
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';

/**
 * True for broker failures after which the same work may succeed: a request or publish that timed
 * out, a connection lost or closing, no responders (JetStream still recovering its streams after a
 * server restart), a 503 from the JetStream API. Found while restarting nats-server mid-sync: a
 * publish ack that timed out was treated as permanent, the message was given up and the sync
 * failed with `internal` (docs/reliability.md). A closed or draining connection is included: the
 * process is going away, so the message must come back to another one rather than be dead-lettered.
 */
export function isTransientBrokerError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    if (e instanceof TimeoutError || e instanceof ConnectionError || e instanceof NoRespondersError) return true;
    if (e instanceof ClosedConnectionError || e instanceof DrainingConnectionError) return true;
    if (e instanceof JetStreamApiError && e.status === 503) return true;
    // A RequestError wraps the real reason (timeout, no responders) as its cause: look there.
    if (!(e instanceof RequestError) && e.cause === undefined) return false;
  }
  return false;
}
