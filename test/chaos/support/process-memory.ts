import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type ServiceProcess } from '@canvas-sync/testkit';

const MIB = 1024 * 1024;

/** A `/proc/<pid>/status` field in bytes (the kernel writes them in kB), or null once the process is gone. */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The memory limit of a service's main container in `k8s/base/<name>.yaml` (the init container
 * has a smaller one of its own), in bytes: the line the OOM killer enforces in production.
 */
export function k8sMemoryLimitBytes(name: 'fetcher' | 'writer'): number {
  const yaml = readFileSync(join(REPO_ROOT, `k8s/base/${name}.yaml`), 'utf8');
  const main = yaml.slice(yaml.indexOf(`- name: ${name}\n`));
  const m = /limits:\s*\{[^}]*memory:\s*(\d+)Mi/.exec(main);
  if (!m) throw new Error(`no memory limit for the ${name} container in k8s/base/${name}.yaml`);
  return Number(m[1]) * MIB;
}

/** One process's memory over a run: the peak of the samples and the kernel's own high-water mark. */
export interface MemoryFigures {
  pid: number;
  /** Highest VmRSS sampled. */
  peakSampledBytes: number;
  /** VmHWM at the end: the peak resident set since the process started, missed by no sampling gap. */
  highWaterBytes: number;
  samples: number;
}

/**
 * Samples the resident set of service processes every `intervalMs` until stopped. VmHWM covers
 * what falls between samples; the samples show when it happened. Figures are of `node --import tsx`
 * running the TypeScript sources, which holds the transpiler too: above the production image's.
 */
export function sampleMemory(services: ServiceProcess[], intervalMs = 200): { stop(): MemoryFigures[] } {
  const peaks = new Map<number, { peak: number; samples: number }>();
  const pids = services.map((s) => s.child.pid!);
  const tick = () => {
    for (const pid of pids) {
      const rss = procStatusBytes(pid, 'VmRSS');
      if (rss === null) continue;
      const p = peaks.get(pid) ?? { peak: 0, samples: 0 };
      p.peak = Math.max(p.peak, rss);
      p.samples += 1;
      peaks.set(pid, p);
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return pids.map((pid) => ({ pid, peakSampledBytes: peaks.get(pid)?.peak ?? 0, highWaterBytes: procStatusBytes(pid, 'VmHWM') ?? 0, samples: peaks.get(pid)?.samples ?? 0 }));
    },
  };
}

export const mib = (bytes: number): string => `${(bytes / MIB).toFixed(0)} MiB`;
