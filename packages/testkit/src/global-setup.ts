import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb, migrateToLatest } from '@canvas-sync/shared';
import { shouldUseTestcontainers, withDatabase, type TestInfra } from './infra.js';
import { provideRunServers } from './servers/run-servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testInfra: TestInfra;
  }
}

/**
 * Runs once per `vitest run` (per project that lists it): picks the servers (Testcontainers, local
 * ones, or our own where none answer: servers/run-servers.ts), migrates a template database once, and on
 * teardown drops the template and every database this run cloned from it, then stops what it started.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const useContainers = await shouldUseTestcontainers();
  let mode: TestInfra['mode'] = 'testcontainers';
  let servers: { postgresUrl: string; natsUrl: string; stop(): Promise<void> };
  if (useContainers) {
    const { startContainers } = await import('./containers.js');
    servers = await startContainers();
  } else {
    const run = await provideRunServers();
    mode = run.started.length > 0 ? 'own' : 'local';
    servers = run;
  }
  try {
    return await prepare(project, runId, mode, servers);
  } catch (err) {
    await servers.stop();
    throw err;
  }
}

async function prepare(project: TestProject, runId: string, mode: TestInfra['mode'], servers: { postgresUrl: string; natsUrl: string; stop(): Promise<void> }): Promise<() => Promise<void>> {
  const templateDb = `cs_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: servers.postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  await admin.end();
  const db = createDb({ url: withDatabase(servers.postgresUrl, templateDb), poolMax: 1 });
  await migrateToLatest(db);
  await db.destroy();

  const infra: TestInfra = { mode, postgresUrl: servers.postgresUrl, natsUrl: servers.natsUrl, templateDb, runId };
  project.provide('testInfra', infra);

  return async () => {
    try {
      const client = new pg.Client({ connectionString: servers.postgresUrl });
      await client.connect();
      const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`cs_%_${runId}%`]);
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
      }
      await client.end();
    } finally {
      await servers.stop();
    }
  };
}
