/** What every benchmark gets from run.ts: the mode, the servers, a progress log and a cleanup registry. */
export interface BenchContext {
  quick: boolean;
  servers: { natsUrl: string; postgresUrl: string };
  /** A progress line on stderr (stdout carries only the results). */
  log(message: string): void;
  cleanup: Cleanup;
}

/**
 * Closers of everything a benchmark created (databases, NATS namespaces, processes, sockets), run
 * LIFO. A benchmark removes its closers as it closes things itself; run.ts runs whatever is left on
 * an error or on Ctrl-C, so an interrupted run leaves no database or stream behind.
 */
export class Cleanup {
  private readonly closers: Array<{ name: string; close: () => Promise<void> }> = [];

  /** Registers `close`; the returned function runs it now (once) and unregisters it. */
  add(name: string, close: () => Promise<void>): () => Promise<void> {
    const entry = { name, close };
    this.closers.push(entry);
    let done: Promise<void> | undefined;
    return () => {
      done ??= (async () => {
        const index = this.closers.indexOf(entry);
        if (index >= 0) this.closers.splice(index, 1);
        await close();
      })();
      return done;
    };
  }

  async runAll(onError: (name: string, err: unknown) => void): Promise<void> {
    while (this.closers.length > 0) {
      const { name, close } = this.closers.pop()!;
      try {
        await close();
      } catch (err) {
        onError(name, err);
      }
    }
  }
}

/** Seconds since `start` (a `performance.now()` value). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` again (up to 5 tries) when Postgres did not accept a connection in time: on a machine
 * loaded by other work a new backend can take longer than the pool's 5 s connect timeout, and a
 * benchmark's own bookkeeping should not fail for that. Only for calls that did nothing when they
 * failed to connect.
 */
export async function retryingConnect<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 5 || !/timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(String((err as Error).message))) throw err;
      await sleep(1_000 * attempt);
    }
  }
}
