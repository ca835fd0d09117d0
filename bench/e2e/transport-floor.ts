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
 */
export async function runTransportFloor(natsUrl: string, natsPid: number | undefined, read: FloorRows): Promise<TransportFloorResult> {
  const nc = await connect({ servers: natsUrl, name: 'canvas-sync-bench-transport-floor' });
  const jsm = await jetstreamManager(nc);
  const id = randomUUID().slice(0, 8);
  const stream = `BENCH_TRANSPORT_${id.toUpperCase()}`;
  const subject = `bench-transport-${id}`;
  try {
    await jsm.streams.add({ name: stream, subjects: [`${subject}.>`], storage: StorageType.File, retention: RetentionPolicy.Workqueue });
    await jsm.consumers.add(stream, { durable_name: 'writer', ack_policy: AckPolicy.Explicit, max_ack_pending: 64 });
    const js = jetstream(nc);
    const consumer = await js.consumers.get(stream, 'writer');
    const natsBefore = natsPid === undefined ? 0 : cpuSeconds(natsPid);
    const before = cpuSeconds(process.pid);
    const encoder = new TextEncoder();
    let parts = 0;
    let bytes = 0;
    const published: Array<Promise<unknown>> = [];
    for (const text of partsAsTheFetcherMakesThem(read)) {
      const data = encoder.encode(text);
      bytes += data.length;
      published.push(js.publish(`${subject}.records`, data, { msgID: `${id}-${parts}` }));
      parts += 1;
    }
    await Promise.all(published);
    let received = 0;
    while (received < parts) {
      for await (const m of await consumer.fetch({ max_messages: 8, expires: 1_000 })) {
        JSON.parse(new TextDecoder().decode(m.data));
        await m.ackAck();
        received += 1;
        if (received === parts) break;
      }
    }
    return { parts, bytes, clientCpu: cpuSeconds(process.pid) - before, natsCpu: natsPid === undefined ? undefined : cpuSeconds(natsPid) - natsBefore };
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
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
