import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '@canvas-sync/shared';

type Db = Kysely<Database> | Transaction<Database>;

const CHUNK_CHARS = 256 * 1024;

/**
 * `COPY table (columns) FROM STDIN` of `lines` (COPY text, one row per line) on the connection of
 * `db` — inside its transaction when `db` is one. Returns the rows copied. `prelude`: statements
 * without parameters sent in the same message, before the COPY (one round trip for all); they
 * must return no rows.
 *
 * Why this route: kysely keeps its pg client private, but its Postgres driver hands
 * `CompiledQuery.sql` straight to `client.query()`, and pg runs any object with a `submit` method
 * as a query on that client, in order with the others. pg-copy-streams' COPY stream is such an
 * object; kysely's result for it is empty and we wait for the stream instead. The writer's tests
 * (rows, idempotence, unfit values) fail if a kysely or pg upgrade changes that path.
 */
export async function copyIn(db: Db, table: string, columns: string[], lines: Iterable<string>, prelude = ''): Promise<number> {
  const stream = copyFrom(`${prelude ? `${prelude}; ` : ''}COPY ${table} (${columns.join(', ')}) FROM STDIN`);
  async function* chunks() {
    let chunk = '';
    for (const line of lines) {
      chunk += line;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  const done = pipeline(Readable.from(chunks()), stream);
  try {
    await db.executeQuery(CompiledQuery.raw(stream as unknown as string));
  } catch (err) {
    stream.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  await done;
  return stream.rowCount;
}
