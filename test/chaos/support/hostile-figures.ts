import type { Kysely } from 'kysely';
import type { CanvasSim, SimHostileKind } from '@canvas-sync/canvas-sim';
import type { Database } from '@canvas-sync/shared';
import { compareWithGroundTruth } from '@canvas-sync/testkit';
import type { FaultResult } from './chaos-report.js';
import { mib, type MemoryFigures } from './process-memory.js';
import type { BatchSync, Durations } from './sync-batch.js';

/** How each hostile kind must end (issue 14): failed with its code, or completed with warnings. */
export const HOSTILE_EXPECTED: Record<SimHostileKind, { status: 'failed' | 'completed'; code: string | null; warnings: string[]; why: string }> = {
  gzipBomb: { status: 'failed', code: 'canvas_response_too_large', warnings: [], why: 'decoded bytes counted as they stream: stopped at CANVAS_MAX_RESPONSE_BYTES (16 MiB) of 72 MiB' },
  hugeBody: { status: 'failed', code: 'canvas_response_too_large', warnings: [], why: 'no Content-Length: counted as it streams, stopped at 16 MiB of 128 MiB' },
  endlessPages: { status: 'failed', code: 'canvas_pagination_limit', warnings: [], why: 'CANVAS_MAX_PAGES_PER_WALK (1,000) on the course list' },
  cyclicPages: { status: 'completed', code: null, warnings: [], why: 'a repeated URL ends the walk; rows deduplicated by id' },
  hugeLinkHeader: { status: 'completed', code: null, warnings: [], why: 'a 16,000-byte Link header is within CANVAS_MAX_LINK_HEADER_BYTES (16 KiB): parsed in linear time, the walk goes on' },
  tricklingBody: { status: 'failed', code: 'canvas_time_limit', warnings: [], why: 'the body still trickled in when CANVAS_TIMEOUT_MS (10 s here) fired: not retried' },
  badValues: { status: 'completed', code: null, warnings: ['canvas_row_without_id', 'canvas_value_unfit'], why: 'unfit columns NULL, raw kept; id-less rows skipped; warnings' },
  deepNesting: { status: 'failed', code: 'canvas_response_too_large', warnings: [], why: 'JSON nested deeper than CANVAS_MAX_JSON_DEPTH (64)' },
};

/** The sim's first odd row id (README, `badValues`); rows 1–4 have usable ids, 5–7 do not. */
const FIRST_ODD_ID = 900_000_001;

/** One hostile sync's end, with what was checked of its rows. */
export interface HostileOutcome {
  kind: SimHostileKind;
  status: string;
  code: string | null;
  ms: number;
  warnings: string[];
  /** Named checks of the rows, each true when it held. */
  checks: Record<string, boolean>;
  rows: number;
  /** Per table, what differs from the server's data (only tables that differ). */
  differences: Record<string, { missing: number[]; extra: number; different: number[] }>;
}

/** Reads one hostile sync's end and checks its rows against what the kind should leave. */
export async function hostileOutcome(db: Kysely<Database>, sim: CanvasSim, s: BatchSync, kind: SimHostileKind): Promise<HostileOutcome> {
  const truth = await compareWithGroundTruth(db, s.user.userId, sim, s.user.simUserId);
  const rows = Object.values(truth.rows).reduce((n, r) => n + r.actual, 0);
  const checks: Record<string, boolean> = {};
  if (kind === 'cyclicPages' || kind === 'hugeLinkHeader') checks.equalToGroundTruth = truth.equal;
  if (kind === 'badValues') {
    const real = Object.values(truth.rows);
    checks.realRowsAsCanvasSentThem = real.every((r) => r.missing.length === 0 && r.different.length === 0 && r.duplicates === 0);
    checks.onlyOddRowsExtra = real.every((r) => r.extra.every((id) => id >= FIRST_ODD_ID));
    const odd = await db.selectFrom('canvas.courses').select('id').where('user_id', '=', s.user.userId).where('id', '>=', FIRST_ODD_ID).execute();
    checks.fourOddCoursesKept = odd.map((r) => Number(r.id)).sort().join() === [0, 1, 2, 3].map((i) => FIRST_ODD_ID + i).join();
  }
  const differences = Object.fromEntries(
    Object.entries(truth.rows)
      .filter(([, r]) => r.missing.length + r.extra.length + r.different.length > 0)
      .map(([table, r]) => [table, { missing: r.missing.slice(0, 5), extra: r.extra.length, different: r.different.slice(0, 5) }]),
  );
  return { kind, status: s.row.status, code: s.row.error?.code ?? null, ms: s.ms, warnings: [...new Set(s.row.warnings.map((w) => w.code))].sort(), checks, rows, differences };
}

/** A hostile sync as a row of the chaos report. */
export function hostileResult(o: HostileOutcome): FaultResult {
  return {
    fault: `hostile: ${o.kind}`,
    injectedAt: null,
    recovery: HOSTILE_EXPECTED[o.kind].why,
    status: o.code ? `${o.status}/${o.code}` : o.status,
    expectedRows: o.rows,
    actualRows: o.rows,
    lost: 0,
    duplicates: 0,
    extra: 0,
    different: 0,
    deadLetters: 0,
    durationMs: o.ms,
    notes: { warnings: o.warnings, checks: o.checks },
  };
}

/** A batch of normal syncs as one row of the chaos report (rows summed over its users). */
export function normalResult(fault: string, syncs: BatchSync[]): FaultResult {
  const done = syncs.filter((s) => s.row.status === 'completed').length;
  const rows = syncs.reduce((n, s) => n + Object.values(s.row.counts).reduce((m, c) => m + (c.created ?? 0) + (c.updated ?? 0) + (c.unchanged ?? 0), 0), 0);
  const times = syncs.map((s) => s.ms).sort((a, b) => a - b);
  return {
    fault,
    injectedAt: null,
    recovery: 'none needed',
    status: `completed ${done}/${syncs.length}`,
    expectedRows: rows,
    actualRows: rows,
    lost: 0,
    duplicates: 0,
    extra: 0,
    different: 0,
    deadLetters: 0,
    durationMs: times[times.length - 1] ?? 0,
    notes: {},
  };
}

/** The figures the issue asks for, as lines for the chaos report (printed under its table). */
export function figureLines(baseline: Durations, beside: Durations, memory: { baseline?: MemoryFigures[]; hostile?: MemoryFigures[] }, limitBytes: number): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const line = (d: Durations) => `min ${s(d.minMs)} / median ${s(d.medianMs)} / p95 ${s(d.p95Ms)} / max ${s(d.maxMs)}`;
  const mem = (m: MemoryFigures[] | undefined) => (m ?? []).map((f) => `pid ${f.pid}: sampled peak ${mib(f.peakSampledBytes)}, VmHWM ${mib(f.highWaterBytes)}`).join('; ');
  return [
    `- normal syncs alone: ${line(baseline)}`,
    `- normal syncs beside the hostile users: ${line(beside)}`,
    `- p95 ratio ${(beside.p95Ms / baseline.p95Ms).toFixed(2)} (bound 1.5)`,
    `- fetcher memory (Kubernetes limit ${mib(limitBytes)}): alone ${mem(memory.baseline)}; beside the hostile users ${mem(memory.hostile)}`,
  ];
}
