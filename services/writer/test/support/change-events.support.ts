import { isDeepStrictEqual } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { sql } from 'kysely';
import { RESOURCES, type Envelope } from '@canvas-sync/shared';
import { waitFor, type PipelineHarness } from '@canvas-sync/testkit';

type Ids = Record<string, { created: number[]; updated: number[]; deleted: number[] }>;

/** Every message of the namespace's CANVAS_EVENTS stream, in stream order. */
export async function streamEvents(h: PipelineHarness): Promise<Array<Envelope & { subject: string }>> {
  const jsm = await jetstreamManager(h.nats.nc);
  const name = h.nats.ns.stream('CANVAS_EVENTS');
  const { state } = await jsm.streams.info(name);
  const out: Array<Envelope & { subject: string }> = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(name, { seq });
    if (m) out.push({ ...(m.json() as Envelope), subject: m.subject });
  }
  return out;
}

/** Waits until the relay has published every outbox row. */
export async function outboxDrained(h: PipelineHarness, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL`.execute(h.database.db);
    return r.rows[0]!.n === 0;
  }, timeoutMs, 'the outbox to be published');
}

/** The simulator's ground truth of a user: per resource, id → the object as Canvas serves it. */
export function truthOf(h: PipelineHarness, simUserId: number): Record<string, Map<number, unknown>> {
  const t = h.sim.groundTruth(simUserId) as unknown as Record<string, Array<{ id: number }>>;
  const key = { terms: 'terms', courses: 'courses', assignment_groups: 'assignmentGroups', assignments: 'assignments', submissions: 'submissions' } as const;
  return Object.fromEntries(RESOURCES.map((r) => [r, new Map(t[key[r]]!.map((row) => [row.id, JSON.parse(JSON.stringify(row))]))]));
}

/** What changed between two ground truths, per resource (sorted ids). */
export function truthDiff(before: Record<string, Map<number, unknown>>, after: Record<string, Map<number, unknown>>): Ids {
  const out: Ids = {};
  for (const r of RESOURCES) {
    const b = before[r]!;
    const a = after[r]!;
    out[r] = {
      created: [...a.keys()].filter((id) => !b.has(id)).sort((x, y) => x - y),
      updated: [...a.keys()].filter((id) => b.has(id) && !isDeepStrictEqual(b.get(id), a.get(id))).sort((x, y) => x - y),
      deleted: [...b.keys()].filter((id) => !a.has(id)).sort((x, y) => x - y),
    };
  }
  return out;
}

/** The union of `canvas.changes` payloads per resource (sorted ids); duplicates are kept, so a repeat shows. */
export function idsOf(payloads: Array<{ resource: string; created: number[]; updated: number[]; deleted: number[] }>): Ids {
  const out: Ids = Object.fromEntries(RESOURCES.map((r) => [r, { created: [], updated: [], deleted: [] }]));
  for (const p of payloads) for (const k of ['created', 'updated', 'deleted'] as const) out[p.resource]![k].push(...p[k]);
  for (const r of RESOURCES) for (const k of ['created', 'updated', 'deleted'] as const) out[r]![k].sort((x, y) => x - y);
  return out;
}

/** The feed rows of a user after `seq`, as the change feed endpoint reads them. */
export async function feedAfter(h: PipelineHarness, userId: string, seq: number) {
  return h.database.db.selectFrom('change_feed').select(['seq', 'resource', 'id', 'action']).where('user_id', '=', userId).where('seq', '>', seq).orderBy('seq').execute();
}

/** Feed rows grouped like {@link idsOf}. */
export function feedIds(rows: Array<{ resource: string; id: number; action: 'created' | 'updated' | 'deleted' }>): Ids {
  const out: Ids = Object.fromEntries(RESOURCES.map((r) => [r, { created: [], updated: [], deleted: [] }]));
  for (const row of rows) out[row.resource]![row.action].push(Number(row.id));
  for (const r of RESOURCES) for (const k of ['created', 'updated', 'deleted'] as const) out[r]![k].sort((x, y) => x - y);
  return out;
}
