import { describe, expect, it, vi } from 'vitest';
import type { ProgressFrame } from './frames.js';
import { Outbox, type FrameSink } from './outbox.js';

/** A socket whose buffer fills as frames are sent and drains only when the test says so. */
class FakeSink implements FrameSink {
  bufferedAmount = 0;
  readonly sent: any[] = [];
  private readonly callbacks: Array<() => void> = [];
  send(data: Buffer, done: () => void): void {
    this.sent.push(JSON.parse(data.toString('utf8')));
    this.bufferedAmount += data.length;
    this.callbacks.push(done);
  }
  /** The client read everything: the buffer empties and send callbacks fire. */
  drain(): void {
    this.bufferedAmount = 0;
    for (const cb of this.callbacks.splice(0)) cb();
  }
}

const frame = (syncId: string, seq: number, status: ProgressFrame['status'] = 'running'): ProgressFrame => ({
  type: 'progress',
  syncId,
  seq,
  status,
  phase: 'fetching',
  progress: { done: seq, total: 100, percent: seq },
  etaSeconds: null,
  counts: {},
  message: '',
});

describe('Outbox', () => {
  const options = { highWaterBytes: 100, maxQueued: 10, onOverflow: vi.fn() };

  it('sends straight through while the socket drains', () => {
    const sink = new FakeSink();
    const outbox = new Outbox(sink, options);
    for (let i = 1; i <= 3; i++) {
      outbox.push(frame('a', i));
      sink.drain();
    }
    expect(sink.sent.map((f) => f.seq)).toEqual([1, 2, 3]);
  });

  it('keeps only the newest running frame per sync for a slow client, and every terminal one', () => {
    const sink = new FakeSink();
    const onCoalesced = vi.fn();
    const outbox = new Outbox(sink, { ...options, onCoalesced });
    outbox.push(frame('a', 1));
    sink.bufferedAmount = 1_000; // the client stopped reading
    for (let i = 2; i <= 50; i++) outbox.push(frame('a', i));
    for (let i = 1; i <= 50; i++) outbox.push(frame('b', i));
    outbox.push(frame('b', 51, 'completed'));
    outbox.push(frame('a', 51, 'failed'));
    expect(outbox.queued).toBe(4);
    while (outbox.queued > 0) sink.drain();
    expect(sink.sent.map((f) => `${f.syncId}${f.seq}`)).toEqual(['a1', 'a50', 'b50', 'b51', 'a51']);
    expect(onCoalesced).toHaveBeenCalledTimes(48 + 49);
  });

  it('cuts off a client that overflows the bound with frames it cannot coalesce', () => {
    const sink = new FakeSink();
    const onOverflow = vi.fn();
    const outbox = new Outbox(sink, { ...options, onOverflow });
    sink.bufferedAmount = 1_000;
    for (let i = 0; i < 11; i++) outbox.push(frame(`s${i}`, 1, 'completed'));
    expect(onOverflow).toHaveBeenCalledOnce();
    outbox.push(frame('late', 1));
    sink.drain();
    expect(sink.sent).toEqual([]);
  });
});
