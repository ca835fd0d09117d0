/** What the example host app needs to know; `loadHostConfig` reads it from the environment once. */
export interface HostConfig {
  port: number;
  host: string;
  /** The canvas-sync api's origin as browsers reach it (where `/embed/canvas-sync.js` is). */
  apiUrl: string;
  /** The notifier's `/ws` URL as browsers reach it; also goes into this page's CSP `connect-src`. */
  notifierUrl: string;
  /** The HS256 secret canvas-sync verifies user tokens with (its AUTH_JWT_SECRET). */
  jwtSecret: string;
  /** Lifetime of a minted user token. Short: the panel asks for a new one before it expires. */
  tokenTtlSeconds: number;
}

/** The dev secret of `npm start` (packages/shared DEV_JWT_SECRET): fine on a laptop, refused in production by canvas-sync. */
const DEV_SECRET = 'dev-only-canvas-sync-jwt-secret';

export function loadHostConfig(env: Readonly<Record<string, string | undefined>>): HostConfig {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const url = (name: string, fallback: string, protocols: string[]): string => {
    const raw = env[name] || fallback;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error(`${name} must be a URL, got "${raw}"`);
    }
    if (!protocols.includes(parsed.protocol)) throw new Error(`${name} must start with ${protocols.join(' or ')}, got "${raw}"`);
    return raw.replace(/\/+$/, '');
  };
  const apiUrl = url('CANVAS_SYNC_URL', 'http://localhost:3000', ['http:', 'https:']);
  const api = new URL(apiUrl);
  // By default the notifier sits on the api's host at port 3001 (as `npm start` runs it).
  const defaultWs = `${api.protocol === 'https:' ? 'wss' : 'ws'}://${api.hostname}:3001/ws`;
  return Object.freeze({
    port: int('PORT', 4000, 0, 65_535),
    host: env.HOST || '127.0.0.1',
    apiUrl,
    notifierUrl: url('CANVAS_SYNC_NOTIFIER_URL', defaultWs, ['ws:', 'wss:']),
    jwtSecret: env.AUTH_JWT_SECRET || DEV_SECRET,
    tokenTtlSeconds: int('TOKEN_TTL_SECONDS', 300, 10, 86_400),
  });
}
