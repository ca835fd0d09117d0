import { RECORDS_PART_BYTES, type Resource } from '@canvas-sync/shared';
import type { Origin, PipelinePublisher } from '../messaging/pipeline.publisher.js';

type Row = Record<string, unknown> & { id: number };

/**
 * Collects the rows of one fetch of a checkpoint unit and publishes them in parts that stay under
 * the message size limit (split by bytes, not by count: descriptions are HTML and can be large).
 * Each row is serialized once, here, to measure it; the part goes out as that text, handed to the
 * publisher in pieces (rows and separators) that are encoded straight into the message. Memory is
 * bounded by one part. The last part carries `final: true`.
 */
export class UnitRecords {
  private records = new Map<Resource, string[]>();
  private bytes = 0;
  private part = 0;

  constructor(
    private readonly publisher: PipelinePublisher,
    private readonly unit: { syncId: string; userId: string; run: number; unitKey: string; fetchId: string },
    private readonly origin: Origin,
    private readonly partBytes: number = RECORDS_PART_BYTES,
  ) {}

  async add(resource: Resource, row: Row): Promise<void> {
    const json = JSON.stringify(row);
    const size = Buffer.byteLength(json);
    if (this.bytes > 0 && this.bytes + size > this.partBytes) await this.flush(false);
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

  private async flush(final: boolean): Promise<void> {
    await this.publisher.records({ ...this.unit, part: this.part, final, recordsJson: this.pieces() }, this.origin);
    this.part += 1;
    this.records = new Map();
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
