import pg from 'pg';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import type { Database } from '@canvas-sync/shared';

/** A plan node of EXPLAIN (FORMAT JSON). */
export type PlanNode = Record<string, unknown>;

/** Every node of EXPLAIN (FORMAT JSON) plans, depth first. */
export function nodesOf(node: unknown): PlanNode[] {
  if (!node || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(nodesOf);
  const own = node as PlanNode;
  return [...('Node Type' in own ? [own] : []), ...Object.values(own).flatMap(nodesOf)];
}

/**
 * A one-connection Kysely on `url` whose statements' plans, once {@link explainEveryStatement}
 * ran in the transaction, land in `plans` (auto_explain sends them as NOTICEs).
 */
export function planCollectingDb(url: string): { db: Kysely<Database>; plans: unknown[] } {
  const plans: unknown[] = [];
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('connect', (client) =>
    client.on('notice', (n) => {
      const at = n.message?.indexOf('plan:') ?? -1;
      if (at >= 0) plans.push(JSON.parse(n.message!.slice(at + 'plan:'.length)));
    }),
  );
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), plans };
}

/** Has auto_explain report every later statement of `tx`, executed (actual rows and loops), as a NOTICE. */
export async function explainEveryStatement(tx: Transaction<Database>): Promise<void> {
  await sql`LOAD 'auto_explain'`.execute(tx);
  for (const setting of ['auto_explain.log_min_duration = 0', 'auto_explain.log_analyze = on', "auto_explain.log_format = 'json'", "auto_explain.log_level = 'notice'"]) await sql.raw(`SET LOCAL ${setting}`).execute(tx);
}
