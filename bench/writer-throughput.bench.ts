import pg from 'pg';
import { createMigratedDatabase } from '@canvas-sync/testkit';
import { prepareRows, upsertRows } from '../services/writer/src/records/rows.repository.js';
import { RESOURCE_TABLES } from '../services/writer/src/resources/resource-columns.js';
import type { BenchContext } from './support/bench-context.js';
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
  try {
    const original = assignmentRows(count);
    const changed = assignmentRows(count, 1);
    const rawBytes = sum(original.map((r) => Buffer.byteLength(JSON.stringify(r))));
    const parts = toParts(original);
    const changedParts = toParts(changed);
    ctx.log(`writer: ${count} rows, ${(rawBytes / count).toFixed(0)} B each, ${parts.length} parts`);

    const upsertAll = async (input: typeof parts) => {
      const started = performance.now();
      let created = 0;
      let updated = 0;
      for (const part of input) {
        const r = await database.db.transaction().execute(async (tx) => upsertRows(tx, 'assignments', USER, prepareRows('assignments', part, null)));
        created += r.created.length;
        updated += r.updated.length;
      }
      return { seconds: (performance.now() - started) / 1000, created, updated };
    };

    // COPY first, into its own empty table with the same columns and indexes.
    await client.query('CREATE SCHEMA bench_copy');
    await client.query('CREATE TABLE bench_copy.assignments (LIKE canvas.assignments INCLUDING ALL)');
    const columns = ['user_id', 'id', 'raw', 'content_hash', 'synced_at', ...RESOURCE_TABLES.assignments.columns.map((c) => c.name)];
    const copyStarted = performance.now();
    const now = new Date().toISOString();
    await client.query('BEGIN');
    const copied = await copyRows(client, 'bench_copy.assignments', columns, (function* () {
      for (const part of parts) for (const row of prepareRows('assignments', part, null)) yield { ...row, user_id: USER, synced_at: now };
    })());
    await client.query('COMMIT');
    const copySeconds = (performance.now() - copyStarted) / 1000;
    ctx.log(`writer: COPY ${copied} rows in ${copySeconds.toFixed(2)} s`);

    const prepStarted = performance.now();
    for (const part of parts) prepareRows('assignments', part, null);
    const prepSeconds = (performance.now() - prepStarted) / 1000;

    const insert = await upsertAll(parts);
    ctx.log(`writer: insert path ${insert.seconds.toFixed(2)} s (${insert.created} created)`);
    const update = await upsertAll(changedParts);
    ctx.log(`writer: update path ${update.seconds.toFixed(2)} s (${update.updated} updated)`);
    const unchanged = await upsertAll(changedParts);
    ctx.log(`writer: unchanged path ${unchanged.seconds.toFixed(2)} s (${unchanged.created + unchanged.updated} written)`);

    const row = (name: string, seconds: number, written: number | null) => {
      figures.push(
        { case: name, name: 'throughput', value: count / seconds, unit: 'rows/s' },
        { case: name, name: 'time', value: seconds, unit: 's' },
        { case: name, name: 'raw JSON', value: rawBytes / 1e6 / seconds, unit: 'MB/s' },
      );
      if (written !== null) {
        figures.push({ case: name, name: 'time vs COPY', value: seconds / copySeconds, unit: '×' }, { case: name, name: 'rows written', value: written, unit: 'rows' });
      }
    };
    row('COPY into an empty table', copySeconds, copied);
    row('upsert, insert path (empty table)', insert.seconds, insert.created + insert.updated);
    row('upsert, update path (every hash changed)', update.seconds, update.created + update.updated);
    row('upsert, unchanged (same hashes)', unchanged.seconds, unchanged.created + unchanged.updated);
    row('prepareRows only (hash + typed columns, no SQL)', prepSeconds, null);

    return {
      id: 'writer',
      title: `Writer throughput: ${count.toLocaleString('en-US')} assignment rows (~${Math.round(rawBytes / count)} B raw JSON each)`,
      figures,
      notes: [
        `${parts.length} parts of ≤ 512 KB (≈ ${Math.round(count / parts.length)} rows), each one transaction of \`prepareRows\` + \`upsertRows\` (one \`INSERT … SELECT FROM jsonb_to_recordset … ON CONFLICT DO UPDATE … WHERE hash differs\`), one after another on one connection: one writer slot (a writer process runs WRITER_CONCURRENCY=4 of them).`,
        'COPY = the same prepared rows (hash and typed columns included, so both sides pay the same Node work) streamed as COPY text into `LIKE canvas.assignments INCLUDING ALL` (same primary key and index) in one transaction.',
        ...(ctx.quick ? ['Quick run: 10,000 rows instead of 100,000.'] : []),
      ],
    };
  } finally {
    await client.end();
    await drop();
  }
}
