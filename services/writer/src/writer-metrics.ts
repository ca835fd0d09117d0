/** What the writer reports (wired to Prometheus in main.ts; a no-op in tests that don't care). */
export interface WriterMetrics {
  rowsWritten(resource: string, n: number): void;
  writeSeconds(seconds: number): void;
  /** A sync reached a terminal status in a writer transaction. */
  syncFinished(outcome: 'completed' | 'failed' | 'cancelled'): void;
}

export const noopWriterMetrics: WriterMetrics = { rowsWritten: () => undefined, writeSeconds: () => undefined, syncFinished: () => undefined };
