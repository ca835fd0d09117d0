/**
 * Prints the sizing model (docs/performance.md, "Sizing") from a benchmark results file:
 *
 *   npx tsx bench/sizing/sizing.cli.ts [bench/results/latest.json] [--users=1000] [--minutes=1,5,15]
 *     [--steady-users=1000,10000] [--intervals=60,240] [--full-every=7]
 *
 * Inputs are the e2e details' CPU seconds per component (fetcher, writer, Postgres backends) of one
 * sync per profile, at the simulator's latency and at realistic latency, and the scaling rounds'
 * CPU per sync when 50 users sync at once (a cross-check: CPU per sync should not grow with
 * concurrency). Writer WAL per row comes from the writer benchmark.
 *
 * The steady state of schedules (users on an `--intervals` minute schedule, one run in
 * `--full-every` full, as `SCHEDULE_FULL_EVERY`) comes from the resync benchmark: CPU seconds per
 * component of an incremental run after a few changes in Canvas and of a full run with nothing
 * changed, on an account synced before.
 */
import { readFileSync } from 'node:fs';
import { COMPONENTS, cpuPerThousandRows, sizeSteadyState, sizeWave, type MeasuredResync, type MeasuredSync, type PerComponent } from './sizing-model.js';

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
const steadyUsers = (option('steady-users') ?? '1000,10000').split(',').map(Number);
const intervals = (option('intervals') ?? '60,240').split(',').map(Number);
const fullEvery = Number(option('full-every') ?? 7);
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
const resyncFigures = figures('resync');
const resyncs = resyncsFrom(resyncFigures);
if (syncs.length === 0 && resyncs.length === 0) {
  process.stderr.write(`${file}: neither end-to-end nor resync CPU figures (run \`npm run bench\` with the e2e or resync benchmark)\n`);
  process.exit(2);
}

const out: string[] = [];
out.push(`Sizing from ${file} (${results.mode} run of ${results.date}, ${results.machine.cpus} cores, load ${results.machine.loadAverageAtStart[0]} → ${results.machine.loadAverageAtEnd[0]}).`, '');
if (syncs.length > 0) {
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
if (resyncs.length > 0) printSteadyState();
process.stdout.write(`${out.join('\n')}\n`);

/**
 * Per profile and latency (the case's prefix), the resync benchmark's runs: an incremental run after
 * a few changes (or, without that case, with none) and a full run with none, as the sum of the
 * per-component medians; the first sync and the unchanged run as the median of their totals
 * (shown for comparison).
 */
function resyncsFrom(list: Figure[]): Array<MeasuredResync & { first?: number; unchanged?: number }> {
  const cpuOf = (kase: string): PerComponent | undefined => {
    const cpu = { fetcher: value(list, kase, 'fetcher CPU'), writer: value(list, kase, 'writer CPU'), postgres: value(list, kase, 'Postgres CPU') };
    return Object.values(cpu).some((v) => v === undefined) ? undefined : (cpu as PerComponent);
  };
  const total = (p: PerComponent | undefined) => (p ? COMPONENTS.reduce((n, c) => n + p[c], 0) : undefined);
  const bases = [...new Set(list.map((f) => f.case.slice(0, f.case.lastIndexOf(' · '))))];
  return bases.flatMap((base) => {
    const incremental = cpuOf(`${base} · incremental, after changes`) ?? cpuOf(`${base} · incremental, unchanged`);
    const full = cpuOf(`${base} · full, unchanged`);
    if (!incremental || !full) return [];
    const requests = value(list, `${base} · incremental, unchanged`, 'requests') ?? value(list, `${base} · incremental, after changes`, 'requests');
    return [{ profile: base, incremental, full, ...(requests === undefined ? {} : { requests }), first: value(list, `${base} · first sync`, 'CPU') ?? total(cpuOf(`${base} · first sync`)), unchanged: value(list, `${base} · incremental, unchanged`, 'CPU') ?? total(cpuOf(`${base} · incremental, unchanged`)) }];
  });
}

function printSteadyState(): void {
  const fullRuns = fullEvery === 0 ? 'no run full' : `1 run in ${fullEvery} full`;
  const total = (p: PerComponent) => COMPONENTS.reduce((n, c) => n + p[c], 0);
  if (out.at(-1) !== '') out.push('');
  out.push('### A scheduled run: CPU seconds (resync benchmark)', '');
  out.push(row(['users like', 'first sync', 'incremental, unchanged', 'incremental, after changes', 'full, unchanged', `mean run (${fullRuns})`, 'mean run / first sync', 'Canvas requests']));
  out.push(row(['---', ...Array(7).fill('---:')]));
  for (const r of resyncs) {
    const mean = total(sizeSteadyState(r, 1, 1, fullEvery).cpuPerRun);
    const cell = (n: number | undefined) => (n === undefined ? '' : fmt(n, 2));
    out.push(row([r.profile, cell(r.first), cell(r.unchanged), fmt(total(r.incremental), 2), fmt(total(r.full), 2), fmt(mean, 3), r.first ? `${fmt(mean / r.first, 2)}×` : '', r.requests === undefined ? '' : fmt(r.requests, 0)]));
  }
  out.push('', `### Steady state: users on a ${intervals.join(' / ')}-minute schedule, ${fullRuns}: cores busy all the time`, '');
  out.push(row(['users like', 'users', 'every (min)', 'runs / s', ...COMPONENTS.map((c) => `${c} cores`), 'total cores', 'Canvas requests / s']));
  out.push(row(['---', ...Array(5 + COMPONENTS.length).fill('---:')]));
  for (const r of resyncs) {
    for (const users of steadyUsers) {
      for (const minutes of intervals) {
        const s = sizeSteadyState(r, users, minutes, fullEvery);
        out.push(row([r.profile, fmt(users, 0), fmt(minutes, 0), fmt(s.runsPerSecond, 2), ...COMPONENTS.map((c) => fmt(s.cores[c], 3)), fmt(total(s.cores), 3), s.requestsPerSecond === undefined ? '' : fmt(s.requestsPerSecond, 0)]));
      }
    }
  }
}
