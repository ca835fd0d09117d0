import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb, migrateToLatest } from '@canvas-sync/shared';
import { localInfra, shouldUseTestcontainers, withDatabase, type TestInfra } from './infra.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testInfra: TestInfra;
  }
}

/**
 * Runs once per `vitest run`: picks the servers (Testcontainers or local), migrates a template
 * database once, and on teardown drops the template and every database this run cloned from it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const useContainers = await shouldUseTestcontainers();
  let stopContainers: (() => Promise<void>) | undefined;
  let servers = localInfra();
  if (useContainers) {
    const { startContainers } = await import('./containers.js');
    const started = await startContainers();
    servers = { postgresUrl: started.postgresUrl, natsUrl: started.natsUrl };
    stopContainers = started.stop;
  }

  const templateDb = `cs_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: servers.postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  await admin.end();
  const db = createDb({ url: withDatabase(servers.postgresUrl, templateDb), poolMax: 1 });
  await migrateToLatest(db);
  await db.destroy();

  const infra: TestInfra = { mode: useContainers ? 'testcontainers' : 'local', ...servers, templateDb, runId };
  project.provide('testInfra', infra);

  return async () => {
    const client = new pg.Client({ connectionString: servers.postgresUrl });
    await client.connect();
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`cs_%_${runId}%`]);
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
    }
    await client.end();
    await stopContainers?.();
  };
}
