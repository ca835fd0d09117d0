import { WebSocket } from 'ws';

/**
 * A fan-out client process: holds WebSocket clients of the notifier (authenticated, subscribed to
 * one sync) and reports when each progress frame arrived, so the clients' event loop is not the
 * notifier's nor the bench's. Driven over IPC by bench/notifier-fanout.bench.ts.
 *
 * Arrival time = `performance.timeOrigin + performance.now()`: milliseconds since the epoch with
 * sub-millisecond resolution, comparable with the parent's reading of the same expression on the
 * same machine (both rest on the system clock at process start plus the monotonic clock since).
 */
export type ClientCommand =
  | { type: 'open'; url: string; token: string; syncId: string; count: number }
  | { type: 'report'; seq: number }
  | { type: 'close' };

export type ClientReport =
  | { type: 'opened'; sockets: number }
  | { type: 'arrivals'; seq: number; at: number[] }
  | { type: 'failed'; message: string };

const now = () => performance.timeOrigin + performance.now();
const sockets: WebSocket[] = [];
const arrivals = new Map<number, number[]>();
const send = (report: ClientReport) => process.send?.(report);

function open(url: string, token: string, syncId: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error('socket not subscribed in 60 s')), 60_000);
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data) => {
      const at = now();
      const frame = JSON.parse(data.toString()) as { type: string; seq?: number };
      if (frame.type === 'progress' && frame.seq !== undefined) {
        let list = arrivals.get(frame.seq);
        if (!list) arrivals.set(frame.seq, (list = []));
        list.push(at);
        // Every socket has it: report at once (the parent asks for stragglers after its deadline).
        if (list.length === sockets.length) report(frame.seq);
      } else if (frame.type === 'ready') ws.send(JSON.stringify({ type: 'subscribe', syncId }));
      else if (frame.type === 'snapshot') {
        clearTimeout(timer);
        resolve(ws);
      }
    });
  });
}

function report(seq: number): void {
  send({ type: 'arrivals', seq, at: arrivals.get(seq) ?? [] });
  arrivals.delete(seq);
}

process.on('message', (command: ClientCommand) => {
  if (command.type === 'open') {
    void (async () => {
      try {
        let left = command.count;
        while (left > 0) {
          const batch = Math.min(250, left);
          sockets.push(...(await Promise.all(Array.from({ length: batch }, () => open(command.url, command.token, command.syncId)))));
          left -= batch;
        }
        send({ type: 'opened', sockets: sockets.length });
      } catch (err) {
        send({ type: 'failed', message: (err as Error).message });
      }
    })();
  } else if (command.type === 'report') {
    if (arrivals.has(command.seq)) report(command.seq);
    else send({ type: 'arrivals', seq: command.seq, at: [] });
  } else {
    for (const ws of sockets) ws.terminate();
    process.disconnect();
  }
});
