import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServiceMetrics } from '@canvas-sync/shared';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs/grafana-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
const promqlBlocks = [...operations.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n');

/** Metric names a PromQL text reads (identifiers followed by `{`, `[`, `)` or whitespace that look like metrics). */
function metricNames(promql: string): string[] {
  const names = promql.match(/\b(?:canvas_sync|notifier|process|nodejs)_[a-z0-9_]+/g) ?? [];
  return [...new Set(names)];
}

/** Every .ts source under the services, to find where a service-specific metric is defined. */
function serviceSources(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) out.push(readFileSync(path, 'utf8'));
    }
  };
  for (const service of ['api', 'fetcher', 'writer', 'notifier']) walk(join(ROOT, 'services', service, 'src'));
  return out.join('\n');
}

describe('the dashboard and the documented queries read metrics that exist', async () => {
  const shared = new Set((await createServiceMetrics({ service: 'docs' }).registry.getMetricsAsJSON()).map((m) => m.name));
  const sources = serviceSources();
  const exists = (name: string) => shared.has(name.replace(/_(bucket|sum|count)$/, '')) || sources.includes(`'${name.replace(/_(bucket|sum|count)$/, '')}'`);

  it('every dashboard panel queries known metrics', () => {
    expect(dashboard.panels.length).toBeGreaterThan(8);
    for (const panel of dashboard.panels) {
      const names = panel.targets.flatMap((t) => metricNames(t.expr));
      expect(names.length, panel.title).toBeGreaterThan(0);
      for (const name of names) expect(exists(name), `${panel.title}: ${name}`).toBe(true);
    }
  });

  it('every documented query reads known metrics, and every shared metric is documented', () => {
    const names = metricNames(promqlBlocks);
    expect(names.length).toBeGreaterThan(8);
    for (const name of names) expect(exists(name), name).toBe(true);
    for (const name of [...shared].filter((n) => n.startsWith('canvas_sync_'))) expect(operations, name).toContain(`\`${name}\``);
  });
});
