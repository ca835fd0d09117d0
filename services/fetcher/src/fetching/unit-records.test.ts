import { describe, expect, it } from 'vitest';
import { contentHash, decodeMessage, encodeMessage, syncRecords, type Resource, type SyncRecords } from '@canvas-sync/shared';
import type { PipelinePublisher, SerializedRecords } from '../messaging/pipeline.publisher.js';
import { UnitRecords } from './unit-records.js';

const unit = { syncId: '00000000-0000-4000-8000-000000000000', userId: 'u1', run: 0, unitKey: 'course:7', fetchId: '00000000-0000-4000-8000-000000000001' };

function capture(): { publisher: PipelinePublisher; parts: SyncRecords[]; sizes: number[] } {
  const parts: SyncRecords[] = [];
  const sizes: number[] = [];
  const publisher = {
    // As the real publisher: the serialized rows spliced into the envelope, then decoded as the writer does.
    async records({ recordsJson, ...m }: SerializedRecords) {
      const options = { id: 'm', correlationId: m.syncId, occurredAt: '2026-12-06T16:00:00.000Z' };
      const { data } = encodeMessage(syncRecords, { ...m, records: {} }, options, { key: 'records', json: recordsJson, placeholder: {} });
      sizes.push(data.byteLength);
      const decoded = decodeMessage(data, [syncRecords]);
      if (!decoded.ok) throw new Error(decoded.reason);
      const payload = decoded.message.payload as SyncRecords;
      // Byte for byte what the whole payload, serialized in one go, is (and was before parts were built from pieces).
      expect(Buffer.compare(data, encodeMessage(syncRecords, payload, options).data)).toBe(0);
      parts.push(payload);
    },
  } as unknown as PipelinePublisher;
  return { publisher, parts, sizes };
}

describe('UnitRecords', () => {
  it('splits by bytes (multi-byte text counted as bytes), and every row arrives once, as sent', async () => {
    const { publisher, parts, sizes } = capture();
    const out = new UnitRecords(publisher, unit, { correlationId: 'c', traceparent: undefined }, 20_000);
    const rows = Array.from({ length: 60 }, (_, i) => ({ id: i, description: `<p>${'é€'.repeat(300 + i)}</p>`, course_id: 7 }));
    for (const row of rows) {
      await out.add('assignments', row);
      if (row.id % 3 === 0) await out.add('submissions', { id: 1000 + row.id, assignment_id: row.id, score: null });
    }
    const count = await out.finish();
    expect(count).toBe(parts.length);
    expect(parts.length).toBeGreaterThan(5);
    expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => i));
    expect(parts.map((p) => p.final)).toEqual(parts.map((_, i) => i === parts.length - 1));
    // Rows' bytes stay within the part size; the envelope adds a few hundred bytes.
    for (const size of sizes) expect(size).toBeLessThan(20_000 + 500);
    expect(parts.flatMap((p) => p.records.assignments ?? [])).toEqual(rows);
    expect(parts.flatMap((p) => p.records.submissions ?? []).map((s) => s.id)).toEqual(rows.filter((r) => r.id % 3 === 0).map((r) => 1000 + r.id));
    expect(parts[0]).toMatchObject({ ...unit, part: 0, final: false });
  });

  it('fills a part up to its byte size exactly (a separator counted per row); a row above it goes alone', async () => {
    const { publisher, parts } = capture();
    const out = new UnitRecords(publisher, unit, { correlationId: 'c', traceparent: undefined }, 1_000);
    // Each row is 99 bytes of JSON: with its comma 100, so 10 rows fill a part of 1,000 bytes.
    const row = (id: number) => ({ id, name: 'x'.repeat(99 - JSON.stringify({ id, name: '' }).length) });
    expect(JSON.stringify(row(10))).toHaveLength(99);
    for (let id = 10; id < 35; id++) await out.add('assignments', row(id));
    await out.add('assignments', { id: 99, name: 'y'.repeat(2_000) });
    await out.add('assignments', row(35));
    await out.finish();
    expect(parts.map((p) => p.records.assignments?.length)).toEqual([10, 10, 5, 1, 1]);
    expect(parts.flatMap((p) => p.records.assignments ?? []).map((r) => r.id)).toEqual([...Array.from({ length: 25 }, (_, i) => 10 + i), 99, 35]);
  });

  it('sends a row stored with the same content hash as its id, counted against the part’s bytes; a changed one as text', async () => {
    const { publisher, parts, sizes } = capture();
    const rows = Array.from({ length: 1_000 }, (_, i) => ({ id: 100_000 + i, score: i, grade: 'é' }));
    const known = new Map(rows.map((r) => [r.id, contentHash(r)]));
    known.set(100_500, contentHash({ id: 100_500, score: -1, grade: 'é' }));
    const stored = new Map<Resource, Map<number, string>>([['submissions', known]]);
    const out = new UnitRecords(publisher, unit, { correlationId: 'c', traceparent: undefined }, 1_000, stored);
    for (const row of rows) await out.add('submissions', row);
    await out.add('assignments', { id: 100_001, name: 'not stored as an assignment' });
    await out.finish();
    // An id is 6 bytes and its comma: ~143 ids fill a part of 1,000 bytes.
    expect(parts.length).toBeGreaterThanOrEqual(7);
    for (const size of sizes) expect(size).toBeLessThan(1_000 + 500);
    expect(parts.flatMap((p) => p.unchanged?.submissions ?? [])).toEqual(rows.map((r) => r.id).filter((id) => id !== 100_500));
    expect(parts.flatMap((p) => p.records.submissions ?? [])).toEqual([rows[500]]);
    expect(parts.flatMap((p) => p.records.assignments ?? []).map((r) => r.id)).toEqual([100_001]);
    expect(parts.flatMap((p) => Object.keys(p.unchanged ?? {}))).not.toContain('assignments');
  });

  it('publishes an empty final part for a unit without rows', async () => {
    const { publisher, parts } = capture();
    const out = new UnitRecords(publisher, unit, { correlationId: 'c', traceparent: undefined });
    await out.finish();
    expect(parts).toEqual([{ ...unit, part: 0, final: true, records: {} }]);
  });

  it('a prepared field that is not valid for the schema still fails at the consumer, never silently', () => {
    const { data } = encodeMessage(syncRecords, { ...unit, part: 0, final: true, records: {} }, { correlationId: 'c' }, { key: 'records', json: '{"courses":[1,2]}', placeholder: {} });
    const decoded = decodeMessage(data, [syncRecords]);
    expect(decoded.ok).toBe(false);
  });
});
