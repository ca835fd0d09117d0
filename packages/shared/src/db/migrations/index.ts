import type { Migration } from 'kysely';
import * as initial from './2026-11-28-001-initial.js';
import * as oauth from './2026-12-01-001-oauth.js';
import * as syncTrigger from './2026-12-06-001-sync-trigger.js';
import * as schedules from './2026-12-06-002-schedules.js';
import * as changes from './2026-12-06-003-changes.js';
import * as lz4 from './2026-12-07-001-lz4-compression.js';

/**
 * Every migration, by dated name. Kept as imports (not a folder scan) so the same list works from
 * TypeScript sources, compiled `dist/` and a bundled container image.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-28-001-initial': initial,
  '2026-12-01-001-oauth': oauth,
  '2026-12-06-001-sync-trigger': syncTrigger,
  '2026-12-06-002-schedules': schedules,
  '2026-12-06-003-changes': changes,
  '2026-12-07-001-lz4-compression': lz4,
};
