import { freePort, spawnService, waitFor, type ServiceName, type ServiceProcess } from '@canvas-sync/testkit';

/** One replica of a service: fixed ports, the process that holds them now, and its restarts. */
export interface Replica {
  role: ServiceName;
  name: string;
  port: number;
  proc: ServiceProcess;
  restarts: number;
  /** Serving (readyz 200) since the last (re)start. */
  ready: boolean;
}

/** The replicas the soak runs (issue 18): two api, two notifier, three fetchers, two writers. */
export const SOAK_REPLICAS: Record<ServiceName, number> = { api: 2, notifier: 2, fetcher: 3, writer: 2 };

/**
 * Plays Kubernetes for the service processes: a replica that dies (SIGKILL, crash) is started
 * again on the same ports after `restartDelayMs`, like a Deployment's replacement pod. `onReady`
 * runs after every (re)start — the soak re-applies its test-only consumer settings there, since a
 * starting service provisions the production ones.
 */
export class Supervisor {
  readonly replicas: Replica[] = [];
  private stopping = false;

  constructor(
    private readonly env: Record<string, string>,
    private readonly restartDelayMs: number,
    private readonly onReady: (r: Replica) => Promise<void> = async () => undefined,
  ) {}

  /** Starts every replica of {@link SOAK_REPLICAS} (or `counts`) and waits until all are ready. */
  async start(counts: Record<ServiceName, number> = SOAK_REPLICAS): Promise<void> {
    const starts: Array<Promise<void>> = [];
    for (const role of Object.keys(counts) as ServiceName[]) {
      for (let i = 0; i < counts[role]; i++) starts.push(this.add(role, i));
    }
    await Promise.all(starts);
  }

  /** Replicas of a role, in index order. */
  of(role: ServiceName): Replica[] {
    return this.replicas.filter((r) => r.role === role);
  }

  /** SIGKILLs a replica; the supervisor starts its replacement after the delay. Resolves when it is ready again. */
  async kill(replica: Replica): Promise<void> {
    const restarts = replica.restarts;
    await replica.proc.kill('SIGKILL');
    await waitFor(async () => replica.restarts > restarts && replica.ready, 180_000, `${replica.name} to be replaced`);
  }

  /** SIGTERM to every replica (no restarts from now on). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.replicas.map((r) => r.proc.kill('SIGTERM')));
  }

  /** The last log lines of every replica, for a red run's output. */
  logs(lines = 20): string {
    return this.replicas.map((r) => `--- ${r.name} (pid ${r.proc.child.pid}, restarts ${r.restarts})\n${r.proc.lines.slice(-lines).join('\n')}`).join('\n');
  }

  private async add(role: ServiceName, index: number): Promise<void> {
    const port = await freePort();
    const replica: Replica = { role, name: `${role}-${index}`, port, proc: this.spawn(role, port), restarts: 0, ready: false };
    this.replicas.push(replica);
    await this.whenReady(replica);
  }

  private spawn(role: ServiceName, port: number): ServiceProcess {
    const variable = role === 'api' ? 'API_PORT' : role === 'notifier' ? 'NOTIFIER_PORT' : 'HEALTH_PORT';
    return spawnService(role, { ...this.env, [variable]: String(port) });
  }

  private async whenReady(replica: Replica): Promise<void> {
    const proc = replica.proc;
    void proc.exited.then(() => this.replace(replica, proc));
    await proc.waitReady(replica.port, 180_000);
    await this.onReady(replica);
    replica.ready = true;
  }

  /** A dead replica's replacement, after the delay a kubelet would take (the same ports: a Service in front). */
  private async replace(replica: Replica, dead: ServiceProcess): Promise<void> {
    if (this.stopping || replica.proc !== dead) return;
    replica.ready = false;
    await new Promise((r) => setTimeout(r, this.restartDelayMs));
    if (this.stopping) return;
    replica.proc = this.spawn(replica.role, replica.port);
    replica.restarts++;
    await this.whenReady(replica).catch(() => undefined);
  }
}
