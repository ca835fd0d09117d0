/**
 * Prints the sizing model (docs/performance.md, "Sizing") from a benchmark results file:
 *
 *   npx tsx bench/sizing/sizing.cli.ts [bench/results/latest.json] [--users=1000] [--minutes=1,5,15]
 *
 * Inputs are the e2e details' CPU seconds per component (fetcher, writer, Postgres backends) of one
 * sync per profile, at the simulator's latency and at realistic latency, and the scaling rounds'
 * CPU per sync when 50 users sync at once (a cross-check: CPU per sync should not grow with
 * concurrency). Writer WAL per row comes from the writer benchmark.
 */
import { readFileSync } from 'node:fs';
import { COMPONENTS, cpuPerThousandRows, sizeWave, type MeasuredSync, type PerComponent } from './sizing-model.js';

interface Figure {
  case: string;
  name: string;
  value: number;
  unit: string;
}
interface Results {
  date: string;
  mode: string;
  machine: { cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  benchmarks: Array<{ id: string; figures?: Figure[] }>;
}

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const file = args.find((a) => !a.startsWith('--')) ?? 'bench/results/latest.json';
const users = Number(option('users') ?? 1_000);
const windows = (option('minutes') ?? '1,5,15').split(',').map(Number);
const results = JSON.parse(readFileSync(file, 'utf8')) as Results;

const figures = (id: string) => results.benchmarks.find((b) => b.id === id)?.figures ?? [];
const value = (list: Figure[], kase: string, name: string) => list.find((f) => f.case === kase && f.name === name)?.value;
const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

const e2e = figures('e2e');
const detail = figures('e2e-detail');
const syncs: MeasuredSync[] = [];
for (const kase of [...new Set(detail.map((f) => f.case))]) {
  const rows = value(e2e, kase, 'rows');
  const cpu = { fetcher: value(detail, kase, 'fetcher CPU'), writer: value(detail, kase, 'writer CPU'), postgres: value(detail, kase, 'Postgres CPU') };
  if (rows === undefined || Object.values(cpu).some((v) => v === undefined)) continue;
  syncs.push({ profile: kase, rows, cpuSeconds: cpu as PerComponent });
}
if (syncs.length === 0) {
  process.stderr.write(`${file}: no end-to-end CPU figures (run \`npm run bench\` with the e2e benchmark)\n`);
  process.exit(2);
}

const out: string[] = [];
out.push(`Sizing from ${file} (${results.mode} run of ${results.date}, ${results.machine.cpus} cores, load ${results.machine.loadAverageAtStart[0]} → ${results.machine.loadAverageAtEnd[0]}).`, '');
out.push('### CPU per 1,000 rows (CPU s)', '');
out.push(row(['sync', 'rows', ...COMPONENTS, 'total']), row(['---', ...Array(COMPONENTS.length + 2).fill('---:')]));
for (const s of syncs) {
  const per = cpuPerThousandRows(s);
  out.push(row([s.profile, fmt(s.rows, 0), ...COMPONENTS.map((c) => fmt(per[c], 3)), fmt(COMPONENTS.reduce((n, c) => n + per[c], 0), 3)]));
}
out.push('', `### ${fmt(users, 0)} users syncing at once: CPU seconds, and cores to finish within ${windows.join(' / ')} min`, '');
out.push(row(['users like', 'rows', ...COMPONENTS.map((c) => `${c} CPU s`), ...windows.flatMap((m) => COMPONENTS.map((c) => `${c} cores in ${m} min`))]));
out.push(row(['---', ...Array(1 + COMPONENTS.length * (1 + windows.length)).fill('---:')]));
for (const s of syncs) {
  const wave = sizeWave(s, users, windows);
  out.push(row([s.profile, fmt(wave.rows, 0), ...COMPONENTS.map((c) => fmt(wave.cpuSeconds[c], 0)), ...wave.coresFor.flatMap((w) => COMPONENTS.map((c) => fmt(w.cores[c], 1)))]));
}

const scaling = figures('scaling');
const rounds = [...new Set(scaling.map((f) => f.case))];
if (rounds.length > 0) {
  out.push('', '### Cross-check: CPU per sync when 50 users sync at once (scaling rounds, student)', '');
  out.push(row(['round', 'completed', 'fetchers CPU s / sync', 'writer CPU s / sync', 'Postgres CPU s / sync']), row(['---', '---:', '---:', '---:', '---:']));
  for (const r of rounds) {
    const done = value(scaling, r, 'completed') ?? 0;
    const per = (name: string) => (done > 0 ? fmt((value(scaling, r, name) ?? Number.NaN) / done, 3) : '');
    out.push(row([r, fmt(done, 0), per('fetchers CPU'), per('writer CPU'), per('Postgres CPU')]));
  }
}

const writer = figures('writer');
const wal = value(writer, 'upsert, insert path (empty table)', 'WAL');
const written = value(writer, 'upsert, insert path (empty table)', 'rows written');
if (wal !== undefined && written) out.push('', `WAL written by the writer's insert path: ${fmt((wal * 1024) / written, 2)} KiB per row (writer benchmark).`);
process.stdout.write(`${out.join('\n')}\n`);
