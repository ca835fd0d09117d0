import { availableParallelism } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb } from '@canvas-sync/shared';
import { createMigratedDatabase } from '@canvas-sync/testkit';
import { prepareRows, prepareRowsAhead } from '../services/writer/src/records/prepare-rows.js';
import { eachPreparedAhead } from '../services/writer/src/records/prepare-ahead.js';
import { upsertRows } from '../services/writer/src/records/rows.repository.js';
import { copyIn } from '../services/writer/src/records/copy-in.js';
import { copyColumns, copyField, copyLine } from '../services/writer/src/records/copy-text.js';
import { DEFAULT_BATCH_PARTS, DEFAULT_WRITER_CONCURRENCY } from '../services/writer/src/config.js';
import type { BenchContext } from './support/bench-context.js';
import { cpuSeconds } from './support/proc-stats.js';
import type { BenchResult, Figure } from './support/results.writer.js';
import { median, sum } from './support/stats.js';
import { assignmentRows, toParts } from './writer/assignment-rows.js';

const USER = 'bench-writer';

/**
 * The writer's real upsert path (`prepareRows` + `upsertRows` per part of ≈ 512 KB, the
 * writer's WRITER_BATCH_PARTS parts per transaction — its group commit, each part prepared while
 * the one before it waits on Postgres — and, for comparison, one
 * part per transaction; one after another on one connection) on assignment rows of ~1 KB raw JSON:
 * into an empty table, then again with every row changed, then once more unchanged; against a
 * plain `COPY` of the same prepared rows into an empty copy of the table (same indexes), in
 * rounds, each phase's time as a ratio to the same round's COPY.
 */
export async function runWriterBench(ctx: BenchContext): Promise<BenchResult> {
  const count = Number(process.env.BENCH_WRITER_ROWS ?? (ctx.quick ? 10_000 : 100_000));
  // 5: a round's ratios spread by ±15 % on this machine (1.06–1.37 for one phase in one run); the median of 3 moved by ±0.1 between runs.
  const rounds = Number(process.env.BENCH_WRITER_ROUNDS ?? 5);
  const figures: Figure[] = [];
  const database = await createMigratedDatabase(ctx.servers.postgresUrl, 'cs_bench');
  const drop = ctx.cleanup.add(`database ${database.name}`, () => database.drop());
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const copyDb = createDb({ url: database.url, poolMax: 1, applicationName: 'canvas-sync-bench-copy' });
  // One connection for the upserts, so its backend's CPU can be read like COPY's.
  const db = createDb({ url: database.url, poolMax: 1, applicationName: 'canvas-sync-bench' });
  // The writer as it runs: WRITER_CONCURRENCY transactions at once, each on its own connection.
  const slotDbs = Array.from({ length: DEFAULT_WRITER_CONCURRENCY }, (_, i) => createDb({ url: database.url, poolMax: 1, applicationName: `canvas-sync-bench-slot-${i}` }));
  // This process's garbage-collection pauses (main thread), summed: how much of its CPU a phase's GC took.
  let gcMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  try {
    // A backend's pid, read at the start of each phase (an idle pool may have closed and reopened its connection).
    const backendOf = async (on: typeof db) => (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(on)).rows[0]!.pid;
    const walLsn = async () => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
    const walSince = async (lsn: string) => Number((await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS bytes', [lsn])).rows[0]!.bytes);
    // The full-page images in that WAL: the first change to a page after a checkpoint logs the
    // whole page. COPY fills new pages and never needs one; an update changes the page of each old
    // version, so its WAL swings with where the checkpoints fell (pg_walinspect; without it, no
    // figure). A temporary replication slot holds each phase's WAL until it is read: a checkpoint
    // during the phase would otherwise recycle it (NaN where the slot could not be made).
    const walinspect = await client.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect').then(
      () => true,
      () => false,
    );
    const slot = `canvas_sync_bench_wal_${process.pid}`;
    const holdWal = async () => walinspect && (await client.query('SELECT pg_create_physical_replication_slot($1, true, true)', [slot]).then(() => true, () => false));
    const fullPageImages = async (lsn: string, held: boolean): Promise<number> => {
      if (!held) return Number.NaN;
      try {
        const sum = 'SELECT CASE WHEN $1::pg_lsn < pg_current_wal_flush_lsn() THEN (SELECT sum(fpi_size) FROM pg_get_wal_stats($1, pg_current_wal_flush_lsn())) ELSE 0 END AS bytes';
        return Number((await client.query<{ bytes: string }>(sum, [lsn])).rows[0]!.bytes);
      } catch {
        return Number.NaN;
      } finally {
        await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
      }
    };
    /** Wall seconds, CPU seconds of this process (and of it GC pauses) and of the Postgres backends of `on`, WAL bytes and full-page image bytes of `fn`. */
    const measure = async <T>(on: Array<typeof db>, fn: () => Promise<T>) => {
      const backends = await Promise.all(on.map(backendOf));
      const pgCpuNow = () => sum(backends.map((pid) => cpuSeconds(pid)));
      const held = await holdWal();
      const lsn = await walLsn();
      const node = process.cpuUsage();
      const gcBefore = gcMs;
      const pgCpu = pgCpuNow();
      const started = performance.now();
      const result = await fn();
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(node);
      // GC entries are delivered after the event loop turns.
      await new Promise((resolve) => setImmediate(resolve));
      const gc = (gcMs - gcBefore) / 1000;
      return { result, seconds, nodeCpu: (used.user + used.system) / 1e6, gc, pgCpu: pgCpuNow() - pgCpu, wal: await walSince(lsn), fpi: await fullPageImages(lsn, held) };
    };
    const original = assignmentRows(count);
    const changed = assignmentRows(count, 1);
    const rawBytes = sum(original.map((r) => Buffer.byteLength(JSON.stringify(r))));
    const parts = toParts(original);
    const changedParts = toParts(changed);
    ctx.log(`writer: ${count} rows, ${(rawBytes / count).toFixed(0)} B each, ${parts.length} parts`);

    /**
     * The parts in transactions of `perTransaction` parts, on `slots` connections at once, each
     * taking the next transaction's parts when its last one commits (as the writer's batcher does
     * with what is queued); each part's rows prepared while the part before it waits on Postgres.
     */
    const upsertAll = (input: typeof parts, perTransaction = DEFAULT_BATCH_PARTS, slots: Array<typeof db> = [db]) =>
      measure(slots, async () => {
        let written = 0;
        let next = 0;
        const slot = async (on: typeof db) => {
          while (next < input.length) {
            const batch = input.slice(next, next + perTransaction);
            next += batch.length;
            await on.transaction().execute((tx) =>
              eachPreparedAhead(batch, (part) => prepareRowsAhead('assignments', part, null), async (_, prepared) => {
                const r = await upsertRows(tx, 'assignments', USER, (await prepared).rows);
                written += r.created.length + r.updated.length;
              }),
            );
          }
        };
        await Promise.all(slots.map(slot));
        return written;
      });

    // COPY into its own empty table with the same columns and indexes, through the writer's own
    // COPY encoder, so both sides pay the same Node work per row.
    await client.query('CREATE SCHEMA bench_copy');
    await client.query('CREATE TABLE bench_copy.assignments (LIKE canvas.assignments INCLUDING ALL)');
    const userField = copyField(USER);
    const copyAll = () =>
      measure([copyDb], () =>
        copyDb.transaction().execute((tx) =>
          copyIn(tx, 'bench_copy.assignments', copyColumns('assignments'), (function* () {
            for (const part of parts) for (const row of prepareRows('assignments', part, null).rows) yield copyLine('assignments', userField, row);
          })()),
        ),
      );

    // The same COPY, one transaction per part as the writer commits them: what a part's commit
    // (a WAL flush) and its round trips cost on their own.
    const copyPerPart = () =>
      measure([copyDb], async () => {
        let copied = 0;
        for (const part of parts) {
          const lines = prepareRows('assignments', part, null).rows.map((row) => copyLine('assignments', userField, row));
          copied += await copyDb.transaction().execute((tx) => copyIn(tx, 'bench_copy.assignments', copyColumns('assignments'), lines));
        }
        return copied;
      });

    // Rounds of COPY, insert, update and unchanged back to back, both tables emptied before each:
    // on a shared machine the load moves between rounds, so each round's ratios are taken within
    // the round, and the report gives their median (and every round's, in the notes).
    type Measured = Awaited<ReturnType<typeof upsertAll>>;
    const phases: Record<'copy' | 'copyParts' | 'insertParts' | 'insert' | 'update' | 'unchanged' | 'copyBeforeInsertSlots' | 'insertSlots' | 'copyBeforeUpdateSlots' | 'updateSlots', Measured[]> = { copy: [], copyParts: [], insertParts: [], insert: [], update: [], unchanged: [], copyBeforeInsertSlots: [], insertSlots: [], copyBeforeUpdateSlots: [], updateSlots: [] };
    /**
     * The COPY each phase's time is compared with: the one run just before it, for the writer's
     * slots (this machine's speed drifts by tens of percent within a minute: a COPY 20 s earlier
     * says less about it), the round's first for the others.
     */
    const copyFor = (k: keyof typeof phases) => (k === 'insertSlots' ? phases.copyBeforeInsertSlots : k === 'updateSlots' ? phases.copyBeforeUpdateSlots : phases.copy);
    /**
     * Before each phase: a checkpoint, and before a phase that meets stored rows, the table as
     * production holds rows written long before — vacuumed and analyzed (autovacuum's work; a
     * part's plans depend on it) and checkpointed since (the first change to each page then logs
     * the whole page). Without this, where the WAL-volume checkpoints fell (max_wal_size; a round
     * writes more than 1 GB) decided whether an update paid full-page images and competed with
     * the checkpointer's writes: its 4-slot ratio read 1.19 in one round and 1.60 in the next.
     */
    const settle = async (stored: boolean) => {
      if (stored) await client.query('VACUUM (ANALYZE) canvas.assignments');
      await client.query('CHECKPOINT');
    };
    for (let round = 1; round <= rounds; round++) {
      await client.query('TRUNCATE bench_copy.assignments, canvas.assignments');
      await settle(false);
      phases.copy.push(await copyAll());
      await client.query('TRUNCATE bench_copy.assignments');
      await settle(false);
      phases.copyParts.push(await copyPerPart());
      await settle(false);
      phases.insertParts.push(await upsertAll(parts, 1));
      await client.query('TRUNCATE canvas.assignments');
      await settle(false);
      phases.insert.push(await upsertAll(parts));
      await settle(true);
      phases.update.push(await upsertAll(changedParts));
      await settle(true);
      phases.unchanged.push(await upsertAll(changedParts));
      // The same insert and update with the writer's WRITER_CONCURRENCY transactions at once, each
      // right after a COPY of its own.
      await client.query('TRUNCATE bench_copy.assignments, canvas.assignments');
      await settle(false);
      phases.copyBeforeInsertSlots.push(await copyAll());
      await settle(false);
      phases.insertSlots.push(await upsertAll(parts, DEFAULT_BATCH_PARTS, slotDbs));
      await client.query('TRUNCATE bench_copy.assignments');
      await settle(true);
      phases.copyBeforeUpdateSlots.push(await copyAll());
      await settle(false);
      phases.updateSlots.push(await upsertAll(changedParts, DEFAULT_BATCH_PARTS, slotDbs));
      const [c, p, i1, i, u, n, ci, is, cu, us] = (['copy', 'copyParts', 'insertParts', 'insert', 'update', 'unchanged', 'copyBeforeInsertSlots', 'insertSlots', 'copyBeforeUpdateSlots', 'updateSlots'] as const).map((k) => phases[k][round - 1]!);
      ctx.log(`writer: round ${round}: COPY ${c!.seconds.toFixed(2)} s, per part ${p!.seconds.toFixed(2)} s, insert one part per transaction ${i1!.seconds.toFixed(2)} s, insert ${i!.seconds.toFixed(2)} s (${i!.result} written), update ${u!.seconds.toFixed(2)} s (${u!.result} written; WAL ${(u!.wal / 2 ** 20).toFixed(0)} MiB, of it full-page images ${(u!.fpi / 2 ** 20).toFixed(0)} MiB), unchanged ${n!.seconds.toFixed(2)} s (${n!.result} written); ${DEFAULT_WRITER_CONCURRENCY} slots: COPY ${ci!.seconds.toFixed(2)} s, insert ${is!.seconds.toFixed(2)} s (${is!.result} written), COPY ${cu!.seconds.toFixed(2)} s, update ${us!.seconds.toFixed(2)} s (${us!.result} written)`);
    }
    const prepare = await measure([copyDb], async () => {
      for (const part of parts) prepareRows('assignments', part, null);
      return 0;
    });

    /** Median over the rounds of a phase's figure, and of its ratio to the COPY it is compared with ({@link copyFor}). */
    const med = (list: Measured[], f: (m: Measured) => number) => median(list.map(f));
    const cores = availableParallelism();
    const row = (name: string, key: keyof typeof phases, isCopy: boolean) => {
      const list = phases[key];
      const vsCopy = (f: (m: Measured) => number) => median(list.map((m, i) => f(m) / f(copyFor(key)[i]!)));
      const seconds = med(list, (m) => m.seconds);
      figures.push(
        { case: name, name: 'throughput', value: count / seconds, unit: 'rows/s' },
        { case: name, name: 'time', value: seconds, unit: 's' },
        { case: name, name: 'time vs COPY', value: isCopy ? 1 : vsCopy((m) => m.seconds), unit: '×' },
        { case: name, name: 'rows written', value: med(list, (m) => m.result), unit: 'rows' },
        { case: name, name: 'Node CPU', value: med(list, (m) => m.nodeCpu), unit: 'CPU s' },
        { case: name, name: 'of it GC', value: med(list, (m) => m.gc), unit: 'CPU s' },
        { case: name, name: 'Postgres CPU', value: med(list, (m) => m.pgCpu), unit: 'CPU s' },
        { case: name, name: 'Node + Postgres CPU vs COPY', value: isCopy ? 1 : vsCopy((m) => m.nodeCpu + m.pgCpu), unit: '×' },
        // The least time this phase's CPU allows here: Node's one thread, and all of it spread over the cores.
        ...(isCopy
          ? []
          : [
              { case: name, name: 'CPU-bound time vs COPY', value: median(list.map((m, i) => Math.max(m.nodeCpu, (m.nodeCpu + m.pgCpu) / cores) / copyFor(key)[i]!.seconds)), unit: '×' },
              // The same with COPY's Node CPU in place of the phase's own: what this phase's Postgres work alone leaves reachable.
              { case: name, name: 'bound by its Postgres CPU', value: median(list.map((m, i) => Math.max(copyFor(key)[i]!.nodeCpu, (copyFor(key)[i]!.nodeCpu + m.pgCpu) / cores) / copyFor(key)[i]!.seconds)), unit: '×' },
            ]),
        { case: name, name: 'WAL', value: med(list, (m) => m.wal) / 2 ** 20, unit: 'MiB' },
        ...(walinspect ? [{ case: name, name: 'of it full-page images', value: med(list, (m) => m.fpi) / 2 ** 20, unit: 'MiB' }] : []),
      );
    };
    row('COPY into an empty table', 'copy', true);
    row('COPY, one transaction per part', 'copyParts', false);
    row('upsert, insert path (empty table), one part per transaction', 'insertParts', false);
    row(`upsert, insert path (empty table), ${DEFAULT_BATCH_PARTS} parts per transaction`, 'insert', false);
    row('upsert, update path (every hash changed)', 'update', false);
    row('upsert, unchanged (same hashes)', 'unchanged', false);
    row(`upsert, insert path, ${DEFAULT_WRITER_CONCURRENCY} transactions at once (the writer's slots)`, 'insertSlots', false);
    row(`upsert, update path, ${DEFAULT_WRITER_CONCURRENCY} transactions at once (the writer's slots)`, 'updateSlots', false);
    figures.push(
      { case: 'prepareRows only (hash + typed columns, no SQL)', name: 'throughput', value: count / prepare.seconds, unit: 'rows/s' },
      { case: 'prepareRows only (hash + typed columns, no SQL)', name: 'time', value: prepare.seconds, unit: 's' },
      { case: 'prepareRows only (hash + typed columns, no SQL)', name: 'Node CPU', value: prepare.nodeCpu, unit: 'CPU s' },
    );
    const perRound = (k: keyof typeof phases) => phases[k].map((m, i) => (m.seconds / copyFor(k)[i]!.seconds).toFixed(2)).join(', ');
    const copyTimes = (k: keyof typeof phases) => phases[k].map((m) => m.seconds.toFixed(2)).join(', ');

    return {
      id: 'writer',
      title: `Writer throughput: ${count.toLocaleString('en-US')} assignment rows (~${Math.round(rawBytes / count)} B raw JSON each)`,
      figures,
      notes: [
        `${parts.length} parts of ≤ 512 KB (≈ ${Math.round(count / parts.length)} rows), each \`prepareRows\` + \`upsertRows\` (the hash pre-check: a primary-key probe per row, Postgres comparing the hashes and answering only where absent and changed rows are; then, in a savepoint, a delete by \`ctid\` of the changed rows' old versions and one COPY of the new and changed rows), ${DEFAULT_BATCH_PARTS} parts per transaction as the writer groups them (WRITER_BATCH_PARTS; each part's rows prepared in slices while the part before it waits on Postgres; the insert path also one part per transaction), one after another on one connection: one writer slot. The last two rows run the writer's ${DEFAULT_WRITER_CONCURRENCY} slots (WRITER_CONCURRENCY): ${DEFAULT_WRITER_CONCURRENCY} such transactions at once on their own connections, each taking the next ${DEFAULT_BATCH_PARTS} parts when it commits, Node work on this one thread as in a writer process; their Postgres CPU sums the ${DEFAULT_WRITER_CONCURRENCY} backends.`,
        `${rounds} rounds (\`BENCH_WRITER_ROUNDS\`), both tables truncated before each, every phase run right after a \`CHECKPOINT\`, and the update and unchanged phases on a table vacuumed and analyzed after its insert (as production holds rows written long before); every figure is the median over the rounds, the ratios taken within each round: the ${DEFAULT_WRITER_CONCURRENCY}-slot phases against a COPY run just before each (this machine's speed drifts within a minute; their COPYs took ${copyTimes('copyBeforeInsertSlots')} and ${copyTimes('copyBeforeUpdateSlots')} s, the rounds' first ${copyTimes('copy')} s), the others against the round's first COPY. Time vs COPY per round: COPY per part ${perRound('copyParts')}; insert, one part per transaction ${perRound('insertParts')}; insert ${perRound('insert')}; update ${perRound('update')}; unchanged ${perRound('unchanged')}; ${DEFAULT_WRITER_CONCURRENCY} slots: insert ${perRound('insertSlots')}, update ${perRound('updateSlots')}.`,
        'COPY = the same prepared rows (hash and typed columns included, so both sides pay the same Node work) streamed as COPY text into `LIKE canvas.assignments INCLUDING ALL` (same primary key and index) in one transaction.',
        `Node CPU = this process (JSON, hashing, COPY text); Postgres CPU = the one backend doing the work (from /proc); WAL = bytes of write-ahead log the phase generated, and of it full-page images (logged at the first change of a page after a checkpoint: the old versions an update changes sit on pages written before the checkpoint that precedes it, as in production; COPY writes new pages and has none). Time well above Node + Postgres CPU means waiting: for a core on a loaded machine, or for the disk. Of it GC = this process's garbage-collection pauses on its main thread (perf_hooks). CPU-bound time vs COPY = the larger of the phase's Node CPU (one thread) and its Node + Postgres CPU spread over this machine's ${cores} cores, over its COPY's time: the least time ratio that phase's CPU allows here, however well its Node and Postgres work overlapped. Bound by its Postgres CPU = the same with its COPY's Node CPU in place of its own: the least time ratio any writer reaches here that spends no more Node work than COPY and the Postgres work this phase needed.`,
        ...(ctx.quick && !process.env.BENCH_WRITER_ROWS ? ['Quick run: 10,000 rows instead of 100,000.'] : []),
      ],
    };
  } finally {
    gcObserver.disconnect();
    await db.destroy();
    await Promise.all(slotDbs.map((d) => d.destroy()));
    await copyDb.destroy();
    await client.end();
    await drop();
  }
}
