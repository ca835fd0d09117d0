import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
const workspaces = rootPackage.workspaces.map((dir) => ({ dir, name: (JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string }).name }));
/**
 * Workspaces that run in production. The test kit stays out of the image; so does the npm package
 * @canvas-sync/client, which no service imports: vite bundles it into the panel (web-dist) at build.
 */
const deployable = workspaces.filter((w) => w.dir !== 'packages/testkit' && w.dir !== 'packages/client');

/** Instructions per stage: `{ stage: [[INSTRUCTION, rest]...] }`. */
const stages = new Map<string, Array<[string, string]>>();
let current = '';
for (const line of dockerfile.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
  const [, instruction = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
  if (instruction.toUpperCase() === 'FROM') current = /\bAS\s+(\S+)/i.exec(rest)?.[1] ?? '';
  if (!stages.has(current)) stages.set(current, []);
  stages.get(current)!.push([instruction.toUpperCase(), rest]);
}
const instructions = (stage: string, name: string) => (stages.get(stage) ?? []).filter(([i]) => i === name).map(([, rest]) => rest);

describe('Dockerfile', () => {
  it('has a target per role, each running `node [--v8-flag…] <entry>` with an entry that exists as a source', () => {
    const roles = { api: 'services/api/src/main.ts', fetcher: 'services/fetcher/src/main.ts', writer: 'services/writer/src/main.ts', notifier: 'services/notifier/src/main.ts', migrate: 'packages/shared/src/db/migrate.cli.ts', provision: 'packages/shared/src/nats/provision.cli.ts', 'canvas-sim': 'packages/canvas-sim/src/cli.ts' };
    for (const [role, source] of Object.entries(roles)) {
      const [cmd] = instructions(role, 'CMD');
      expect(cmd, role).toBeDefined();
      const entry = (JSON.parse(cmd!) as string[]).find((a) => !a.startsWith('--'))!;
      expect(entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts')).toBe(source);
      expect(existsSync(join(ROOT, source)), source).toBe(true);
    }
  });

  it('runs as a numeric non-root user with node itself as PID 1 (no npm between the signal and the service)', () => {
    expect(instructions('runtime', 'ENTRYPOINT')).toEqual(['["node"]']);
    const [user] = instructions('runtime', 'USER');
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(instructions('runtime', 'RUN')).toEqual([]);
    expect(dockerfile).not.toMatch(/CMD \["npm"|ENTRYPOINT \["npm"/);
  });

  it('builds from the lockfile and copies every workspace manifest before installing', () => {
    expect(instructions('build', 'RUN').join(' ')).toMatch(/npm ci .*npm run build/s);
    const copied = instructions('manifests', 'COPY').join('\n');
    for (const w of workspaces) expect(copied, w.dir).toContain(`${w.dir}/package.json`);
  });

  it('installs production dependencies of exactly the deployable workspaces and copies each one\'s build', () => {
    const install = instructions('prod-deps', 'RUN').join(' ');
    expect(install).toContain('--omit=dev');
    const named = [...install.matchAll(/-w (\S+)/g)].map((m) => m[1]).sort();
    expect(named).toEqual(deployable.map((w) => w.name).sort());
    const copies = instructions('runtime', 'COPY').join('\n');
    for (const w of deployable) expect(copies, w.dir).toContain(`--from=build /app/${w.dir}/dist ${w.dir}/dist`);
    expect(copies).toContain('--from=build /app/services/api/web-dist services/api/web-dist');
  });
});
