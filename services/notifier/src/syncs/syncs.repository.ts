import { sql, type Kysely } from 'kysely';
import type { Database, EtaHistory, SyncRow } from '@canvas-sync/shared';

/** What the notifier reads about syncs; always scoped by the user id, so nobody sees another's. */
export interface SyncReader {
  findForUser(userId: string, syncId: string): Promise<SyncRow | undefined>;
  /** The user's active syncs and their most recent ones, newest first. */
  listForUser(userId: string): Promise<SyncRow[]>;
  /** Syncs by id whose seq is above the one given (a catch-up read; callers fan out per user). */
  findNewer(seqs: ReadonlyMap<string, number>): Promise<SyncRow[]>;
  /** Seconds per unit over the user's recent completed syncs; `undefined` without any. */
  etaHistory(userId: string): Promise<EtaHistory | undefined>;
}

const RECENT = 10;
const HISTORY_SYNCS = 5;

/** The Postgres implementation of {@link SyncReader}. */
export function createSyncsRepository(db: Kysely<Database>): SyncReader {
  return {
    async findForUser(userId, syncId) {
      return db.selectFrom('syncs').selectAll().where('user_id', '=', userId).where('id', '=', syncId).executeTakeFirst();
    },
    async listForUser(userId) {
      const recent = db.selectFrom('syncs').select('id').where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(RECENT);
      return db
        .selectFrom('syncs')
        .selectAll()
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('status', 'in', ['queued', 'running']), eb('id', 'in', recent)]))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
    },
    async findNewer(seqs) {
      if (seqs.size === 0) return [];
      const ids = [...seqs.keys()];
      const known = ids.map((id) => seqs.get(id)!);
      const r = await sql<SyncRow>`
        SELECT s.* FROM unnest(${ids}::uuid[], ${known}::bigint[]) AS w(id, seq)
        JOIN syncs s ON s.id = w.id AND s.seq > w.seq`.execute(db);
      return r.rows;
    },
    async etaHistory(userId) {
      const row = await db
        .selectFrom(
          db
            .selectFrom('syncs')
            .select(['units_done', sql<number>`extract(epoch from finished_at - started_at)`.as('seconds')])
            .where('user_id', '=', userId)
            .where('status', '=', 'completed')
            .where('units_done', '>', 0)
            .where('started_at', 'is not', null)
            .where('finished_at', 'is not', null)
            .orderBy('finished_at', 'desc')
            .limit(HISTORY_SYNCS)
            .as('recent'),
        )
        .select([sql<string | null>`sum(recent.seconds)`.as('seconds'), sql<string | null>`sum(recent.units_done)`.as('units')])
        .executeTakeFirst();
      const seconds = Number(row?.seconds ?? 0);
      const units = Number(row?.units ?? 0);
      return units > 0 && seconds >= 0 ? { secondsPerUnit: seconds / units } : undefined;
    },
  };
}
