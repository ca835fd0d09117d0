import type { ServiceName } from '@canvas-sync/testkit';
import { seededRandom } from './soak-load.js';
import type { SoakTopology } from './soak-topology.js';

/** The faults of the soak (issue 18). `replicas` kills one replica of every role at once. */
export type FaultKind = 'meta-leader' | 'stream-leader' | 'replicas' | `replica:${ServiceName}` | 'postgres' | 'canvas-outage';

/** One fault of the schedule, and what it did once run. */
export interface SoakFault {
  kind: FaultKind;
  /** Planned time, ms after the phase began. */
  atMs: number;
  /** When it was injected (ms after the phase began); later than `atMs` if the previous one had not healed. */
  injectedAtMs?: number;
  target?: string;
  /** Syncs running at the injection. */
  syncsRunning?: number;
  /** Injection until the component is back (node rejoined with every stream replica current, replica ready, database up, outage over). */
  backMs?: number;
  /** Injection until it is back and every sync that was running then has moved on (or ended): work resumed. */
  healMs?: number;
  /** Sync starts the client had to try again between this fault and the next. */
  startRetries?: number;
  error?: string;
}

const CORE: FaultKind[] = ['meta-leader', 'stream-leader', 'replicas', 'postgres', 'canvas-outage'];
const MORE: FaultKind[] = ['meta-leader', 'stream-leader', 'replica:fetcher', 'replica:writer', 'replica:api', 'replica:notifier', 'canvas-outage'];
const STREAMS = ['SYNC_WORK', 'SYNC_RESULTS', 'SYNC_PROGRESS'] as const;

/**
 * The fixed, seeded schedule: `count` faults `intervalMs` apart from `firstMs`. The first five are
 * one of each kind (so a short run covers them all), in seeded order; the rest rotate through the
 * node and single-role kinds and the outage. Postgres restarts once.
 */
export function faultSchedule(seed: number, count: number, firstMs: number, intervalMs: number): SoakFault[] {
  const random = seededRandom(seed);
  const shuffle = <T>(xs: T[]) => xs.map((x) => [random(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
  const kinds = shuffle(CORE);
  while (kinds.length < count) kinds.push(...shuffle(MORE));
  return kinds.slice(0, count).map((kind, i) => ({ kind, atMs: firstMs + i * intervalMs }));
}

/** Runs the faults against the topology; `restartDelayMs` is the "kubelet" delay before a node or the database comes back. */
export class FaultRunner {
  private readonly random: () => number;

  constructor(
    private readonly t: SoakTopology,
    seed: number,
    private readonly restartDelayMs: number,
    private readonly outageMs: number,
  ) {
    this.random = seededRandom(seed ^ 0x5eed);
  }

  /** Injects each fault at its time (or once the previous one is back), and measures its heal in the background. */
  async run(faults: SoakFault[], phaseStart: number): Promise<void> {
    const heals: Array<Promise<void>> = [];
    for (const fault of faults) {
      await sleep(phaseStart + fault.atMs - Date.now());
      const at = Date.now();
      fault.injectedAtMs = at - phaseStart;
      const running = await this.runningSyncs();
      fault.syncsRunning = running.size;
      try {
        await this.inject(fault);
        fault.backMs = Date.now() - at;
      } catch (err) {
        fault.error = String(err);
      }
      heals.push(this.resumed(running).then(() => void (fault.healMs = Date.now() - at)).catch((err: unknown) => void (fault.error ??= String(err))));
    }
    await Promise.all(heals);
  }

  private async inject(fault: SoakFault): Promise<void> {
    const t = this.t;
    switch (fault.kind) {
      case 'meta-leader':
      case 'stream-leader': {
        const stream = t.ns.stream(STREAMS[Math.floor(this.random() * STREAMS.length)]!);
        const leader = fault.kind === 'meta-leader' ? await t.cluster.metaLeader() : (await t.jsm.streams.info(stream)).cluster?.leader;
        if (!leader) throw new Error(`no ${fault.kind} to kill`);
        fault.target = fault.kind === 'meta-leader' ? leader : `${leader} (leader of ${stream})`;
        const node = t.cluster.node(leader);
        await node.kill('SIGKILL');
        await sleep(this.restartDelayMs);
        await node.restart();
        await until(() => this.clusterHealthy(), 180_000, 'the cluster to heal');
        return;
      }
      case 'postgres':
        fault.target = 'postgres';
        await t.postgres.kill('SIGKILL');
        await sleep(this.restartDelayMs);
        await t.postgres.restart();
        return;
      case 'canvas-outage':
        fault.target = `canvas ${this.outageMs / 1000} s`;
        t.sim.setFaults({ outageSeconds: this.outageMs / 1000 });
        await sleep(this.outageMs);
        t.sim.clearFaults();
        return;
      default: {
        const roles: ServiceName[] = fault.kind === 'replicas' ? ['api', 'notifier', 'fetcher', 'writer'] : [fault.kind.slice('replica:'.length) as ServiceName];
        const victims = roles.map((role) => {
          const of = t.supervisor.of(role);
          return of[Math.floor(this.random() * of.length)]!;
        });
        fault.target = victims.map((v) => v.name).join(', ');
        await Promise.all(victims.map((v) => t.supervisor.kill(v)));
      }
    }
  }

  /** Every node up, a meta leader, and every stream led with all its replicas current. */
  private async clusterHealthy(): Promise<boolean> {
    const t = this.t;
    if (t.cluster.nodes.some((n) => !n.running) || !(await t.cluster.metaLeader())) return false;
    for (const name of ['SYNC_WORK', 'SYNC_RESULTS', 'SYNC_PROGRESS', 'DEAD_LETTERS', 'CANVAS_EVENTS'] as const) {
      const info = await t.jsm.streams.info(t.ns.stream(name));
      const c = info.cluster;
      if (!c?.leader || (c.replicas ?? []).length !== t.replicas - 1 || c.replicas!.some((r) => !r.current || r.offline)) return false;
    }
    return true;
  }

  /** The queued or running syncs now, with their `seq`. */
  private async runningSyncs(): Promise<Map<string, number>> {
    const rows = await this.t.database.db.selectFrom('syncs').select(['id', 'seq']).where('status', 'in', ['queued', 'running']).execute().catch(() => []);
    return new Map(rows.map((r) => [r.id, Number(r.seq)]));
  }

  /** Resolves when every sync of `before` has ended or moved on (its `seq` rose). */
  private async resumed(before: Map<string, number>): Promise<void> {
    await until(async () => {
      if (before.size === 0) return true;
      const rows = await this.t.database.db.selectFrom('syncs').select(['id', 'seq', 'status']).where('id', 'in', [...before.keys()]).execute();
      return rows.every((r) => !['queued', 'running'].includes(r.status) || Number(r.seq) > before.get(r.id)!);
    }, 600_000, 'the syncs running at the fault to move on');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}
