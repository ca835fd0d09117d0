import { setImmediate } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { RecordRow } from '@canvas-sync/shared';
import { eachPreparedAhead } from './prepare-ahead.js';
import { prepareRows, prepareRowsAhead } from './prepare-rows.js';

describe('prepareRowsAhead', () => {
  const input = Array.from({ length: 100 }, (_, i) => ({ id: i % 40 === 39 ? -1 : i % 70, name: `A${i}`, due_at: i % 3 ? '2024-01-15T23:59:00Z' : 'soon', extra: i % 9 ? null : { k: 'nul\u0000' } })) as RecordRow[];

  it('gives what prepareRows gives: rows, raw text, hashes and warnings', async () => {
    expect(await prepareRowsAhead('assignments', input, 7)).toEqual(prepareRows('assignments', input, 7));
  });

  it('lets the event loop run between slices (a statement answered meanwhile is handled at once)', async () => {
    const order: string[] = [];
    const prepared = prepareRowsAhead('assignments', input, 7).then(() => order.push('prepared'));
    // An I/O callback arriving after the preparation started: with one synchronous prepareRows it would wait for all of it.
    void setImmediate().then(() => order.push('answer'));
    await prepared;
    expect(order).toEqual(['answer', 'prepared']);
  });
});

describe('eachPreparedAhead', () => {
  it('prepares item k+1 after item k and while item k is written; results in order', async () => {
    const log: string[] = [];
    const results = await eachPreparedAhead(
      ['a', 'b', 'c'],
      async (item) => {
        log.push(`prepare ${item}`);
        await setImmediate();
        log.push(`prepared ${item}`);
        return item.toUpperCase();
      },
      async (item, prepared) => {
        log.push(`write ${item}`);
        const p = await prepared;
        for (let i = 0; i < 5; i++) await setImmediate(); // the part's statements in flight
        log.push(`written ${item}`);
        return p;
      },
    );
    expect(results).toEqual(['A', 'B', 'C']);
    expect(log.indexOf('prepare b')).toBeGreaterThan(log.indexOf('prepared a'));
    expect(log.indexOf('prepared b')).toBeLessThan(log.indexOf('written a'));
    expect(log.indexOf('prepared c')).toBeLessThan(log.indexOf('written b'));
  });

  it('a failed write ends it with its error; a preparation left behind does not go unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const written: string[] = [];
      const run = eachPreparedAhead(
        ['a', 'b', 'c'],
        async (item) => {
          if (item === 'b') throw new Error('prepare b failed');
          return item;
        },
        async (item, prepared) => {
          if (item === 'a') throw new Error('write a failed');
          written.push(await prepared);
        },
      );
      await expect(run).rejects.toThrow('write a failed');
      for (let i = 0; i < 5; i++) await setImmediate();
      expect(written).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
