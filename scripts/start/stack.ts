/** Everything `npm start` started, closed in reverse order (services before the servers they use). */
export class Stack {
  private readonly closers: Array<{ name: string; close: () => Promise<void> }> = [];
  private stopping: Promise<void> | undefined;

  add(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  /**
   * Ctrl-C / SIGTERM stop everything; a second signal exits at once. One Ctrl-C arrives twice under `npm start` (the
   * terminal signals the whole process group and npm forwards it again), so a repeat within `duplicateMs` is the same one.
   */
  listen(duplicateMs = 1_000): void {
    let firstAt = 0;
    const onSignal = () => {
      if (this.stopping && Date.now() - firstAt < duplicateMs) return;
      if (this.stopping) {
        console.error('\n[start] second signal: exiting now (some processes may linger; see the pids above)');
        process.exit(1);
      }
      firstAt = Date.now();
      console.log('\n[start] stopping…');
      void this.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { name, close } of [...this.closers].reverse()) {
        try {
          await close();
          console.log(`[start] stopped ${name}`);
        } catch (err) {
          console.error(`[start] stopping ${name} failed: ${(err as Error).message}`);
        }
      }
    })();
    return this.stopping;
  }
}

/** Prints the problem and its fix, stops what was started, and exits 1. */
export async function fail(stack: Stack, problem: string, fix: string): Promise<never> {
  console.error(`\n[start] ${problem}\n        fix: ${fix}\n`);
  await stack.stop();
  process.exit(1);
}
