import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@canvas-sync/testkit';
import type { PhaseReport } from './soak-phase.js';

/** The soak's whole answer: its settings, the phase without faults, the phase with them. */
export interface SoakReport {
  settings: Record<string, unknown>;
  baseline: PhaseReport;
  faulted: PhaseReport;
  /** p50 / p95 of the faulted phase over the baseline's. */
  ratio: { p50: number; p95: number };
  machine: { cpus: number; loadavgStart: number[]; loadavgEnd: number[]; node: string };
  totalMs: number;
}

const s = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(1)} s`);

/** The report as markdown (docs/reliability.md takes it as it is). */
export function soakMarkdown(r: SoakReport): string {
  const phase = (p: PhaseReport) =>
    `| ${p.label} | ${p.completed} / ${p.started} (${p.users} users) | ${s(p.syncMs.p50)} / ${s(p.syncMs.p95)} / ${s(p.syncMs.max)} | ${p.rows.expected} / ${p.rows.actual} | ${p.rows.lost} / ${p.rows.doubled} / ${p.rows.extra} / ${p.rows.different} | ${p.watchersMissingTerminal.length} (${p.watcherReconnects} reconnects) | ${Object.entries(p.peakConsumerLag).map(([k, v]) => `${k} ${v}`).join(', ')} | ${Object.entries(p.startRetries).map(([k, v]) => `${v}× ${k}`).join(', ') || 0} | ${p.deadLetters} | ${s(p.durationMs)} |`;
  const faults = r.faulted.faults.map(
    (f) => `| +${s(f.injectedAtMs)} | ${f.kind} | ${f.target ?? '–'} | ${f.syncsRunning ?? '–'} | ${s(f.backMs)} | ${s(f.healMs)} | ${f.startRetries ?? 0} | ${f.error ?? ''} |`,
  );
  return [
    `### soak: ${r.baseline.users} users per phase, ${r.faulted.faults.length} faults (${s(r.totalMs)} in all)`,
    '',
    '| phase | completed / started | sync time p50 / p95 / max | rows expected / stored | lost / doubled / extra / different | watchers without a terminal frame | peak consumer lag (messages) | start retries | dead letters | phase time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    phase(r.baseline),
    phase(r.faulted),
    '',
    `Faulted over baseline: p50 × ${r.ratio.p50.toFixed(2)}, p95 × ${r.ratio.p95.toFixed(2)}.`,
    '',
    '| injected | fault | target | syncs running | back after | work resumed after | start retries until the next fault | error |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...faults,
    '',
    `(machine: ${r.machine.cpus} CPUs, load ${r.machine.loadavgStart.join(' ')} at the start, ${r.machine.loadavgEnd.join(' ')} at the end; settings ${JSON.stringify(r.settings)})`,
  ].join('\n');
}

/** Prints the report and writes it as JSON to `test/chaos/results/cluster-soak.json`; returns the path. */
export function writeSoakReport(r: SoakReport): string {
  const dir = join(REPO_ROOT, 'test/chaos/results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'cluster-soak.json');
  writeFileSync(path, JSON.stringify(r, null, 2));
  process.stdout.write(`\n${soakMarkdown(r)}\n(JSON: ${path})\n`);
  return path;
}

/** How busy the machine is now (the figures are honest only beside it). */
export function machineLoad(): number[] {
  return loadavg().map((l) => Number(l.toFixed(2)));
}

export const CPUS = availableParallelism();
