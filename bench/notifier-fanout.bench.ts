import { randomUUID } from 'node:crypto';
import { publish, syncProgress, toProgressEvent } from '@canvas-sync/shared';
import { createMigratedDatabase, createTestNats, freePort, spawnService } from '@canvas-sync/testkit';
import { ClientProcesses } from './fanout/client-processes.js';
import { sleep, type BenchContext } from './support/bench-context.js';
import { serviceNodeEnv } from './support/service-node-env.js';
import { fdLimits } from './support/fd-limit.js';
import { cpuSeconds, processMemory } from './support/proc-stats.js';
import type { BenchResult, Figure } from './support/results.writer.js';
import { median, percentile } from './support/stats.js';
import { signUserToken } from './support/user-token.js';

const USER = 'fanout-user';

/**
 * One notifier process; N WebSocket clients (the `ws` client, in `BENCH_FANOUT_PROCESSES` child
 * processes, 4 by default) authenticated as one user and subscribed to one running sync; progress events published on JetStream the way the
 * writer does (row updated, then `publish(… syncProgress …)`). Latency of a delivery = its arrival
 * at a client − the moment before the publish call; the next event goes out only when every client
 * has the previous one (so none is coalesced away). N grows by opening more sockets on the same
 * notifier.
 */
export async function runFanoutBench(ctx: BenchContext): Promise<BenchResult> {
  const wanted = process.env.BENCH_FANOUT_CLIENTS ? process.env.BENCH_FANOUT_CLIENTS.split(',').map(Number) : ctx.quick ? [1_000] : [1_000, 5_000, 10_000];
  const events = 5;
  const { soft } = fdLimits();
  // Each client is one file descriptor here; keep room for the pipeline's own sockets and files.
  const sizes = wanted.filter((n) => n + 500 <= soft);
  const notes: string[] = [];
  if (sizes.length < wanted.length) notes.push(`Open-file limit ${soft}: ran ${sizes.join(', ')} clients only (raise \`ulimit -n\` for more).`);
  const figures: Figure[] = [];

  const database = await createMigratedDatabase(ctx.servers.postgresUrl, 'cs_bench');
  const dropDb = ctx.cleanup.add(`database ${database.name}`, () => database.drop());
  const nats = await createTestNats({ url: ctx.servers.natsUrl });
  const closeNats = ctx.cleanup.add(`nats ${nats.nsName}`, () => nats.close());
  const port = await freePort();
  const notifier = spawnService('notifier', {
    NATS_URL: nats.url,
    DATABASE_URL: database.url,
    NATS_NAMESPACE: nats.nsName,
    NOTIFIER_PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // One user with every socket is the widest fan-out of one event; the cap's maximum is 10,000.
    WS_MAX_CONNECTIONS_PER_USER: String(Math.max(...wanted)),
    // Every client comes from 127.0.0.1, so the per-address cap on sockets not yet authenticated
    // must cover them all: each client process opens 250 at a time, but a loaded notifier can be
    // slower to check tokens than the clients are to connect, and in a full run 2,000 was not
    // enough ("Unexpected server response: 429"). The bench measures fan-out, not that guard.
    WS_MAX_UNAUTHENTICATED_PER_IP: String(Math.max(...wanted)),
    // `BENCH_CPU_PROF=<dir>`: the notifier writes `<dir>/notifier-<pid>.cpuprofile` when it exits.
    ...serviceNodeEnv(),
  });
  const stopNotifier = ctx.cleanup.add('notifier', async () => void (await notifier.kill('SIGTERM')));
  const processes = Number(process.env.BENCH_FANOUT_PROCESSES ?? 4);
  const clients = new ClientProcesses(processes);
  const closeClients = ctx.cleanup.add('ws client processes', () => clients.close());
  try {
    await notifier.waitReady(port, 60_000);
    const connection = await database.db
      .insertInto('connections')
      .values({ user_id: USER, base_url: 'https://canvas.example.edu', token_ciphertext: 'x', token_key_id: 'k', canvas_user: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const sync = await database.db
      .insertInto('syncs')
      .values({ id: randomUUID(), user_id: USER, connection_id: connection.id, status: 'running', phase: 'fetching', scope: JSON.stringify({ type: 'all' }) as never, mode: 'full', chunk_size: 10, plan_ready: true, units_total: 1_000, started_at: new Date() })
      .returningAll()
      .executeTakeFirstOrThrow();
    const token = signUserToken(USER);
    const url = `ws://127.0.0.1:${port}/ws`;

    const now = () => performance.timeOrigin + performance.now();

    let seq = sync.seq;
    for (const n of sizes) {
      const openStarted = performance.now();
      const before = clients.total;
      await clients.openUntil(n, { url, token, syncId: sync.id });
      const openSeconds = (performance.now() - openStarted) / 1000;
      const idle = processMemory(notifier.child.pid!);
      ctx.log(`fanout: ${n} clients ready (${openSeconds.toFixed(1)} s to open the new ones), notifier RSS ${idle?.rssMiB.toFixed(0)} MiB`);

      const all: number[] = [];
      const lastArrivals: number[] = [];
      let notifierCpu = 0;
      // Event 0 warms up (JIT, the notifier's first reads after new sockets) and is not counted.
      for (let e = -1; e < events; e++) {
        const row = await database.db
          .updateTable('syncs')
          .set((eb) => ({ seq: eb('seq', '+', 1), units_done: eb('units_done', '+', 1), updated_at: new Date() }))
          .where('id', '=', sync.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        seq = row.seq;
        const arrived = clients.arrivals(seq, 60_000);
        const cpuBefore = cpuSeconds(notifier.child.pid!);
        const publishedAt = now();
        await publish(nats.js, nats.ns, syncProgress, toProgressEvent(row), { id: `${row.id}:seq:${row.seq}`, correlationId: row.id, tokens: [row.id] });
        const arrivals = (await arrived).map((at) => at - publishedAt);
        if (e >= 0) notifierCpu += cpuSeconds(notifier.child.pid!) - cpuBefore;
        if (arrivals.length < n) notes.push(`**${n} clients, event ${e + 1}: only ${arrivals.length} delivered within 60 s.**`);
        if (e >= 0) {
          all.push(...arrivals);
          lastArrivals.push(Math.max(...arrivals));
        }
        await sleep(100);
      }
      const mem = processMemory(notifier.child.pid!);
      const c = `${n.toLocaleString('en-US')} clients`;
      figures.push(
        { case: c, name: 'p50 delivery', value: percentile(all, 50), unit: 'ms' },
        { case: c, name: 'p99 delivery', value: percentile(all, 99), unit: 'ms' },
        { case: c, name: 'last client', value: median(lastArrivals), unit: 'ms' },
        { case: c, name: 'notifier CPU per event', value: (notifierCpu / events) * 1000, unit: 'CPU ms' },
        { case: c, name: 'notifier RSS', value: mem?.rssMiB ?? Number.NaN, unit: 'MiB' },
        { case: c, name: 'notifier peak RSS', value: mem?.peakMiB ?? Number.NaN, unit: 'MiB' },
        { case: c, name: 'connect + auth + subscribe', value: (n - before) / openSeconds, unit: 'sockets/s' },
      );
      ctx.log(`fanout: ${n} clients: p50 ${percentile(all, 50).toFixed(1)} ms, p99 ${percentile(all, 99).toFixed(1)} ms, RSS ${mem?.rssMiB.toFixed(0)} MiB`);
    }
  } finally {
    await closeClients();
    await stopNotifier();
    await closeNats();
    await dropDb();
  }
  notes.push(
    `${events} events per size (after one warm-up event), each to every client of one user subscribed to one sync; latency = arrival at the client − just before \`publish()\` (JetStream publish and ack, the notifier's ordered consumer, its ETA read, its frame to every socket, the loopback, and the client process's own event loop). p50/p99 are over all deliveries of all events; last client = when the last socket had it (median over the events).`,
    `Clients in ${processes} child processes (\`BENCH_FANOUT_PROCESSES\`), the sockets spread evenly, so the bench's event loop is not the clients'; all share the machine's cores with the notifier, NATS and Postgres. Times are \`performance.timeOrigin + performance.now()\` in each process (epoch milliseconds, sub-millisecond resolution, the same clock on one machine), sent to the bench over IPC after the event.`,
    'Notifier CPU per event = user + system CPU of the notifier process from just before the publish until every client had the frame (/proc/<pid>/stat), mean over the events: the work of one fan-out, which depends much less on the machine\'s load than the latencies do.',
    'Notifier RSS read from /proc/<pid>/status (VmRSS after the events; VmHWM = peak since start). The sockets of a size stay open for the next size.',
  );
  return { id: 'fanout', title: 'Notifier fan-out: one progress event to N WebSocket clients', figures, notes };
}
