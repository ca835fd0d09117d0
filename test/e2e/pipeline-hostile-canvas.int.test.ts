import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimHostileKind } from '@canvas-sync/canvas-sim';
import { compareWithGroundTruth, startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

/**
 * Issue 14: one hostile user of each kind (canvas-sim's hostile mode) beside a normal user on one
 * fetcher. Each hostile sync ends — failed with its stable code, or completed with the odd rows
 * left out and warnings — and the normal user's sync completes with rows equal to ground truth.
 */
const KINDS: Array<[SimHostileKind, { status: 'failed'; code: string } | { status: 'completed'; warning?: string }]> = [
  ['gzipBomb', { status: 'failed', code: 'canvas_response_too_large' }],
  ['hugeBody', { status: 'failed', code: 'canvas_response_too_large' }],
  ['endlessPages', { status: 'failed', code: 'canvas_pagination_limit' }],
  ['cyclicPages', { status: 'completed' }],
  ['hugeLinkHeader', { status: 'completed' }],
  ['tricklingBody', { status: 'failed', code: 'canvas_time_limit' }],
  ['badValues', { status: 'completed', warning: 'canvas_row_without_id' }],
  ['deepNesting', { status: 'failed', code: 'canvas_response_too_large' }],
];

describe('a hostile Canvas user hurts no one else (canvas-sim hostile mode)', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipeline({
      sim: { users: [{ courses: 4, assignmentsPerCourse: 5 }, ...KINDS.map(([hostile]) => ({ courses: 3, assignmentsPerCourse: 3, hostile }))] },
      // Fewer pages per walk, so the endless walk ends sooner; every other limit is the default.
      env: { CANVAS_MAX_PAGES_PER_WALK: '200' },
    });
  }, 120_000);
  afterAll(async () => h?.close());

  it('each hostile sync ends with its code or warnings; the normal user completes with ground truth', { timeout: 240_000 }, async () => {
    const normal = h.sim.users[0]!;
    await h.connect('normal-user', normal.id);
    const hostile = KINDS.map(([kind], i) => ({ kind, user: h.sim.users[i + 1]! }));
    for (const { kind, user } of hostile) await h.connect(`hostile-${kind}`, user.id);
    const normalSync = await h.startSync('normal-user');
    const syncs = await Promise.all(hostile.map(({ kind }) => h.startSync(`hostile-${kind}`)));

    const ended = await Promise.all(syncs.map((id) => h.waitFor(id, ['completed', 'failed'], 180_000)));
    const got = ended.map((row, i) => ({ kind: KINDS[i]![0], status: row.status, code: row.error?.code, warnings: row.warnings.map((w) => w.code) }));
    expect(got.map((g) => ({ kind: g.kind, status: g.status, code: g.status === 'failed' ? g.code : undefined }))).toEqual(
      KINDS.map(([kind, want]) => ({ kind, status: want.status, code: want.status === 'failed' ? want.code : undefined })),
    );
    for (const [i, [kind, want]] of KINDS.entries()) {
      if (want.status === 'completed' && want.warning) expect(got[i]!.warnings, kind).toContain(want.warning);
    }

    const row = await h.waitFor(normalSync, ['completed', 'failed'], 120_000);
    expect(row.status).toBe('completed');
    const report = await compareWithGroundTruth(h.database.db, 'normal-user', h.sim, normal.id);
    expect(report.equal).toBe(true);
  });
});
