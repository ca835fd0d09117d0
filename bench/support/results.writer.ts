import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname } from 'node:path';

/** One measured (or derived) number: a row (`case`) and column (`name`) of its benchmark's table. */
export interface Figure {
  case: string;
  name: string;
  value: number;
  unit: string;
  /** e.g. `extrapolated`: shown beside the value and kept in the JSON. */
  label?: string;
}

/** What one benchmark hands back. */
export interface BenchResult {
  id: string;
  title: string;
  figures: Figure[];
  /** What the figures mean, what was scaled down, what bounds them. */
  notes: string[];
  seconds?: number;
  error?: string;
}

export interface RunInfo {
  mode: 'quick' | 'full';
  startedAt: Date;
  seconds: number;
  loadAverageAtStart: number[];
  only: string[] | null;
}

export function machineInfo() {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${release()}`,
  };
}

/** Three significant digits, thousands separated; integers stay integers. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs >= 100 || Number.isInteger(value) ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A benchmark's figures as a markdown table: one row per case, one column per figure name. */
export function toMarkdownTable(result: BenchResult): string {
  const cases = [...new Set(result.figures.map((f) => f.case))];
  const names = [...new Set(result.figures.map((f) => f.name))];
  const unitOf = (name: string) => {
    const units = new Set(result.figures.filter((f) => f.name === name).map((f) => f.unit));
    return units.size === 1 ? [...units][0]! : '';
  };
  const header = ['', ...names.map((n) => (unitOf(n) ? `${n} (${unitOf(n)})` : n))];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const c of cases) {
    const cells = names.map((n) => {
      const f = result.figures.find((x) => x.case === c && x.name === n);
      if (!f) return '';
      const unit = unitOf(n) ? '' : ` ${f.unit}`;
      return `${formatValue(f.value)}${unit}${f.label ? ` (${f.label})` : ''}`;
    });
    lines.push(`| ${c} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function toMarkdown(results: BenchResult[], run: RunInfo): string {
  const m = machineInfo();
  const out = [
    `## canvas-sync benchmarks — ${run.mode} run, ${run.startedAt.toISOString()}`,
    '',
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; load average at start ${run.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ')}; whole run ${formatValue(run.seconds)} s.`,
  ];
  for (const r of results) {
    out.push('', `### ${r.title}`, '');
    if (r.error) out.push(`**failed:** ${r.error}`, '');
    if (r.figures.length > 0) out.push(toMarkdownTable(r), '');
    for (const note of r.notes) out.push(`- ${note}`);
  }
  return out.join('\n');
}

/** Writes the JSON atomically (a `.tmp` beside it, then a rename). */
export function writeJson(path: string, results: BenchResult[], run: RunInfo): void {
  const doc = {
    schema: 1,
    date: run.startedAt.toISOString(),
    mode: run.mode,
    only: run.only,
    seconds: Math.round(run.seconds),
    machine: { ...machineInfo(), loadAverageAtStart: run.loadAverageAtStart, loadAverageAtEnd: loadavg() },
    benchmarks: results.map((r) => ({
      id: r.id,
      title: r.title,
      seconds: r.seconds === undefined ? undefined : Math.round(r.seconds),
      ...(r.error ? { error: r.error } : {}),
      figures: r.figures.map((f) => ({ case: f.case, name: f.name, value: round(f.value), unit: f.unit, ...(f.label ? { label: f.label } : {}) })),
      notes: r.notes,
    })),
  };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, path);
}

function round(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000;
}
