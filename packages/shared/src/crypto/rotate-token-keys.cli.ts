/**
 * One-shot key rotation: `npm run rotate-token-keys [-- --dry-run] [-- --batch-size N]`.
 * Re-encrypts every stored Canvas token under TOKEN_ENCRYPTION_ACTIVE_KEY (docs/security.md, "Rotate
 * the token key"). Reads DATABASE_URL and the token key variables exactly as the services do.
 * Exit 0: every token is under the active key. Exit 2: some rows could not be moved (each is
 * listed; none was changed). Exit 1: the command itself failed.
 */
import { readFileSync } from 'node:fs';
import { baseEnvSchema, loadConfig } from '../config/index.js';
import { createDb } from '../db/connect.js';
import { isAppError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { createTokenCipher, parseTokenKeys, tokenKeysEnvSchema } from './keys-config.js';
import { rotateTokenKeys } from './rotate-token-keys.js';

const logger = createLogger({ service: 'rotate-token-keys', level: process.env.LOG_LEVEL ?? 'info' });

function batchSizeArg(argv: string[]): number {
  const at = argv.indexOf('--batch-size');
  if (at < 0) return 200;
  const n = Number(argv[at + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error('--batch-size must be an integer from 1 to 10000');
  return n;
}

async function main(): Promise<number> {
  const env = loadConfig(baseEnvSchema.extend(tokenKeysEnvSchema.shape), process.env);
  const keys = parseTokenKeys(env, (path) => readFileSync(path, 'utf8'));
  if (typeof keys === 'string') throw new Error(keys);
  if (keys.usingDevKey) logger.warn('no TOKEN_ENCRYPTION_KEY(S) set: rotating to the public dev key; set the real keys first');
  const dryRun = process.argv.includes('--dry-run');
  const db = createDb({ url: env.DATABASE_URL, poolMax: 2, applicationName: 'canvas-sync-rotate-token-keys' });
  try {
    const report = await rotateTokenKeys(db, createTokenCipher(keys), {
      batchSize: batchSizeArg(process.argv),
      dryRun,
      onBatch: (done) => logger.info(done, 'batch done'),
    });
    for (const failure of report.failed) logger.error(failure, 'token left under its old key');
    const summary = { activeKeyId: report.activeKeyId, byKeyId: report.byKeyId, rotated: report.rotated, failed: report.failed.length, dryRun };
    if (report.failed.length > 0) {
      logger.error(summary, 'some tokens could not be re-encrypted: add their key to TOKEN_ENCRYPTION_KEYS and run again, or ask those users to reconnect Canvas');
      return 2;
    }
    logger.info(summary, dryRun ? 'dry run: nothing written' : 'every token is under the active key');
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    logger.fatal({ err: isAppError(err) ? { code: err.code, message: err.message } : { message: (err as Error).message } }, 'key rotation failed');
    process.exit(1);
  },
);
