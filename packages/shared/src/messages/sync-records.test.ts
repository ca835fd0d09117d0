import { describe, expect, it } from 'vitest';
import { SyncRecords } from './sync-records.js';

const part = (records: unknown) => ({ syncId: '00000000-0000-4000-8000-000000000000', userId: 'u1', run: 0, unitKey: 'course:1', fetchId: '00000000-0000-4000-8000-000000000001', part: 0, final: true, records });

describe('SyncRecords rows', () => {
  it('accepts any JSON object as a row, without an id too, and passes it through untouched', () => {
    const row = { id: 1, name: 'x', nested: { deep: [1] } };
    const parsed = SyncRecords.parse(part({ assignments: [row, { name: 'no id' }, { id: 'odd' }] }));
    expect(parsed.records.assignments?.[0]).toBe(row);
    expect(parsed.records.assignments).toHaveLength(3);
  });

  it('refuses rows that are not objects', () => {
    for (const bad of [null, 3, 'row', [{ id: 1 }]]) {
      const result = SyncRecords.safeParse(part({ courses: [bad] }));
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['records', 'courses', 0]);
    }
    expect(SyncRecords.safeParse(part({ courses: { id: 1 } })).success).toBe(false);
  });
});
