import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { workStopper } from './work-stopper.js';

const logger = pino({ level: 'silent' });
const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
const long = 60 * 60_000;

describe('workStopper: a piece of work stops whenever its sync no longer wants it', () => {
  it('stops on a cancel broadcast', async () => {
    const cancel = new AbortController();
    const s = workStopper({ cancel: cancel.signal, timeLimitMs: long, wantedCheckMs: long, stillWanted: async () => true, logger });
    expect(s.signal.aborted).toBe(false);
    cancel.abort();
    await aborted(s.signal);
    expect(s.reason()).toBe('cancelled');
    s.dispose();
  });

  it('stops when the sync is failed, finished or re-planned (no broadcast: polled)', async () => {
    let wanted = true;
    let polls = 0;
    const s = workStopper({ cancel: new AbortController().signal, timeLimitMs: long, wantedCheckMs: 10, stillWanted: async () => (polls++, wanted), logger });
    while (polls < 2) await new Promise((r) => setTimeout(r, 5));
    expect(s.signal.aborted).toBe(false);
    wanted = false;
    await aborted(s.signal);
    expect(s.reason()).toBe('unwanted');
    s.dispose();
  });

  it('keeps working when the check itself fails (a database blip is not a cancel)', async () => {
    let polls = 0;
    const s = workStopper({ cancel: new AbortController().signal, timeLimitMs: long, wantedCheckMs: 5, stillWanted: async () => (polls++, Promise.reject(new Error('db down'))), logger });
    while (polls < 3) await new Promise((r) => setTimeout(r, 5));
    expect(s.signal.aborted).toBe(false);
    s.dispose();
  });

  it('stops at the time limit, and when the consumer gives the message up', async () => {
    const timed = workStopper({ cancel: new AbortController().signal, timeLimitMs: 20, wantedCheckMs: long, stillWanted: async () => true, logger });
    await aborted(timed.signal);
    expect(timed.reason()).toBe('time_limit');
    timed.dispose();
    const overdue = new AbortController();
    const s = workStopper({ cancel: new AbortController().signal, overdue: overdue.signal, timeLimitMs: long, wantedCheckMs: long, stillWanted: async () => true, logger });
    overdue.abort();
    await aborted(s.signal);
    expect(s.reason()).toBe('overdue');
    s.dispose();
  });
});
