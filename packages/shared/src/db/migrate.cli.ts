/**
 * One-shot migration command: `npm run migrate` (apply) or `npm run migrate -- --check` (exit 1
 * when migrations are pending). Reads DATABASE_URL; creates the database when it is missing.
 */
import { baseEnvSchema, loadConfig } from '../config/index.js';
import { isAppError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { createDb } from './connect.js';
import { ensureDatabase, migrateToLatest, pendingMigrations } from './migrate.js';

const logger = createLogger({ service: 'migrate', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<number> {
  const env = loadConfig(baseEnvSchema, process.env);
  const check = process.argv.includes('--check');
  if (!check && (await ensureDatabase(env.DATABASE_URL))) logger.info('database created');
  const db = createDb({ url: env.DATABASE_URL, poolMax: 2, applicationName: 'canvas-sync-migrate' });
  try {
    if (check) {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) {
        logger.error({ pending }, 'migrations pending');
        return 1;
      }
      logger.info('schema is up to date');
      return 0;
    }
    const result = await migrateToLatest(db);
    const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
    logger.info({ applied }, applied.length ? 'migrations applied' : 'schema already up to date');
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    logger.fatal({ err: isAppError(err) ? { code: err.code, message: err.message } : err }, 'migration failed');
    process.exit(1);
  },
);
