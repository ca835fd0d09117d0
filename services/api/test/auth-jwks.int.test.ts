import { createServer, type Server } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The api with RS256 user tokens from a JWKS served by a local node:http server (the host app's identity provider). */
describe('JWT authentication with AUTH_JWKS_URL (RS256)', () => {
  let h: ApiHarness;
  let server: Server;
  let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
  let pem: string;
  let up = true;

  beforeAll(async () => {
    keys = await generateKeyPair('RS256', { extractable: true });
    pem = await exportSPKI(keys.publicKey);
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
    server = createServer((_req, res) => (up ? res.writeHead(200, { 'content-type': 'application/json' }).end(jwks) : res.writeHead(503).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    h = await startApiHarness({ auth: { jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: 'idp', audience: 'canvas-sync', jwksCooldownMs: 0 } });
  });
  afterAll(async () => {
    await h.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const rs256 = (claims: { exp?: number; iss?: string } = {}) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('u-jwks')
      .setIssuer(claims.iss ?? 'idp')
      .setAudience('canvas-sync')
      .setExpirationTime(claims.exp ?? now() + 300)
      .sign(keys.privateKey);
  const call = (token: string) => h.app.inject({ method: 'GET', url: '/api/v1/syncs', headers: { authorization: `Bearer ${token}` } });

  it('accepts a token signed with the published key', async () => {
    const res = await call(await rs256());
    expect(res.statusCode).toBe(200);
  });

  it('refuses tampered, expired, wrong-issuer and alg:none tokens with 401', async () => {
    const [header, , signature] = (await rs256()).split('.');
    const tampered = `${header}.${b64url({ sub: 'admin', iss: 'idp', aud: 'canvas-sync', exp: now() + 300 })}.${signature}`;
    const none = `${b64url({ alg: 'none' })}.${b64url({ sub: 'u-jwks', iss: 'idp', aud: 'canvas-sync', exp: now() + 300 })}.`;
    for (const token of [tampered, await rs256({ exp: now() - 120 }), await rs256({ iss: 'someone-else' }), none]) {
      const res = await call(token);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
  });

  it('refuses an HS256 token whose HMAC key is the RSA public key (algorithm confusion)', async () => {
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('admin')
      .setIssuer('idp')
      .setAudience('canvas-sync')
      .setExpirationTime(now() + 300)
      .sign(new TextEncoder().encode(pem));
    const res = await call(forged);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toContain('algorithm');
  });

  it('answers 503 auth_unavailable, not 401, when the JWKS cannot be read', async () => {
    up = false;
    try {
      // A kid not yet cached forces a fetch.
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k2' }).setSubject('u').setIssuer('idp').setAudience('canvas-sync').setExpirationTime(now() + 300).sign(keys.privateKey);
      const res = await call(token);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('auth_unavailable');
    } finally {
      up = true;
    }
  });
});
