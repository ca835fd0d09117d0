import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, createTestDatabase, type TestDatabase } from '@canvas-sync/testkit';
import { rotateTokenKeys, TokenCipher } from '../src/index.js';

const OLD = { id: 'k2025', key: randomBytes(32) };
const NEW = { id: 'k2026', key: randomBytes(32) };
const GONE = { id: 'k2019', key: randomBytes(32) };

const oldCipher = new TokenCipher([OLD], OLD.id);
const goneCipher = new TokenCipher([GONE], GONE.id);
const rotatingCipher = () => new TokenCipher([OLD, NEW], NEW.id);

async function insert(db: TestDatabase['db'], userId: string, sealed: { keyId: string; ciphertext: string }): Promise<string> {
  const row = await db
    .insertInto('connections')
    .values({ user_id: userId, base_url: 'https://canvas.example.edu', token_ciphertext: sealed.ciphertext, token_key_id: sealed.keyId, canvas_user: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const rows = (db: TestDatabase['db']) => db.selectFrom('connections').selectAll().orderBy('user_id').execute();

describe('rotateTokenKeys', () => {
  let database: TestDatabase;
  const tokens = new Map<string, string>();
  let unknownId = '';
  let corruptId = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 5; i++) {
      const token = `7~token-of-user-${i}-${randomBytes(8).toString('hex')}`;
      tokens.set(`u${i}`, token);
      await insert(database.db, `u${i}`, oldCipher.encrypt(token, `u${i}`));
    }
    tokens.set('u-new', 'already-new');
    await insert(database.db, 'u-new', rotatingCipher().encrypt('already-new', 'u-new'));
    unknownId = await insert(database.db, 'u-unknown', goneCipher.encrypt('lost-token', 'u-unknown'));
    // A ciphertext copied to another user's row: the key is known, but the user id (bound as
    // additional data) does not match, so it does not decrypt.
    corruptId = await insert(database.db, 'u-corrupt', oldCipher.encrypt('someone-elses', 'u0'));
  });
  afterAll(async () => database?.drop());

  it('a dry run counts and checks, and writes nothing', async () => {
    const before = await rows(database.db);
    const report = await rotateTokenKeys(database.db, rotatingCipher(), { dryRun: true, batchSize: 2 });
    expect(report).toMatchObject({ activeKeyId: NEW.id, rotated: 5, dryRun: true, byKeyId: { [OLD.id]: 6, [GONE.id]: 1 } });
    expect(report.failed).toHaveLength(2);
    expect(await rows(database.db)).toEqual(before);
  });

  it('moves every row under an old key to the active key in batches; unknown and broken rows are reported and left as they were', async () => {
    const before = new Map((await rows(database.db)).map((r) => [r.id, r]));
    const batches: number[] = [];
    const report = await rotateTokenKeys(database.db, rotatingCipher(), { batchSize: 2, onBatch: (d) => batches.push(d.rotated) });
    expect(report.rotated).toBe(5);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(report.failed).toEqual(
      expect.arrayContaining([
        { connectionId: unknownId, userId: 'u-unknown', keyId: GONE.id, reason: 'unknown_key' },
        { connectionId: corruptId, userId: 'u-corrupt', keyId: OLD.id, reason: 'undecryptable' },
      ]),
    );
    expect(report.failed).toHaveLength(2);

    // Only the new key is needed from now on.
    const newOnly = new TokenCipher([NEW], NEW.id);
    for (const row of await rows(database.db)) {
      if (row.id === unknownId || row.id === corruptId) {
        expect(row).toEqual(before.get(row.id));
        continue;
      }
      expect(row.token_key_id).toBe(NEW.id);
      expect(newOnly.decrypt(row.token_ciphertext!, row.token_key_id!, row.user_id)).toBe(tokens.get(row.user_id));
    }
  });

  it('is idempotent: a second run rotates nothing and reports the same rows', async () => {
    const before = await rows(database.db);
    const report = await rotateTokenKeys(database.db, rotatingCipher(), { batchSize: 2 });
    expect(report.rotated).toBe(0);
    expect(report.failed.map((f) => f.connectionId).sort()).toEqual([unknownId, corruptId].sort());
    expect(await rows(database.db)).toEqual(before);
  });
});

describe('rotateTokenKeys with OAuth refresh tokens', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('moves refresh tokens too, a row whole or not at all', async () => {
    const insertOAuth = async (userId: string, access: { keyId: string; ciphertext: string }, refresh: { keyId: string; ciphertext: string }) =>
      (
        await database.db
          .insertInto('connections')
          .values({
            user_id: userId,
            base_url: 'https://canvas.example.edu',
            auth_type: 'oauth',
            token_ciphertext: access.ciphertext,
            token_key_id: access.keyId,
            refresh_ciphertext: refresh.ciphertext,
            refresh_key_id: refresh.keyId,
            canvas_user: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    // Access token already refreshed under the new key, refresh token still under the old one.
    await insertOAuth('o1', rotatingCipher().encrypt('access-1', 'o1'), oldCipher.encrypt('refresh-1', 'o1'));
    await insertOAuth('o2', oldCipher.encrypt('access-2', 'o2'), oldCipher.encrypt('refresh-2', 'o2'));
    const mixedId = await insertOAuth('o3', oldCipher.encrypt('access-3', 'o3'), goneCipher.encrypt('refresh-3', 'o3'));
    const before = await database.db.selectFrom('connections').selectAll().where('id', '=', mixedId).executeTakeFirstOrThrow();

    const report = await rotateTokenKeys(database.db, rotatingCipher(), { batchSize: 2 });
    expect(report.byKeyId).toEqual({ [OLD.id]: 4, [GONE.id]: 1 });
    expect(report.rotated).toBe(2);
    expect(report.failed).toEqual([{ connectionId: mixedId, userId: 'o3', keyId: GONE.id, reason: 'unknown_key' }]);

    const newOnly = new TokenCipher([NEW], NEW.id);
    for (const [userId, n] of [['o1', 1], ['o2', 2]] as const) {
      const row = await database.db.selectFrom('connections').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
      expect([row.token_key_id, row.refresh_key_id]).toEqual([NEW.id, NEW.id]);
      expect(newOnly.decrypt(row.token_ciphertext!, NEW.id, userId)).toBe(`access-${n}`);
      expect(newOnly.decrypt(row.refresh_ciphertext!, NEW.id, userId)).toBe(`refresh-${n}`);
    }
    expect(await database.db.selectFrom('connections').selectAll().where('id', '=', mixedId).executeTakeFirstOrThrow()).toEqual(before);
  });
});

describe('npm run rotate-token-keys', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  const run = (env: Record<string, string>, args: string[] = []) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('npm', ['run', '--silent', 'rotate-token-keys', '--', ...args], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: database.url, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => resolve({ code, out }));
    });

  it('exits 2 naming a row under an unknown key, 0 once every token is under the active key; never prints a token', { timeout: 180_000 }, async () => {
    const secret = `7~cli-token-${randomBytes(12).toString('hex')}`;
    await insert(database.db, 'cli-user', oldCipher.encrypt(secret, 'cli-user'));
    const strayId = await insert(database.db, 'cli-stray', goneCipher.encrypt('stray', 'cli-stray'));
    const keys = `${OLD.id}:${OLD.key.toString('base64')},${NEW.id}:${NEW.key.toString('base64')}`;
    const env = { TOKEN_ENCRYPTION_KEYS: keys, TOKEN_ENCRYPTION_ACTIVE_KEY: NEW.id };

    const first = await run(env, ['--batch-size', '1']);
    expect(first.code, first.out).toBe(2);
    expect(first.out).toContain(strayId);
    expect(first.out).toContain('"reason":"unknown_key"');
    expect(first.out).not.toContain(secret);
    expect(first.out).not.toContain(Buffer.from(secret).toString('base64'));

    const row = await database.db.selectFrom('connections').selectAll().where('user_id', '=', 'cli-user').executeTakeFirstOrThrow();
    expect(row.token_key_id).toBe(NEW.id);
    expect(new TokenCipher([NEW], NEW.id).decrypt(row.token_ciphertext!, NEW.id, 'cli-user')).toBe(secret);

    await database.db.deleteFrom('connections').where('id', '=', strayId).execute();
    const second = await run(env);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('"rotated":0');
  });

  it('exits 1 on a bad key setting, without echoing the key', { timeout: 120_000 }, async () => {
    const result = await run({ TOKEN_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' });
    expect(result.code).toBe(1);
    expect(result.out).toContain('must be 32 bytes');
    expect(result.out).not.toContain('c2hvcnQ=');
  });
});
