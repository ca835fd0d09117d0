import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors/index.js';
import { jwksEnvSchema, userTokenConfigProblems } from './auth-config.js';
import { createJwtVerifier, type VerifyJwt } from './jwt-verifier.js';

const SECRET = 'a-shared-secret-of-enough-length-0123';
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** The code a verify call fails with (`'ok:<sub>'` when it passes). */
async function outcome(verify: VerifyJwt, token: string): Promise<string> {
  try {
    return `ok:${await verify(token)}`;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

interface SignOptions {
  alg: string;
  key: CryptoKey | KeyObject | Uint8Array;
  kid?: string;
  sub?: string | null;
  exp?: number | null;
  nbf?: number;
  iss?: string;
  aud?: string;
}

/** The identity provider's issuer and this app's audience (required with a JWKS URL). */
const IDP = { issuer: 'https://idp.example.edu', audience: 'canvas-sync' };

function sign(o: SignOptions): Promise<string> {
  // Tokens from the JWKS provider carry its iss and our aud unless a test says otherwise.
  if (o.alg !== 'HS256' && !o.alg.startsWith('HS')) o = { iss: IDP.issuer, aud: IDP.audience, ...o };
  let jwt = new SignJWT({}).setProtectedHeader({ alg: o.alg, ...(o.kid ? { kid: o.kid } : {}) }).setIssuedAt();
  if (o.sub !== null) jwt = jwt.setSubject(o.sub ?? 'user-1');
  if (o.exp !== null) jwt = jwt.setExpirationTime(o.exp ?? now() + 600);
  if (o.nbf !== undefined) jwt = jwt.setNotBefore(o.nbf);
  if (o.iss) jwt = jwt.setIssuer(o.iss);
  if (o.aud) jwt = jwt.setAudience(o.aud);
  return jwt.sign(o.key);
}

const hs = (extra: Partial<SignOptions> = {}) => sign({ alg: 'HS256', key: new TextEncoder().encode(SECRET), ...extra });
const unsigned = (claims: object) => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;

describe('HS256 user tokens (shared secret)', () => {
  const verify = createJwtVerifier({ secret: SECRET });

  it('accepts a valid token and returns its subject', async () => {
    expect(await outcome(verify, await hs())).toBe('ok:user-1');
  });

  it('refuses a tampered payload, another secret, alg:none and another HMAC size', async () => {
    const [header, , signature] = (await hs()).split('.');
    expect(await outcome(verify, `${header}.${b64url({ sub: 'admin', exp: now() + 600 })}.${signature}`)).toBe('unauthenticated');
    expect(await outcome(verify, await hs({ key: new TextEncoder().encode('another-secret-of-enough-length-xx') }))).toBe('unauthenticated');
    expect(await outcome(verify, unsigned({ sub: 'user-1', exp: now() + 600 }))).toBe('unauthenticated');
    expect(await outcome(verify, await sign({ alg: 'HS512', key: new TextEncoder().encode(SECRET) }))).toBe('unauthenticated');
  });

  it('enforces exp and nbf with a small clock skew', async () => {
    expect(await outcome(verify, await hs({ exp: now() - 120 }))).toBe('unauthenticated');
    expect(await outcome(verify, await hs({ exp: now() - 5 }))).toBe('ok:user-1');
    expect(await outcome(verify, await hs({ nbf: now() + 600 }))).toBe('unauthenticated');
    expect(await outcome(verify, await hs({ nbf: now() + 5 }))).toBe('ok:user-1');
  });

  it('requires exp and a usable sub', async () => {
    expect(await outcome(verify, await hs({ exp: null }))).toBe('unauthenticated');
    expect(await outcome(verify, await hs({ sub: null }))).toBe('unauthenticated');
    expect(await outcome(verify, await hs({ sub: 'x'.repeat(201) }))).toBe('unauthenticated');
  });

  it('checks iss and aud when configured', async () => {
    const strict = createJwtVerifier({ secret: SECRET, issuer: 'host-app', audience: 'canvas-sync' });
    expect(await outcome(strict, await hs({ iss: 'host-app', aud: 'canvas-sync' }))).toBe('ok:user-1');
    expect(await outcome(strict, await hs({ iss: 'other', aud: 'canvas-sync' }))).toBe('unauthenticated');
    expect(await outcome(strict, await hs({ iss: 'host-app', aud: 'other' }))).toBe('unauthenticated');
    expect(await outcome(strict, await hs())).toBe('unauthenticated');
  });

  it('refuses empty and oversized tokens before any crypto', async () => {
    expect(await outcome(verify, '')).toBe('unauthenticated');
    expect(await outcome(verify, 'a'.repeat(9000))).toBe('unauthenticated');
  });

  it('never echoes claim values in its messages', async () => {
    const strict = createJwtVerifier({ secret: SECRET, issuer: 'host-app' });
    const refused = (await strict(await hs({ iss: 'leaky-issuer-value' })).catch((e: unknown) => e)) as Error;
    expect(refused.message).not.toContain('leaky-issuer-value');
  });
});

describe('RS256 / ES256 user tokens from a JWKS URL', () => {
  let server: Server;
  let jwksUrl: string;
  let jwks: { keys: JWK[] } = { keys: [] };
  let requests = 0;
  let down = false;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let otherRsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  let rsaPem: string;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    otherRsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    rsaPem = await exportSPKI(rsa.publicKey);
    jwks = {
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    };
    server = createServer((req, res) => {
      requests += 1;
      if (down) return void res.writeHead(500).end('down');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/.well-known/jwks.json`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts an RS256 token signed by a published key', async () => {
    const verify = createJwtVerifier({ jwksUrl, ...IDP });
    expect(await outcome(verify, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' }))).toBe('ok:user-1');
  });

  it('refuses tampered, expired, not-yet-valid and foreign-key tokens', async () => {
    const verify = createJwtVerifier({ jwksUrl, ...IDP });
    const [header, , signature] = (await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' })).split('.');
    expect(await outcome(verify, `${header}.${b64url({ sub: 'admin', exp: now() + 600 })}.${signature}`)).toBe('unauthenticated');
    expect(await outcome(verify, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1', exp: now() - 120 }))).toBe('unauthenticated');
    expect(await outcome(verify, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1', nbf: now() + 600 }))).toBe('unauthenticated');
    // Same kid, another private key: the signature does not match the published key.
    expect(await outcome(verify, await sign({ alg: 'RS256', key: otherRsa.privateKey, kid: 'rsa-1' }))).toBe('unauthenticated');
  });

  it('refuses alg:none and HS256 "signed" with the public key (algorithm confusion) without fetching keys', async () => {
    const verify = createJwtVerifier({ jwksUrl, ...IDP, jwksCooldownMs: 0 });
    const before = requests;
    expect(await outcome(verify, unsigned({ sub: 'user-1', exp: now() + 600 }))).toBe('unauthenticated');
    const publicJwk = JSON.stringify(jwks.keys[0]);
    for (const secret of [rsaPem, publicJwk]) {
      expect(await outcome(verify, await sign({ alg: 'HS256', key: new TextEncoder().encode(secret), kid: 'rsa-1' }))).toBe('unauthenticated');
    }
    expect(requests).toBe(before);
  });

  it('pins the configured algorithm: RS512 with the right key, or ES256, is refused under RS256', async () => {
    const verify = createJwtVerifier({ jwksUrl, ...IDP, algorithm: 'RS256' });
    // The same private key, used with SHA-512 (a KeyObject is not bound to one hash as a CryptoKey is).
    const anyHash = createPrivateKey(await exportPKCS8(rsa.privateKey));
    expect(await outcome(verify, await sign({ alg: 'RS512', key: anyHash, kid: 'rsa-1' }))).toBe('unauthenticated');
    expect(await outcome(verify, await sign({ alg: 'RS256', key: anyHash, kid: 'rsa-1' }))).toBe('ok:user-1');
    expect(await outcome(verify, await sign({ alg: 'ES256', key: ec.privateKey, kid: 'ec-1' }))).toBe('unauthenticated');
  });

  it('accepts ES256 when configured and then refuses RS256', async () => {
    const verify = createJwtVerifier({ jwksUrl, ...IDP, algorithm: 'ES256' });
    expect(await outcome(verify, await sign({ alg: 'ES256', key: ec.privateKey, kid: 'ec-1' }))).toBe('ok:user-1');
    expect(await outcome(verify, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' }))).toBe('unauthenticated');
  });

  it('refuses a token the same identity provider minted for another app, or another issuer', async () => {
    const verify = createJwtVerifier({ jwksUrl, ...IDP });
    expect(await outcome(verify, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1', aud: 'another-app' }))).toBe('unauthenticated');
    expect(await outcome(verify, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1', iss: 'https://other-idp.example.com' }))).toBe('unauthenticated');
  });

  it('refuses a token whose kid is not published', async () => {
    const verify = createJwtVerifier({ jwksUrl, ...IDP });
    expect(await outcome(verify, await sign({ alg: 'RS256', key: otherRsa.privateKey, kid: 'unknown-kid' }))).toBe('unauthenticated');
  });

  it('reports an unreachable JWKS as auth_unavailable (503), not as a bad token', async () => {
    const verify = createJwtVerifier({ jwksUrl, ...IDP });
    down = true;
    try {
      const err = (await verify(await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' })).catch((e: unknown) => e)) as AppError;
      expect(err.code).toBe('auth_unavailable');
      expect(err.status).toBe(503);
    } finally {
      down = false;
    }
  });
});

describe('user-token configuration', () => {
  it('refuses contradictory key sources at construction', () => {
    expect(() => createJwtVerifier({})).toThrow(/secret/);
    expect(() => createJwtVerifier({ secret: 'short' })).toThrow(/at least 16/);
    expect(() => createJwtVerifier({ secret: SECRET, jwksUrl: 'https://idp.example.edu/jwks' })).toThrow(/not both/);
    expect(() => createJwtVerifier({ secret: SECRET, algorithm: 'RS256' })).toThrow(/JWKS/);
    expect(() => createJwtVerifier({ jwksUrl: 'https://idp.example.edu/jwks', algorithm: 'HS256' })).toThrow();
    // A JWKS without iss and aud to pin would accept tokens the provider minted for other apps.
    expect(() => createJwtVerifier({ jwksUrl: 'https://idp.example.edu/jwks' })).toThrow(/issuer and an audience/);
    expect(() => createJwtVerifier({ jwksUrl: 'https://idp.example.edu/jwks', issuer: IDP.issuer })).toThrow(/issuer and an audience/);
  });

  it('names every contradiction for the config loader', () => {
    expect(userTokenConfigProblems({ secret: SECRET })).toEqual([]);
    expect(userTokenConfigProblems({ jwksUrl: 'https://idp.example.edu/jwks', ...IDP })).toEqual([]);
    expect(userTokenConfigProblems({ jwksUrl: 'https://idp.example.edu/jwks' }).map((p) => p.split(':')[0])).toEqual(['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE']);
    expect(userTokenConfigProblems({ secret: SECRET, jwksUrl: 'https://idp.example.edu/jwks', ...IDP })).toHaveLength(1);
    expect(userTokenConfigProblems({ algorithm: 'ES256' })).toEqual(['AUTH_JWT_ALGORITHM: ES256 needs AUTH_JWKS_URL']);
    expect(userTokenConfigProblems({ jwksUrl: 'https://idp.example.edu/jwks', algorithm: 'HS256', ...IDP })).toHaveLength(1);
  });

  it('wants the JWKS over https (http on loopback only)', () => {
    expect(jwksEnvSchema.parse({ AUTH_JWKS_URL: 'https://idp.example.edu/jwks' }).AUTH_JWKS_URL).toBe('https://idp.example.edu/jwks');
    expect(jwksEnvSchema.parse({ AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).AUTH_JWKS_URL).toBe('http://127.0.0.1:8080/jwks');
    expect(jwksEnvSchema.safeParse({ AUTH_JWKS_URL: 'http://idp.example.edu/jwks' }).success).toBe(false);
    expect(jwksEnvSchema.safeParse({ AUTH_JWKS_URL: 'not a url' }).success).toBe(false);
    expect(jwksEnvSchema.safeParse({ AUTH_JWT_ALGORITHM: 'none' }).success).toBe(false);
  });
});
