import { describe, expect, it } from 'vitest';
import { MAX_UNCHANGED_IDS, SyncRecords } from './sync-records.js';

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

describe('SyncRecords unchanged ids', () => {
  it('a part without `unchanged` (an older fetcher) still parses, and has none', () => {
    const parsed = SyncRecords.parse(part({ assignments: [{ id: 1 }] }));
    expect(parsed.unchanged).toBeUndefined();
  });

  it('accepts Canvas ids per resource, an empty list, and a part with only ids', () => {
    const unchanged = { assignment_groups: [], assignments: [1, 2, Number.MAX_SAFE_INTEGER], submissions: [0] };
    const parsed = SyncRecords.parse({ ...part({}), unchanged });
    expect(parsed.unchanged).toEqual(unchanged);
  });

  it('refuses ids that are not Canvas ids, and a list that is not one', () => {
    for (const bad of [[-1], [1.5], ['7'], [null], [2 ** 53], 7, { id: 1 }]) {
      const result = SyncRecords.safeParse({ ...part({}), unchanged: { assignments: bad } });
      expect(result.success, JSON.stringify(bad)).toBe(false);
      expect(result.error?.issues[0]?.path.slice(0, 2)).toEqual(['unchanged', 'assignments']);
    }
    expect(SyncRecords.safeParse({ ...part({}), unchanged: [1, 2] }).success).toBe(false);
    expect(SyncRecords.safeParse({ ...part({}), unchanged: null }).success).toBe(false);
  });

  it('refuses more ids than a part can hold', () => {
    const result = SyncRecords.safeParse({ ...part({}), unchanged: { submissions: Array.from({ length: MAX_UNCHANGED_IDS + 1 }, (_, i) => i) } });
    expect(result.success).toBe(false);
  });
});
