import pg from 'pg';

/**
 * The statements a process prepares on the server: the first `max` distinct parameterized SQL
 * texts it runs, each under one name. A connection then parses and plans such a statement once
 * and afterwards only binds and executes it — the services send the same few dozen statements
 * over and over (a writer part's claim, hash probe, checkpoint, change events), and Postgres
 * spent a quarter of a student sync's CPU parsing and planning them anew (docs/performance.md,
 * "Prepared statements"). Texts past `max` (one-off statements, `IN` lists of every length) run
 * unnamed as before, so a connection holds at most `max` prepared statements. Statements without
 * parameters (DDL, the multi-statement messages) are never prepared: Postgres cannot prepare
 * several statements at once.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();
  private issued = 0;

  constructor(readonly max: number) {}

  /** The name to prepare `text` under; undefined to run it unnamed. */
  nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined || this.names.size >= this.max) return known;
    const name = `canvas_sync_${this.issued++}`;
    this.names.set(text, name);
    return name;
  }

  /**
   * A new name for `text`: its prepared plan can no longer be used as it was (Postgres refuses a
   * cached plan whose result columns changed, e.g. `select *` after a migration added a column).
   * The next execution on every connection parses it afresh under the new name.
   */
  renew(text: string): void {
    if (!this.names.has(text)) return;
    this.names.set(text, `canvas_sync_${this.issued++}`);
  }
}

/** Statements prepared per process by default (`DB_PREPARED_STATEMENTS`). */
export const DEFAULT_PREPARED_STATEMENTS = 256;

/** SQLSTATE 0A000 with this text: a prepared statement's result type changed under it. */
const RESULT_TYPE_CHANGED = /cached plan must not change result type/;

/**
 * A pg client that runs parameterized statements as named prepared statements ({@link
 * StatementNames}); everything else passes through unchanged. Kysely calls `query(text, values)`.
 */
export function preparingClient(names: StatementNames): typeof pg.Client {
  return class PreparingClient extends pg.Client {
    // pg's `query` has a dozen overloads; only the (text, values) form is changed.
    override query(config: any, values?: any, callback?: any): any {
      const name = typeof config === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined ? names.nameOf(config) : undefined;
      if (name === undefined) return super.query(config, values, callback);
      return (super.query({ name, text: config, values }) as Promise<pg.QueryResult>).catch((err: unknown) => {
        if ((err as { code?: unknown }).code === '0A000' && RESULT_TYPE_CHANGED.test(String((err as Error).message))) names.renew(config);
        throw err;
      });
    }
  };
}
