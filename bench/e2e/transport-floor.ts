import { randomUUID } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { RECORDS_PART_BYTES } from '@canvas-sync/shared';
import { cpuSeconds } from '../support/proc-stats.js';
import type { Row } from './canvas-http.js';
import type { FloorRows } from './fetch-floor.js';

export interface TransportFloorResult {
  parts: number;
  bytes: number;
  /**
   * Wall time from the first row serialized to the last part parsed by the consumer, whose pull
   * is already waiting (as the writer's is); the stream's setup apart. With `rounds`, the least.
   */
  seconds: number;
  /** This process: each row serialized, the parts published and acked, then pulled, parsed and acked. */
  clientCpu: number;
  /** The NATS server over the same time; undefined when its process cannot be read (`natsPid`). */
  natsCpu: number | undefined;
}

/**
 * The transport floor: the least it costs to carry the rows the fetch floor read from one process
 * to another through JetStream as the pipeline does — each row serialized once into parts of at
 * most `RECORDS_PART_BYTES` per course, published with an ack into a file-stored stream, pulled in
 * batches, parsed and acked. No envelope, no validation, no headers, no other message. With the
 * fetch and store floors it is the least CPU the pipeline's design can take for a sync: Canvas's
 * answers read, carried, stored (docs/performance.md, "What bounds the simulator-latency ratio").
 * `rounds` (default 1) carries the rows that many times, each on a fresh stream, and reports the
 * least wall time; the CPU figures add up the rounds (the tail floor's use, `tail-floor.ts`).
 */
export async function runTransportFloor(natsUrl: string, natsPid: number | undefined, read: FloorRows, rounds = 1): Promise<TransportFloorResult> {
  const nc = await connect({ servers: natsUrl, name: 'canvas-sync-bench-transport-floor' });
  const jsm = await jetstreamManager(nc);
  const out: TransportFloorResult = { parts: 0, bytes: 0, seconds: Number.POSITIVE_INFINITY, clientCpu: 0, natsCpu: natsPid === undefined ? undefined : 0 };
  try {
    for (let round = 0; round < rounds; round++) {
      // A stream per round: a pull left waiting by the round before would take the next round's part.
      const id = randomUUID().slice(0, 8);
      const stream = `BENCH_TRANSPORT_${id.toUpperCase()}`;
      const subject = `bench-transport-${id}`;
      try {
        await jsm.streams.add({ name: stream, subjects: [`${subject}.>`], storage: StorageType.File, retention: RetentionPolicy.Workqueue });
        await jsm.consumers.add(stream, { durable_name: 'writer', ack_policy: AckPolicy.Explicit, max_ack_pending: 64 });
        const js = jetstream(nc);
        const consumer = await js.consumers.get(stream, 'writer');
        // One message through first, off the clock: a fresh stream's first write creates its files.
        await js.publish(`${subject}.warm`, new Uint8Array(1));
        for await (const m of await consumer.fetch({ max_messages: 1, expires: 1_000 })) await m.ackAck();
        // The pull waits before the first publish, as the writer's does: no request round trip on the clock.
        const first = await consumer.fetch({ max_messages: 8, expires: 1_000 });
        const natsBefore = natsPid === undefined ? 0 : cpuSeconds(natsPid);
        const before = cpuSeconds(process.pid);
        const start = performance.now();
        let parsedAt = start;
        let parts = 0;
        // `parts` is final before any message is handled: the loop below publishes without yielding.
        const pulled = (async () => {
          let received = 0;
          for (let batch = first; ; batch = await consumer.fetch({ max_messages: 8, expires: 1_000 })) {
            for await (const m of batch) {
              JSON.parse(new TextDecoder().decode(m.data));
              parsedAt = performance.now();
              await m.ackAck();
              if (++received === parts) return;
            }
          }
        })();
        const encoder = new TextEncoder();
        let bytes = 0;
        const published: Array<Promise<unknown>> = [];
        for (const text of partsAsTheFetcherMakesThem(read)) {
          const data = encoder.encode(text);
          bytes += data.length;
          published.push(js.publish(`${subject}.records`, data, { msgID: `${id}-${parts}` }));
          parts += 1;
        }
        await Promise.all([...published, pulled]);
        out.clientCpu += cpuSeconds(process.pid) - before;
        if (natsPid !== undefined) out.natsCpu! += cpuSeconds(natsPid) - natsBefore;
        Object.assign(out, { parts, bytes, seconds: Math.min(out.seconds, (parsedAt - start) / 1000) });
      } finally {
        await jsm.streams.delete(stream).catch(() => undefined);
      }
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** Per course, its rows as JSON text in parts of at most `RECORDS_PART_BYTES` (`unit-records.ts`); terms and courses first. */
function* partsAsTheFetcherMakesThem(read: FloorRows): Generator<string> {
  const units: Array<Array<[string, Row]>> = [[...read.terms.map((r) => ['terms', r] as [string, Row]), ...read.courses.map((r) => ['courses', r] as [string, Row])]];
  for (const { groups } of read.groups) {
    const rows: Array<[string, Row]> = [];
    for (const group of groups) rows.push(['assignment_groups', group]);
    units.push(rows);
  }
  for (const rows of units) {
    let part = new Map<string, string[]>();
    let size = 0;
    const flush = () => `{${[...part].map(([resource, list]) => `${JSON.stringify(resource)}:[${list.join(',')}]`).join(',')}}`;
    const add = function* (resource: string, row: Row): Generator<string> {
      const json = JSON.stringify(row);
      if (size > 0 && size + json.length > RECORDS_PART_BYTES) {
        yield flush();
        part = new Map();
        size = 0;
      }
      const list = part.get(resource) ?? [];
      list.push(json);
      part.set(resource, list);
      size += json.length + 1;
    };
    for (const [resource, row] of rows) {
      if (resource !== 'assignment_groups') {
        yield* add(resource, row);
        continue;
      }
      // As the fetcher splits them (fetch-unit.handler.ts): an embedded list leaves its row by being
      // set to undefined while the row is serialized (put back after: the rows are the floor's).
      const assignments = row.assignments as Row[] | undefined;
      row.assignments = undefined;
      yield* add(resource, row);
      row.assignments = assignments;
      for (const assignment of assignments ?? []) {
        const submission = assignment.submission as Row | undefined;
        assignment.submission = undefined;
        yield* add('assignments', assignment);
        assignment.submission = submission;
        if (submission) yield* add('submissions', submission);
      }
    }
    yield flush();
  }
}
