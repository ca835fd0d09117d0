import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors/index.js';
import { MAX_MESSAGE_BYTES } from '../messages/streams.js';
import { syncRecords, type SyncRecords } from '../messages/sync-records.js';
import { decodeMessage } from './decode.js';
import { encodeMessage } from './publish.js';

const options = { id: 'm1', correlationId: 'c1', occurredAt: '2026-12-06T16:00:00.000Z' };
const head = { syncId: '00000000-0000-4000-8000-000000000000', userId: 'u1', run: 0, unitKey: 'course:7', fetchId: '00000000-0000-4000-8000-000000000001', part: 0, final: true };
const records: SyncRecords['records'] = {
  assignment_groups: [{ id: 1, name: 'Quizzes "Q"', rules: {} }],
  assignments: [
    { id: 2, description: '<p class="x">é€ 𝄞 \\ [ { \n</p>', points_possible: 10.5, due_at: null },
    { id: 3, description: null, submission_types: ['online_text_entry'] },
  ],
};
const payload: SyncRecords = { ...head, records };

/** The records field's JSON in pieces, as the fetcher's part builder hands them over. */
function piecesOf(set: SyncRecords['records']): string[] {
  const pieces = ['{'];
  Object.entries(set).forEach(([resource, rows], i) => {
    pieces.push(`${i > 0 ? ',' : ''}${JSON.stringify(resource)}:[`);
    rows!.forEach((row, j) => pieces.push(...(j > 0 ? [','] : []), JSON.stringify(row)));
    pieces.push(']');
  });
  pieces.push('}');
  return pieces;
}

describe('encodeMessage with a prepared field', () => {
  it('is byte for byte the message of the whole payload, from one text or from pieces', () => {
    const whole = encodeMessage(syncRecords, payload, options).data;
    const prepared = { key: 'records', placeholder: {} };
    const fromText = encodeMessage(syncRecords, { ...head, records: {} }, options, { ...prepared, json: JSON.stringify(records) }).data;
    const fromPieces = encodeMessage(syncRecords, { ...head, records: {} }, options, { ...prepared, json: piecesOf(records) }).data;
    expect(Buffer.from(fromText).toString('utf8')).toBe(Buffer.from(whole).toString('utf8'));
    expect(Buffer.compare(fromPieces, whole)).toBe(0);
    const decoded = decodeMessage(fromPieces, [syncRecords]);
    expect(decoded.ok && decoded.message.payload).toEqual(payload);
  });

  it('splices an empty set from pieces', () => {
    const whole = encodeMessage(syncRecords, { ...head, records: {} }, options).data;
    expect(Buffer.compare(encodeMessage(syncRecords, { ...head, records: {} }, options, { key: 'records', json: ['{', '}'], placeholder: {} }).data, whole)).toBe(0);
  });

  it('refuses a message over the size limit, counted in UTF-8 bytes across the pieces', () => {
    const row = JSON.stringify({ id: 1, description: 'é'.repeat(1024) }); // ~2 KiB of UTF-8, ~1 KiB of characters
    const rows = Array.from({ length: Math.ceil(MAX_MESSAGE_BYTES / 2048) + 1 }, () => row);
    const pieces = ['{"assignments":[', ...rows.flatMap((r, i) => (i > 0 ? [',', r] : [r])), ']}'];
    expect(pieces.reduce((n, p) => n + p.length, 0)).toBeLessThan(MAX_MESSAGE_BYTES);
    let error: unknown;
    try {
      encodeMessage(syncRecords, { ...head, records: {} }, options, { key: 'records', json: pieces, placeholder: {} });
    } catch (err) {
      error = err;
    }
    expect(isAppError(error, 'message_invalid')).toBe(true);
  });
});
