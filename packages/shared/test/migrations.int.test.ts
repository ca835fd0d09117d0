import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createEmptyDatabase } from '@canvas-sync/testkit';
import { createDb, migrateToLatest, pendingMigrations } from '@canvas-sync/shared';

describe('migrations', () => {
  let target: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    target = await createEmptyDatabase();
  });
  afterAll(async () => target.drop());

  it('apply to an empty database and are idempotent', async () => {
    const db = createDb({ url: target.url, poolMax: 1 });
    try {
      expect((await pendingMigrations(db)).length).toBeGreaterThan(0);
      const first = await migrateToLatest(db);
      expect(first.results?.every((r) => r.status === 'Success')).toBe(true);
      const second = await migrateToLatest(db);
      expect(second.results).toEqual([]);
      expect(await pendingMigrations(db)).toEqual([]);
      const tables = await sql<{ t: string }>`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('canvas','public') ORDER BY 1`.execute(db);
      expect(tables.rows.map((r) => r.t)).toEqual(
        expect.arrayContaining(['canvas.assignment_groups', 'canvas.assignments', 'canvas.courses', 'canvas.submissions', 'canvas.terms', 'public.connections', 'public.oauth_states', 'public.syncs', 'public.sync_units', 'public.sync_unit_parts']),
      );
    } finally {
      await db.destroy();
    }
  });
});
