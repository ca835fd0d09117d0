import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from '@canvas-sync/shared';

type Db = Kysely<Database> | Transaction<Database>;

/** Room for COPY text in a CopyData message: it is sent when the next line might not fit. */
const CHUNK_BYTES = 256 * 1024;
/** A frontend message's header: its type byte, then its length. */
const HEADER_BYTES = 5;
/** Frontend message types of the COPY sub-protocol. */
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]); // 'c', length 4
const COPY_FAIL = 0x66; // 'f'
/** COPY data held in the socket's buffer before waiting for it to drain: a writer part's COPY (1–3 MB) goes in one write. */
export const MAX_BUFFERED = 4 * 1024 * 1024;

/**
 * `COPY table (columns) FROM STDIN` of `lines` (COPY text, one row per line) on the connection of
 * `db` — inside its transaction when `db` is one. Returns the rows copied. `prelude`: statements
 * without parameters sent in the same message, before the COPY (one round trip for all); they
 * must return no rows.
 *
 * The query, its data (CopyData messages of ~256 KB) and the CopyDone go to the
 * socket in one write when the data is under 4 MiB (larger data streams as the socket drains),
 * without waiting for the server's CopyInResponse: Postgres reads the data
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
  const copy = new CopyFromStdin(`${prelude ? `${prelude}; ` : ''}COPY ${table} (${columns.join(', ')}) FROM STDIN`, lines);
  await db.executeQuery(CompiledQuery.raw(copy as unknown as string));
  return copy.done;
}

/**
 * `lines` as CopyData messages of about {@link CHUNK_BYTES} bytes of text (the last one fewer),
 * each one buffer, header included: every line is encoded straight into it, so a part's COPY
 * text is never joined into strings first (each join a copy, and garbage for the collector) and
 * a message is one socket write, not two.
 */
function* copyDataMessages(lines: Iterable<string>): Generator<Buffer> {
  let message = Buffer.allocUnsafe(HEADER_BYTES + CHUNK_BYTES);
  let at = HEADER_BYTES;
  const seal = () => writeHeader(message.subarray(0, at), COPY_DATA);
  for (const line of lines) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: a line that may not fit goes to the next message.
    const most = line.length * 3;
    if (at + most > message.length) {
      if (at > HEADER_BYTES) yield seal();
      message = Buffer.allocUnsafe(HEADER_BYTES + Math.max(CHUNK_BYTES, most));
      at = HEADER_BYTES;
    }
    at += message.write(line, at);
  }
  if (at > HEADER_BYTES) yield seal();
}

/** Fills the first {@link HEADER_BYTES} of `message` with its header: its type, then its length (itself included, not the type). */
function writeHeader(message: Buffer, type: number): Buffer {
  message[0] = type;
  message.writeUInt32BE(message.length - 1, 1);
  return message;
}

/** A CopyFail message: the server ends the COPY with an error (our own `reason` in its text). */
function copyFail(reason: string): Buffer {
  const text = `${reason}\0`;
  const message = Buffer.allocUnsafe(HEADER_BYTES + Buffer.byteLength(text));
  message.write(text, HEADER_BYTES);
  return writeHeader(message, COPY_FAIL);
}

/** Resolves when the socket's buffer has drained, or the socket is gone. */
function drained(stream: PgConnection['stream']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** The part of pg's connection a query object uses (pg's `Connection`; not in its types). */
export interface PgConnection {
  stream: {
    cork(): void;
    uncork(): void;
    write(data: Buffer): boolean;
    readonly writableLength: number;
    on(event: 'drain' | 'close', listener: () => void): unknown;
    off(event: 'drain' | 'close', listener: () => void): unknown;
  };
  query(text: string): void;
}

/** A pg query object (what pg calls a "submittable") for one COPY FROM STDIN and its data. Exported for its unit test. */
export class CopyFromStdin {
  /** Settles when the server is ready for the next query: the rows copied, or the error. */
  readonly done: Promise<number>;
  private rowCount = 0;
  private settle!: { resolve(n: number): void; reject(err: unknown): void };
  /** The server has answered for good (ReadyForQuery or an error): send nothing more. */
  private finished = false;
  /** What `lines` threw, if it did: the COPY is failed with it, and it is what the caller gets. */
  private failure: { error: unknown } | undefined;

  constructor(
    readonly text: string,
    private readonly lines: Iterable<string>,
  ) {
    this.done = new Promise<number>((resolve, reject) => (this.settle = { resolve, reject }));
    // Awaited by copyIn after the query resolves; never an unhandled rejection meanwhile.
    this.done.catch(() => undefined);
  }

  /**
   * Called by pg when the query's turn comes: the query and the data in one corked write, as long
   * as the data stays under {@link MAX_BUFFERED} (a writer part's does); beyond that the rest
   * streams as the socket drains, so a large COPY neither holds all its data in memory nor makes
   * Postgres wait until it is all made: the lines are produced while Postgres stores the ones before.
   */
  submit(connection: PgConnection): void {
    connection.stream.cork();
    connection.query(this.text);
    void this.pump(connection.stream);
  }

  /** Writes the data and the CopyDone; runs synchronously until the first wait for a drain. */
  private async pump(stream: PgConnection['stream']): Promise<void> {
    let corked = true;
    const uncork = () => {
      if (corked) stream.uncork();
      corked = false;
    };
    try {
      for (const message of copyDataMessages(this.lines)) {
        // After an error the server drops whatever data follows; stop making it.
        if (this.finished) return;
        stream.write(message);
        if (stream.writableLength > MAX_BUFFERED) {
          uncork();
          await drained(stream);
        }
      }
      if (!this.finished) stream.write(COPY_DONE);
    } catch (error) {
      this.failure = { error };
      if (!this.finished) stream.write(copyFail('the COPY data could not be made'));
    } finally {
      uncork();
    }
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
    this.finished = true;
    this.callback();
    this.settle.resolve(this.rowCount);
  }

  /** An error from the server (pg then skips the ReadyForQuery for us) or the connection's loss. */
  handleError(err: unknown): void {
    this.finished = true;
    this.callback();
    this.settle.reject(this.failure ? this.failure.error : err);
  }

  // Answers the prelude's statements may give; they hold no rows.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}
