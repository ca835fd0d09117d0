import { randomBytes } from 'node:crypto';
import { createLogger, TokenCipher } from '@canvas-sync/shared';
import { buildApp, type ApiDeps } from '../../services/api/src/app.js';

/**
 * Stands in for Postgres and NATS while the document is built: building the app and answering
 * `/openapi.json` touch neither, and anything that does fails loudly instead of hanging.
 */
const inert = new Proxy(
  {},
  {
    get(_target, property) {
      if (property === 'then') return undefined;
      throw new Error(`openapi generation touched ${String(property)}: it must not need a database or NATS`);
    },
  },
);

/** The api's `/openapi.json`, exactly as `buildApp` serves it (via `inject()`, nothing listens). */
export async function loadOpenApiDocument(): Promise<Record<string, unknown>> {
  const deps = {
    logger: createLogger({ service: 'client-types', level: 'silent' }),
    checks: [],
    isShuttingDown: () => false,
    db: inert,
    nc: inert,
    js: inert,
    ns: inert,
    cipher: new TokenCipher([{ id: 'gen', key: randomBytes(32) }], 'gen'),
    auth: { secret: 'client-types-generation-secret-0123456789' },
    canvas: { allowedHosts: ['*'], allowPrivateNetwork: false },
  } as unknown as ApiDeps;
  const app = await buildApp(deps);
  try {
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`);
    return res.json() as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
