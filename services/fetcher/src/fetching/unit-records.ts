import { contentHash, RECORDS_PART_BYTES, type Resource, type UnchangedIdSet } from '@canvas-sync/shared';
import type { Origin, PipelinePublisher } from '../messaging/pipeline.publisher.js';
import type { StoredHashes } from './stored-hashes.repository.js';

type Row = Record<string, unknown> & { id: number };

/**
 * Collects the rows of one fetch of a checkpoint unit and publishes them in parts that stay under
 * the message size limit (split by bytes, not by count: descriptions are HTML and can be large).
 * Each row is serialized once, here, to measure it; the part goes out as that text, handed to the
 * publisher in pieces (rows and separators) that are encoded straight into the message. Memory is
 * bounded by one part. The last part carries `final: true`.
 *
 * With the content hashes of the unit's stored rows (`stored`), a row whose text hashes the same
 * as its stored row goes out as its id only (`unchanged`; the writer counts it and keeps it seen):
 * a resync with nothing changed in Canvas then carries ids, not rows, through JetStream. The hash
 * is the writer's (`contentHash` of the same text the writer would hash). An id's text and its
 * comma count against the part's bytes like a row.
 */
export class UnitRecords {
  private records = new Map<Resource, string[]>();
  private unchanged = new Map<Resource, number[]>();
  private bytes = 0;
  private part = 0;

  constructor(
    private readonly publisher: PipelinePublisher,
    private readonly unit: { syncId: string; userId: string; run: number; unitKey: string; fetchId: string },
    private readonly origin: Origin,
    private readonly partBytes: number = RECORDS_PART_BYTES,
    private readonly stored?: StoredHashes,
  ) {}

  async add(resource: Resource, row: Row): Promise<void> {
    const json = JSON.stringify(row);
    const known = this.stored?.get(resource);
    if (known) {
      const stored = known.get(row.id);
      if (stored !== undefined) {
        if (stored === contentHash(row, json)) return this.addUnchanged(resource, row.id);
        // Changed: the writer will store this text. Should the walk meet the row again (ordinal
        // pages repeat rows that move), that copy is sent too, never named unchanged against a
        // hash the writer is about to replace.
        known.delete(row.id);
      }
    }
    const size = Buffer.byteLength(json);
    await this.room(size);
    let list = this.records.get(resource);
    if (!list) this.records.set(resource, (list = []));
    list.push(json);
    this.bytes += size + 1;
  }

  /** Publishes what is left as the final part (possibly empty: the unit may have no rows). */
  async finish(): Promise<number> {
    await this.flush(true);
    return this.part;
  }

  private async addUnchanged(resource: Resource, id: number): Promise<void> {
    const size = String(id).length;
    await this.room(size);
    let list = this.unchanged.get(resource);
    if (!list) this.unchanged.set(resource, (list = []));
    list.push(id);
    this.bytes += size + 1;
  }

  /** Publishes the part so far when `size` more bytes would not fit in it. */
  private async room(size: number): Promise<void> {
    if (this.bytes > 0 && this.bytes + size > this.partBytes) await this.flush(false);
  }

  private async flush(final: boolean): Promise<void> {
    const unchanged = this.unchanged.size > 0 ? { unchanged: Object.fromEntries(this.unchanged) as UnchangedIdSet } : {};
    await this.publisher.records({ ...this.unit, part: this.part, final, ...unchanged, recordsJson: this.pieces() }, this.origin);
    this.part += 1;
    this.records = new Map();
    this.unchanged = new Map();
    this.bytes = 0;
  }

  /** The part's `RecordSet` as JSON text in pieces: `{"<resource>":[row,row],…}`, nothing joined. */
  private pieces(): string[] {
    const pieces = ['{'];
    for (const [resource, rows] of this.records) {
      pieces.push(`${pieces.length > 1 ? ',' : ''}${JSON.stringify(resource)}:[`);
      for (let i = 0; i < rows.length; i++) {
        if (i > 0) pieces.push(',');
        pieces.push(rows[i]!);
      }
      pieces.push(']');
    }
    pieces.push('}');
    return pieces;
  }
}
