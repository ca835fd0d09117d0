import { describe, expect, it } from 'vitest';
import { loadWriterConfig } from './config.js';

describe('WRITER_BATCH_PARTS', () => {
  it('defaults to 8 parts per transaction; 1 is one transaction per part', () => {
    expect(loadWriterConfig({}).batchParts).toBe(8);
    expect(loadWriterConfig({ WRITER_BATCH_PARTS: '1' }).batchParts).toBe(1);
    expect(loadWriterConfig({ WRITER_BATCH_PARTS: '12' }).batchParts).toBe(12);
  });

  it('refuses 0 and more than 12 (5 savepoints a part must stay under the 64-subtransaction cache)', () => {
    for (const bad of ['0', '13', '64', 'eight']) expect(() => loadWriterConfig({ WRITER_BATCH_PARTS: bad })).toThrow(/WRITER_BATCH_PARTS/);
  });
});
