import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientCommand, ClientReport } from './ws-clients.child.js';

const SCRIPT = fileURLToPath(new URL('./ws-clients.child.ts', import.meta.url));

/** WebSocket clients in child processes (ws-clients.child.ts), each holding a share of the sockets. */
export class ClientProcesses {
  private readonly children: ChildProcess[];
  private readonly listeners = new Set<(index: number, report: ClientReport) => void>();
  private readonly sockets: number[];

  constructor(count: number) {
    this.children = Array.from({ length: count }, (_, index) => {
      const child = fork(SCRIPT, [], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (report: ClientReport) => this.listeners.forEach((l) => l(index, report)));
      return child;
    });
    this.sockets = this.children.map(() => 0);
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid!);
  }

  get total(): number {
    return this.sockets.reduce((a, b) => a + b, 0);
  }

  /** Opens sockets until `total` are open, spread evenly over the processes. */
  async openUntil(total: number, target: { url: string; token: string; syncId: string }): Promise<void> {
    const per = Math.ceil(total / this.children.length);
    await Promise.all(
      this.children.map(async (child, index) => {
        const count = Math.min(per, total - per * index) - this.sockets[index]!;
        if (count <= 0) return;
        const reply = this.next(index, (r) => r.type === 'opened' || r.type === 'failed');
        this.send(child, { type: 'open', ...target, count });
        const report = await reply;
        if (report.type === 'failed') throw new Error(`client process ${index}: ${report.message}`);
        if (report.type === 'opened') this.sockets[index] = report.sockets;
      }),
    );
  }

  /**
   * Arrival times (epoch ms) of frame `seq` at every socket: each process reports once all its
   * sockets have it; after `timeoutMs` the processes still waiting report what they have (and
   * 10 s later whatever came is taken). Call it before the frame can go out.
   */
  async arrivals(seq: number, timeoutMs: number): Promise<number[]> {
    const got = new Map<number, number[]>();
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const listener = (index: number, r: ClientReport) => {
      if (r.type !== 'arrivals' || r.seq !== seq || got.has(index)) return;
      got.set(index, r.at);
      if (got.size === this.children.length) done();
    };
    this.listeners.add(listener);
    const timer = setTimeout(() => this.children.forEach((c, i) => !got.has(i) && c.connected && this.send(c, { type: 'report', seq })), timeoutMs);
    const last = setTimeout(done, timeoutMs + 10_000);
    try {
      await all;
    } finally {
      clearTimeout(timer);
      clearTimeout(last);
      this.listeners.delete(listener);
    }
    return [...got.values()].flat();
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || !child.connected) return resolve();
            child.once('exit', () => resolve());
            this.send(child, { type: 'close' });
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
  }

  private send(child: ChildProcess, command: ClientCommand): void {
    child.send(command);
  }

  private next(index: number, match: (r: ClientReport) => boolean): Promise<ClientReport> {
    return new Promise((resolve) => {
      const listener = (i: number, r: ClientReport) => {
        if (i !== index || !match(r)) return;
        this.listeners.delete(listener);
        resolve(r);
      };
      this.listeners.add(listener);
    });
  }
}
