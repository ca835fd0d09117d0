import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer, NATS_SERVER_INSTALL_HINT } from './servers/nats-server.js';
import { randomPort, waitUntil } from './servers/probes.js';

/** One node of a {@link NatsCluster}: fixed ports and store, so a restart rejoins as the same server. */
export interface ClusterNode {
  /** `server_name`, as JetStream reports leaders (`n0`, `n1`, …). */
  name: string;
  url: string;
  port: number;
  monitorPort: number;
  readonly pid: number;
  readonly running: boolean;
  /** SIGKILL by default: no lame-duck, no clean shutdown (a node or pod lost). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on its ports and store; resolves when its monitoring port says JetStream is healthy. */
  restart(): Promise<void>;
}

/** A JetStream cluster of `nats-server` processes on loopback (k8s/overlays/prod/nats-cluster.yaml, shrunk to a machine). */
export interface NatsCluster {
  nodes: ClusterNode[];
  /** Every node's URL, comma-separated: what `NATS_URL` holds in production. */
  url: string;
  /** The server name of the JetStream meta leader, asked of any running node (`/jsz`); undefined while there is none. */
  metaLeader(): Promise<string | undefined>;
  node(name: string): ClusterNode;
  /** SIGTERM every node, then removes the stores. */
  stop(): Promise<void>;
}

/** Options of {@link startNatsCluster}. */
export interface NatsClusterOptions {
  /** Nodes (default 3: the production StatefulSet). */
  size?: number;
  bin?: string;
}

/**
 * Starts a JetStream cluster: each node with its own client, route and monitoring port (free ones),
 * its own store dir, routes to every node, the cluster name of production. Resolves once a meta
 * leader is elected. Tests kill and restart nodes to play a lost pod; the stores survive.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const bin = options.bin ?? findNatsServer();
  if (!bin) throw new Error(`no nats-server binary found: ${NATS_SERVER_INSTALL_HINT}`);
  const size = options.size ?? 3;
  const base = mkdtempSync(join(tmpdir(), 'canvas-sync-nats-cluster-'));
  const ports = await distinctPorts(size * 3);
  const routes = Array.from({ length: size }, (_, i) => `nats-route://127.0.0.1:${ports[i * 3 + 1]}`);
  const nodes = Array.from({ length: size }, (_, i) => clusterNode(bin, base, `n${i}`, ports[i * 3]!, ports[i * 3 + 1]!, ports[i * 3 + 2]!, routes));
  try {
    await Promise.all(nodes.map((n) => n.restart()));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  const cluster: NatsCluster = {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    async metaLeader() {
      for (const n of nodes.filter((x) => x.running)) {
        const jsz = await monitor<{ meta_cluster?: { leader?: string } }>(n.monitorPort, 'jsz');
        if (jsz?.meta_cluster?.leader) return jsz.meta_cluster.leader;
      }
      return undefined;
    },
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(`no cluster node named ${name}`);
      return found;
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
      rmSync(base, { recursive: true, force: true });
    },
  };
  if (!(await waitUntil(async () => (await cluster.metaLeader()) !== undefined, 30_000))) {
    await cluster.stop();
    throw new Error('the JetStream cluster elected no meta leader within 30 s');
  }
  return cluster;
}

function clusterNode(bin: string, base: string, name: string, port: number, routePort: number, monitorPort: number, routes: string[]): ClusterNode {
  const dir = join(base, name);
  const config = join(base, `${name}.conf`);
  // The production config's shape (nats-cluster.yaml), on loopback; the store and names per node.
  writeFileSync(
    config,
    [
      `server_name: ${name}`,
      `listen: 127.0.0.1:${port}`,
      `http: 127.0.0.1:${monitorPort}`,
      `jetstream { store_dir: "${dir}", max_memory_store: 256MB, max_file_store: 2GB }`,
      `cluster { name: canvas-sync, listen: 127.0.0.1:${routePort}, routes: [${routes.join(', ')}], connect_retries: 120 }`,
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let stderr = '';
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    name,
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    get pid() {
      return child?.pid ?? -1;
    },
    get running() {
      return running();
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const c = child;
      if (!c || !running()) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      await exited;
    },
    async restart() {
      if (running()) throw new Error(`${name} is running`);
      const spawned = spawn(bin, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = spawned;
      spawned.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
      // Healthy = JetStream up on this node (as the StatefulSet's readiness probe asks it).
      const up = await waitUntil(async () => {
        if (spawned.exitCode !== null) throw new Error('exited');
        return (await monitor(monitorPort, 'healthz?js-enabled-only=true')) !== undefined;
      }, 30_000);
      if (!up) {
        spawned.kill('SIGKILL');
        throw new Error(`nats-server ${name} did not come up on ${port}: ${stderr.trim() || 'no output'}`);
      }
    },
  };
}

/** A node's monitoring endpoint as JSON, or undefined when it does not answer 200. */
async function monitor<T>(port: number, path: string): Promise<T | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/${path}`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await randomPort());
  return [...ports];
}
