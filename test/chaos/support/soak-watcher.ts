import { WebSocket } from 'ws';
import { userToken } from './user-clients.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * A browser watching one sync through the notifiers behind a load balancer: it connects to the
 * next notifier in turn, authenticates, subscribes, and on a lost socket reconnects (to the next
 * one, after 500 ms, as the panel does) and gets a fresh snapshot. It is done when a frame (a
 * snapshot or a progress frame) says the sync ended.
 */
export class SyncWatcher {
  terminal: string | undefined;
  terminalAt: number | undefined;
  frames = 0;
  reconnects = 0;
  private ws: WebSocket | undefined;
  private stopped = false;

  constructor(
    private readonly urls: () => string[],
    private turn: number,
    private readonly userId: string,
    private readonly syncId: string,
  ) {}

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.terminal) return;
    const urls = this.urls();
    const url = urls[this.turn++ % urls.length]!;
    const token = await userToken(this.userId);
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.on('error', () => undefined);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; syncId?: string; status?: string; sync?: { id: string; status: string } };
      if (frame.type === 'ready') return ws.send(JSON.stringify({ type: 'subscribe', syncId: this.syncId }));
      const status = frame.type === 'snapshot' ? frame.sync?.status : frame.type === 'progress' && frame.syncId === this.syncId ? frame.status : undefined;
      if (status === undefined) return;
      this.frames++;
      if (TERMINAL.has(status) && !this.terminal) {
        this.terminal = status;
        this.terminalAt = Date.now();
        ws.close();
      }
    });
    ws.on('close', () => {
      if (this.stopped || this.terminal) return;
      this.reconnects++;
      setTimeout(() => void this.connect(), 500).unref();
    });
  }
}
