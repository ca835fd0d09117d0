import { sql } from 'kysely';
import pg from 'pg';
import { createDb } from '@canvas-sync/shared';
import { createMigratedDatabase } from '@canvas-sync/testkit';
import { prepareRows } from '../services/writer/src/records/prepare-rows.js';
import { upsertRows } from '../services/writer/src/records/rows.repository.js';
import { RESOURCE_TABLES } from '../services/writer/src/resources/resource-columns.js';
import type { BenchContext } from './support/bench-context.js';
import { cpuSeconds } from './support/proc-stats.js';
import type { BenchResult, Figure } from './support/results.writer.js';
import { sum } from './support/stats.js';
import { copyRows } from './writer/copy-rows.js';
import { assignmentRows, toParts } from './writer/assignment-rows.js';

const USER = 'bench-writer';

/**
 * The writer's real upsert path (`prepareRows` + `upsertRows`, one transaction per part of
 * ≈ 512 KB, parts one after another on one connection) on assignment rows of ~1 KB raw JSON:
 * into an empty table, then again with every row changed, then once more unchanged; against a
 * plain `COPY` of the same prepared rows into an empty copy of the table (same indexes).
 */
export async function runWriterBench(ctx: BenchContext): Promise<BenchResult> {
  const count = ctx.quick ? 10_000 : 100_000;
  const figures: Figure[] = [];
  const database = await createMigratedDatabase(ctx.servers.postgresUrl, 'cs_bench');
  const drop = ctx.cleanup.add(`database ${database.name}`, () => database.drop());
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  // One connection for the upserts, so its backend's CPU can be read like COPY's.
  const db = createDb({ url: database.url, poolMax: 1, applicationName: 'canvas-sync-bench' });
  try {
    const upsertBackend = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid;
    const copyBackend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const walLsn = async () => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
    const walSince = async (lsn: string) => Number((await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS bytes', [lsn])).rows[0]!.bytes);
    /** Wall seconds, CPU seconds of this process and of the Postgres backend, and WAL bytes of `fn`. */
    const measure = async <T>(backend: number, fn: () => Promise<T>) => {
      const lsn = await walLsn();
      const node = process.cpuUsage();
      const pgCpu = cpuSeconds(backend);
      const started = performance.now();
      const result = await fn();
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(node);
      return { result, seconds, nodeCpu: (used.user + used.system) / 1e6, pgCpu: cpuSeconds(backend) - pgCpu, wal: await walSince(lsn) };
    };
    const original = assignmentRows(count);
    const changed = assignmentRows(count, 1);
    const rawBytes = sum(original.map((r) => Buffer.byteLength(JSON.stringify(r))));
    const parts = toParts(original);
    const changedParts = toParts(changed);
    ctx.log(`writer: ${count} rows, ${(rawBytes / count).toFixed(0)} B each, ${parts.length} parts`);

    const upsertAll = (input: typeof parts) =>
      measure(upsertBackend, async () => {
        let written = 0;
        for (const part of input) {
          const r = await db.transaction().execute(async (tx) => upsertRows(tx, 'assignments', USER, prepareRows('assignments', part, null).rows));
          written += r.created.length + r.updated.length;
        }
        return written;
      });

    // COPY first, into its own empty table with the same columns and indexes.
    await client.query('CREATE SCHEMA bench_copy');
    await client.query('CREATE TABLE bench_copy.assignments (LIKE canvas.assignments INCLUDING ALL)');
    const columns = ['user_id', 'id', 'raw', 'content_hash', 'synced_at', ...RESOURCE_TABLES.assignments.columns.map((c) => c.name)];
    const now = new Date().toISOString();
    const copy = await measure(copyBackend, async () => {
      await client.query('BEGIN');
      const copied = await copyRows(client, 'bench_copy.assignments', columns, (function* () {
        for (const part of parts) for (const row of prepareRows('assignments', part, null).rows) yield { ...row, user_id: USER, synced_at: now };
      })());
      await client.query('COMMIT');
      return copied;
    });
    ctx.log(`writer: COPY ${copy.result} rows in ${copy.seconds.toFixed(2)} s`);

    const prepare = await measure(copyBackend, async () => {
      for (const part of parts) prepareRows('assignments', part, null);
      return 0;
    });
    const insert = await upsertAll(parts);
    ctx.log(`writer: insert path ${insert.seconds.toFixed(2)} s (${insert.result} written)`);
    const update = await upsertAll(changedParts);
    ctx.log(`writer: update path ${update.seconds.toFixed(2)} s (${update.result} written)`);
    const unchanged = await upsertAll(changedParts);
    ctx.log(`writer: unchanged path ${unchanged.seconds.toFixed(2)} s (${unchanged.result} written)`);

    const row = (name: string, m: { seconds: number; nodeCpu: number; pgCpu: number; wal: number; result: number }, vsCopy: boolean) => {
      figures.push(
        { case: name, name: 'throughput', value: count / m.seconds, unit: 'rows/s' },
        { case: name, name: 'time', value: m.seconds, unit: 's' },
        { case: name, name: 'raw JSON', value: rawBytes / 1e6 / m.seconds, unit: 'MB/s' },
      );
      if (vsCopy) figures.push({ case: name, name: 'time vs COPY', value: m.seconds / copy.seconds, unit: '×' }, { case: name, name: 'rows written', value: m.result, unit: 'rows' });
      figures.push({ case: name, name: 'Node CPU', value: m.nodeCpu, unit: 'CPU s' });
      if (vsCopy) figures.push({ case: name, name: 'Postgres CPU', value: m.pgCpu, unit: 'CPU s' }, { case: name, name: 'WAL', value: m.wal / 2 ** 20, unit: 'MiB' });
    };
    row('COPY into an empty table', copy, true);
    row('upsert, insert path (empty table)', insert, true);
    row('upsert, update path (every hash changed)', update, true);
    row('upsert, unchanged (same hashes)', unchanged, true);
    row('prepareRows only (hash + typed columns, no SQL)', prepare, false);

    return {
      id: 'writer',
      title: `Writer throughput: ${count.toLocaleString('en-US')} assignment rows (~${Math.round(rawBytes / count)} B raw JSON each)`,
      figures,
      notes: [
        `${parts.length} parts of ≤ 512 KB (≈ ${Math.round(count / parts.length)} rows), each one transaction of \`prepareRows\` + \`upsertRows\` (a primary-key read of the stored hashes, then one \`INSERT … SELECT FROM jsonb_to_recordset … ON CONFLICT DO UPDATE … WHERE hash differs\` of the new and changed rows only), one after another on one connection: one writer slot (a writer process runs WRITER_CONCURRENCY=4 of them).`,
        'COPY = the same prepared rows (hash and typed columns included, so both sides pay the same Node work) streamed as COPY text into `LIKE canvas.assignments INCLUDING ALL` (same primary key and index) in one transaction.',
        'Node CPU = this process (JSON, hashing, COPY text); Postgres CPU = the one backend doing the work (from /proc); WAL = bytes of write-ahead log the phase generated. Time well above Node + Postgres CPU means waiting: for a core on a loaded machine, or for the disk.',
        ...(ctx.quick ? ['Quick run: 10,000 rows instead of 100,000.'] : []),
      ],
    };
  } finally {
    await db.destroy();
    await client.end();
    await drop();
  }
}
