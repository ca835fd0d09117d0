import { SyncWatcher } from './soak-watcher.js';
import type { SoakTopology } from './soak-topology.js';
import { apiCall } from './user-clients.js';

/** One simulated user of a phase: their sync, started through an api replica, and its watcher. */
export interface SoakUser {
  userId: string;
  simUserId: number;
  /** Planned start, ms after the phase began. */
  startAtMs: number;
  syncId?: string;
  /** 5xx answers and lost connections while starting it (the client tried again, as the panel does), by cause. */
  startRetries: Record<string, number>;
  /** When each retry happened (ms since the epoch), to tell which fault caused it. */
  retryTimes: number[];
  watcher?: SyncWatcher;
}

/** A seeded PRNG (mulberry32): the same seed gives the same users, start times and faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` users on simulator users `firstSimUser…`, their starts spread at random over `spreadMs`. */
export function planUsers(topology: SoakTopology, label: string, firstSimUser: number, count: number, spreadMs: number, random: () => number): SoakUser[] {
  return Array.from({ length: count }, (_, i) => ({
    userId: `soak-${label}-${i}`,
    simUserId: topology.sim.users[firstSimUser + i]!.id,
    startAtMs: Math.round(random() * spreadMs),
    startRetries: {},
    retryTimes: [],
  })).sort((a, b) => a.startAtMs - b.startAtMs);
}

/**
 * Calls the api through "the load balancer": the replicas in turn; a refused connection or a 5xx
 * is tried on the next one after a short pause, for up to two minutes (a client with retries).
 */
async function viaLoadBalancer(topology: SoakTopology, turn: number, userId: string, method: string, path: string, body: unknown, onRetry: (cause: string) => void): Promise<{ status: number; json: unknown }> {
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    const urls = topology.apiUrls();
    try {
      const res = await apiCall(urls[(turn + attempt) % urls.length]!, userId, method, path, body);
      if (res.status < 500 || Date.now() > deadline) return res;
      onRetry(`${res.status} ${(res.json as { error?: { code?: string } } | null)?.error?.code ?? ''}`.trim());
    } catch (err) {
      if (Date.now() > deadline) throw err;
      onRetry('connection lost or refused');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Saves every user's Canvas token through the api (before the phase's clock starts). */
export async function connectUsers(topology: SoakTopology, users: SoakUser[]): Promise<void> {
  for (let i = 0; i < users.length; i += 10) {
    await Promise.all(
      users.slice(i, i + 10).map(async (u, j) => {
        const token = topology.sim.users.find((s) => s.id === u.simUserId)!.token;
        const res = await viaLoadBalancer(topology, i + j, u.userId, 'PUT', '/api/v1/canvas/connection', { baseUrl: topology.sim.url, accessToken: token }, () => undefined);
        if (res.status !== 204) throw new Error(`connecting ${u.userId}: ${res.status} ${JSON.stringify(res.json)}`);
      }),
    );
  }
}

/**
 * Starts each user's sync at its planned time through an api replica and a watcher through a
 * notifier (round robin, as behind a load balancer). A 409 (a retried start that had in fact
 * succeeded) adopts the active sync it names. Resolves when every sync has been started.
 */
export async function runStarts(topology: SoakTopology, users: SoakUser[], phaseStart: number): Promise<void> {
  await Promise.all(
    users.map(async (u, i) => {
      await new Promise((r) => setTimeout(r, Math.max(0, phaseStart + u.startAtMs - Date.now())));
      const res = await viaLoadBalancer(topology, i, u.userId, 'POST', '/api/v1/syncs', { scope: { type: 'all' }, mode: 'full', chunkSize: 5 }, (cause) => {
        u.startRetries[cause] = (u.startRetries[cause] ?? 0) + 1;
        u.retryTimes.push(Date.now());
      });;
      // A 409 names the active sync beside `error` (services/api error handler).
      const json = res.json as { id?: string; syncId?: string } | null;
      if (res.status === 202 && json?.id) u.syncId = json.id;
      else if (res.status === 409 && json?.syncId) u.syncId = json.syncId;
      else throw new Error(`starting ${u.userId}'s sync: ${res.status} ${JSON.stringify(json)}`);
      u.watcher = new SyncWatcher(() => topology.notifierUrls(), i, u.userId, u.syncId);
      u.watcher.start();
    }),
  );
}
