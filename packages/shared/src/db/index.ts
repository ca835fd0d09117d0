export { createDb, type CreateDbOptions } from './connect.js';
export { createMigrator, ensureDatabase, migrateToLatest, pendingMigrations } from './migrate.js';
export type * from './schema.js';
