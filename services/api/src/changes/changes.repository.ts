import type { Kysely } from 'kysely';
import type { Database } from '@canvas-sync/shared';

/** One row of the change feed as the endpoint returns it. */
export interface FeedRow {
  seq: number;
  resource: string;
  id: number;
  action: 'created' | 'updated' | 'deleted';
  at: Date;
}

/** Reads the user's change feed (every query keyed by the caller's user id). */
export interface ChangeFeedStore {
  /** Rows after `seq`, in seq order (= commit order), at most `limit`. */
  after(userId: string, seq: number, limit: number): Promise<FeedRow[]>;
  /** Feed seqs up to this one were pruned or erased (0: none). */
  prunedThrough(userId: string): Promise<number>;
}

export function changeFeedStore(db: Kysely<Database>): ChangeFeedStore {
  return {
    after: (userId, seq, limit) =>
      db.selectFrom('change_feed').select(['seq', 'resource', 'id', 'action', 'at']).where('user_id', '=', userId).where('seq', '>', seq).orderBy('seq').limit(limit).execute(),
    prunedThrough: async (userId) =>
      (await db.selectFrom('change_counters').select('feed_pruned_through').where('user_id', '=', userId).executeTakeFirst())?.feed_pruned_through ?? 0,
  };
}
