import type { Logger } from 'pino';

/** Something to close on shutdown. */
export type Releaser = () => Promise<void> | void;

/**
 * Runs releasers in LIFO order on SIGTERM/SIGINT (the last opened closes first: stop intake
 * before closing the connections it uses). A deadline below Kubernetes' grace period, or a second
 * signal, forces exit 1 so a stuck close never hangs a rollout.
 */
export class Shutdown {
  private readonly releasers: Array<{ name: string; release: Releaser }> = [];
  private started = false;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs: number,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  /** Registers a releaser; it runs before every releaser registered earlier. */
  add(name: string, release: Releaser): void {
    this.releasers.push({ name, release });
  }

  get inProgress(): boolean {
    return this.started;
  }

  /** Installs the signal handlers. */
  listen(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.started) {
        this.logger.warn({ signal }, 'second signal; forcing exit');
        this.exit(1);
        return;
      }
      void this.run(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  /** Closes everything; exits 0 when all releasers finished in time, 1 otherwise. */
  async run(reason: string): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      this.logger.error({ deadlineMs: this.deadlineMs }, 'shutdown deadline passed; forcing exit');
      this.exit(1);
    }, this.deadlineMs);
    timer.unref();
    let failed = false;
    for (const { name, release } of [...this.releasers].reverse()) {
      try {
        await release();
      } catch (err) {
        failed = true;
        this.logger.error({ err, releaser: name }, 'release failed');
      }
    }
    clearTimeout(timer);
    this.logger.info('shutdown complete');
    this.exit(failed ? 1 : 0);
  }
}
