import { RECORDS_PART_BYTES, type RecordSet, type Resource } from '@canvas-sync/shared';
import type { Origin, PipelinePublisher } from '../messaging/pipeline.publisher.js';

type Row = Record<string, unknown> & { id: number };

/**
 * Collects the rows of one fetch of a checkpoint unit and publishes them in parts that stay under
 * the message size limit (split by bytes, not by count: descriptions are HTML and can be large).
 * Memory is bounded by one part. The last part carries `final: true`.
 */
export class UnitRecords {
  private records: RecordSet = {};
  private bytes = 0;
  private part = 0;

  constructor(
    private readonly publisher: PipelinePublisher,
    private readonly unit: { syncId: string; userId: string; run: number; unitKey: string; fetchId: string },
    private readonly origin: Origin,
    private readonly partBytes: number = RECORDS_PART_BYTES,
  ) {}

  async add(resource: Resource, row: Row): Promise<void> {
    const size = Buffer.byteLength(JSON.stringify(row));
    if (this.bytes > 0 && this.bytes + size > this.partBytes) await this.flush(false);
    (this.records[resource] ??= []).push(row);
    this.bytes += size;
  }

  /** Publishes what is left as the final part (possibly empty: the unit may have no rows). */
  async finish(): Promise<number> {
    await this.flush(true);
    return this.part;
  }

  private async flush(final: boolean): Promise<void> {
    await this.publisher.records({ ...this.unit, part: this.part, final, records: this.records }, this.origin);
    this.part += 1;
    this.records = {};
    this.bytes = 0;
  }
}
