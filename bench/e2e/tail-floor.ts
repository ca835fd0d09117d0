import type { FloorRows } from './fetch-floor.js';
import { runStoreFloor } from './store-floor.js';
import { runTransportFloor } from './transport-floor.js';

export interface TailFloorResult {
  /** transport + store: the least time from the last course's answer read to its rows committed. */
  seconds: number;
  transportSeconds: number;
  storeSeconds: number;
  rows: number;
}

/** Rounds of each step; the least is kept, so the tail is what the machine can do at best (a warm connection, no other work). */
const ROUNDS = 3;

/**
 * The tail floor: what must follow the fetch floor's last answer in any pipeline of this design,
 * one step after the other. The floor's time ends when its last course's answer is read and
 * parsed; in the pipeline that course's rows are then still to be carried (serialized into its
 * part, published, pulled, parsed: the transport floor) and stored (prepared, copied, committed:
 * the store floor), and the sync cannot complete before they are, because a part is one message
 * and one transaction. So floor + tail floor is a lower bound of the pipeline's time at this
 * latency on this machine, before any hop of its own (the start request, the plan, the unit,
 * the checkpoints, the completion), and (floor + tail floor) / floor the least pipeline/floor it
 * can reach (docs/performance.md, "What bounds pipeline/floor at simulator latency").
 */
export async function runTailFloor(options: { databaseUrl: string; natsUrl: string; userId: string; read: FloorRows; courseId: number }): Promise<TailFloorResult> {
  const course = options.read.groups.find((g) => g.courseId === options.courseId);
  if (!course) throw new Error(`tail floor: the floor read no course ${options.courseId}`);
  const last: FloorRows = { terms: [], courses: [], groups: [course] };
  const transport = await runTransportFloor(options.natsUrl, undefined, last, ROUNDS);
  const store = await runStoreFloor(options.databaseUrl, options.userId, last, ROUNDS);
  return { seconds: transport.seconds + store.seconds, transportSeconds: transport.seconds, storeSeconds: store.seconds, rows: store.rows };
}
