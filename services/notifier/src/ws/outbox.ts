import { encodeFrame, isTerminal, type ServerFrame } from './frames.js';

/** What the outbox writes to: a WebSocket, or a fake in unit tests. */
export interface FrameSink {
  /** Bytes accepted but not yet handed to the OS (ws's `bufferedAmount`). */
  readonly bufferedAmount: number;
  /** Sends `data` (UTF-8 JSON) as one text frame. */
  send(data: Buffer, done: (err?: Error) => void): void;
}

/** Limits of one socket's outbox. */
export interface OutboxOptions {
  /** Above this many buffered bytes, frames wait in the queue (and progress frames coalesce). */
  highWaterBytes: number;
  /** Frames that may wait; beyond it the client is too slow to keep (`onOverflow`). */
  maxQueued: number;
  onOverflow(): void;
  onCoalesced?(): void;
}

interface Queued {
  data: Buffer;
  /** Set for non-terminal progress frames: a newer one for the same sync replaces it. */
  coalesceKey: string | undefined;
}

/**
 * A bounded per-socket queue. Frames go straight to the socket while it drains; when the client
 * reads slowly they wait here, and a waiting non-terminal progress frame is replaced by a newer one
 * of the same sync (frames carry the whole state, so only the newest matters). Terminal, snapshot
 * and error frames are never dropped; a client that still overflows the bound is cut off, so one
 * slow reader never costs the process unbounded memory or slows the others.
 */
export class Outbox {
  private readonly queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** One callback for every write (not a closure per frame): flush what waited once a write is out. */
  private readonly written = () => {
    if (this.queue.length > 0) this.flush();
  };

  constructor(
    private readonly sink: FrameSink,
    private readonly options: OutboxOptions,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  push(frame: ServerFrame): void {
    if (this.closed) return;
    const coalesceKey = frame.type === 'progress' && !isTerminal(frame.status) ? frame.syncId : undefined;
    const data = encodeFrame(frame);
    if (this.queue.length === 0 && this.sink.bufferedAmount < this.options.highWaterBytes) {
      this.sink.send(data, this.written);
      return;
    }
    if (coalesceKey !== undefined) {
      const index = this.queue.findIndex((q) => q.coalesceKey === coalesceKey);
      if (index >= 0) {
        this.queue[index] = { data, coalesceKey };
        this.options.onCoalesced?.();
        return;
      }
    }
    this.queue.push({ data, coalesceKey });
    if (this.queue.length > this.options.maxQueued) {
      this.close();
      this.options.onOverflow();
      return;
    }
    this.schedule();
  }

  /** Drops everything and stops writing (the socket is gone). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    while (!this.closed && this.queue.length > 0 && this.sink.bufferedAmount < this.options.highWaterBytes) {
      this.sink.send(this.queue.shift()!.data, this.written);
    }
    if (this.queue.length > 0) this.schedule();
  }

  /** Send callbacks drive most flushing; the timer covers a socket that drained without one. */
  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, 50);
    this.timer.unref();
  }
}
