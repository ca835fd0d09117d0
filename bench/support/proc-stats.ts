import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS and VmHWM (peak RSS) of a process in MiB, from /proc/<pid>/status; null once it is gone. */
export function processMemory(pid: number): { rssMiB: number; peakMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/**
 * Polls VmRSS of some processes and keeps the highest value seen, besides the kernel's own VmHWM:
 * VmHWM alone would do, but a poll also catches what a process looked like just before it died.
 */
export class MemoryWatch {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: () => number[],
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    for (const pid of this.pids()) {
      const m = processMemory(pid);
      if (!m) continue;
      this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, m.rssMiB, Number.isFinite(m.peakMiB) ? m.peakMiB : 0));
    }
  }

  /** Highest RSS of `pid` seen so far (MiB). */
  peak(pid: number): number {
    this.sample();
    return this.peaks.get(pid) ?? Number.NaN;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat — or one of its
 * threads, from /proc/<pid>/task/<tid>/stat; 0 once it is gone.
 */
export function cpuSeconds(pid: number, tid?: number | string): number {
  try {
    const fields = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Pids of this process's live children (from /proc), e.g. service processes a pipeline start left mid-way. */
export function childPids(parent = process.pid): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}
