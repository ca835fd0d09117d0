import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@canvas-sync/testkit';

/** When a fault was injected: how far the sync had come. */
export interface Injection {
  unitsDone: number;
  unitsTotal: number;
  /** Milliseconds since the sync was started. */
  afterMs: number;
}

/** One fault's outcome, as the report lists it. */
export interface FaultResult {
  fault: string;
  injectedAt: Injection | null;
  /** What brought the sync back (a replacement process, a redelivery, a resume …). */
  recovery: string;
  status: string;
  expectedRows: number;
  actualRows: number;
  lost: number;
  duplicates: number;
  extra: number;
  different: number;
  /** Messages dead-lettered while the fault ran (chaos must never give a message up). */
  deadLetters: number;
  durationMs: number;
  notes: Record<string, unknown>;
}

/**
 * Collects fault results for one chaos file and writes them as a markdown table on stdout and as
 * JSON under `test/chaos/results/` (git-ignored), so a run can be summarised in docs/reliability.md.
 */
export class ChaosReport {
  readonly results: FaultResult[] = [];
  private readonly started = Date.now();

  constructor(private readonly suite: string) {}

  add(result: FaultResult): void {
    this.results.push(result);
  }

  markdown(): string {
    const head = '| fault | injected at | recovery | status | rows compared | lost | duplicates | extra/different | dead letters | time |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
    const rows = this.results.map((r) => {
      const at = r.injectedAt ? `${r.injectedAt.unitsDone}/${r.injectedAt.unitsTotal} units, +${(r.injectedAt.afterMs / 1000).toFixed(1)} s` : 'from the start';
      return `| ${r.fault} | ${at} | ${r.recovery} | ${r.status} | ${r.expectedRows} | ${r.lost} | ${r.duplicates} | ${r.extra}/${r.different} | ${r.deadLetters} | ${(r.durationMs / 1000).toFixed(1)} s |`;
    });
    return [`### chaos: ${this.suite} (${((Date.now() - this.started) / 1000).toFixed(0)} s)`, '', head, ...rows].join('\n');
  }

  /** Lines printed under the table: figures that are not one fault's row (ratios, memory). */
  readonly summary: string[] = [];

  /** Prints the table and writes `<suite>.json`; returns the JSON path. */
  write(extra: Record<string, unknown> = {}): string {
    const dir = join(REPO_ROOT, 'test/chaos/results');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${this.suite}.json`);
    // How busy the machine was: the figures are honest only beside it.
    const machine = { cpus: availableParallelism(), loadavg: loadavg().map((l) => Number(l.toFixed(2))), node: process.version };
    writeFileSync(path, JSON.stringify({ suite: this.suite, finishedAt: new Date().toISOString(), totalMs: Date.now() - this.started, machine, results: this.results, ...extra }, null, 2));
    const summary = this.summary.length > 0 ? `\n${this.summary.join('\n')}\n` : '';
    process.stdout.write(`\n${this.markdown()}\n${summary}\n(machine: ${machine.cpus} CPUs, load ${machine.loadavg.join(' ')}; JSON: ${path})\n`);
    return path;
  }
}
