import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from '@canvas-sync/shared';

type Db = Kysely<Database> | Transaction<Database>;

const CHUNK_CHARS = 256 * 1024;
/** Frontend message types of the COPY sub-protocol. */
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]); // 'c', length 4

/**
 * `COPY table (columns) FROM STDIN` of `lines` (COPY text, one row per line) on the connection of
 * `db` — inside its transaction when `db` is one. Returns the rows copied. `prelude`: statements
 * without parameters sent in the same message, before the COPY (one round trip for all); they
 * must return no rows.
 *
 * The query, all its data (CopyData messages of ≤ 256 K characters) and the CopyDone go to the
 * socket in one write, without waiting for the server's CopyInResponse: Postgres reads the data
 * when the COPY starts, and if a statement before it or the COPY itself fails, it drops the
 * CopyData and CopyDone that follow the error (the protocol's rule for a simple-query COPY), so
 * the connection is in step again at the ReadyForQuery, as with any failed statement. Until #15
 * this went through pg-copy-streams and a stream pipeline: each chunk a write of its own (two, with
 * its header), the data held back until CopyInResponse (a round trip), and the streams' machinery
 * per part — a tenth of the writer's CPU in a teacher sync (docs/performance.md).
 *
 * Why this route: kysely keeps its pg client private, but its Postgres driver hands
 * `CompiledQuery.sql` straight to `client.query()`, and pg runs any object with a `submit` method
 * as a query on that client, in order with the others, calling its `handle…` methods with the
 * server's answers. The writer's tests (rows, idempotence, unfit values, a failing prelude, the
 * unique-violation fallback) fail if a kysely or pg upgrade changes that path.
 */
export async function copyIn(db: Db, table: string, columns: string[], lines: Iterable<string>, prelude = ''): Promise<number> {
  const copy = new CopyFromStdin(`${prelude ? `${prelude}; ` : ''}COPY ${table} (${columns.join(', ')}) FROM STDIN`, copyData(lines));
  await db.executeQuery(CompiledQuery.raw(copy as unknown as string));
  return copy.done;
}

/** The COPY data of `lines` as CopyData messages (header and text, one pair per chunk) and the CopyDone. */
function copyData(lines: Iterable<string>): Buffer[] {
  const out: Buffer[] = [];
  const push = (chunk: string) => {
    const text = Buffer.from(chunk);
    const header = Buffer.allocUnsafe(5);
    header[0] = COPY_DATA;
    header.writeUInt32BE(text.length + 4, 1);
    out.push(header, text);
  };
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= CHUNK_CHARS) {
      push(chunk);
      chunk = '';
    }
  }
  if (chunk) push(chunk);
  out.push(COPY_DONE);
  return out;
}

/** The part of pg's connection a query object uses (pg's `Connection`; not in its types). */
interface PgConnection {
  stream: { cork(): void; uncork(): void; write(data: Buffer): boolean };
  query(text: string): void;
}

/** A pg query object (what pg calls a "submittable") for one COPY FROM STDIN with all its data. */
class CopyFromStdin {
  /** Settles when the server is ready for the next query: the rows copied, or the error. */
  readonly done: Promise<number>;
  private rowCount = 0;
  private settle!: { resolve(n: number): void; reject(err: unknown): void };

  constructor(
    readonly text: string,
    private readonly data: Buffer[],
  ) {
    this.done = new Promise<number>((resolve, reject) => (this.settle = { resolve, reject }));
    // Awaited by copyIn after the query resolves; never an unhandled rejection meanwhile.
    this.done.catch(() => undefined);
  }

  /** Called by pg when the query's turn comes: the query and its data in one socket write. */
  submit(connection: PgConnection): void {
    connection.stream.cork();
    connection.query(this.text);
    for (const b of this.data) connection.stream.write(b);
    connection.stream.uncork();
  }

  /** pg replaces this with its timeout's when `query_timeout` is set (as pg-copy-streams does). */
  callback(): void {}

  handleCopyInResponse(): void {
    // The data is on its way already.
  }

  handleCommandComplete(msg: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(msg.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {
    this.callback();
    this.settle.resolve(this.rowCount);
  }

  /** An error from the server (pg then skips the ReadyForQuery for us) or the connection's loss. */
  handleError(err: unknown): void {
    this.callback();
    this.settle.reject(err);
  }

  // Answers the prelude's statements may give; they hold no rows.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}
