import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createUserTokenVerifier } from '../src/auth/user-token.verifier.js';
import { SessionHub } from '../src/ws/session-hub.js';
import { Client, DEFAULT_WS } from './notifier.harness.js';

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** With a JWKS, iss and aud are required (a shared identity provider signs tokens for other apps too). */
const IDP = { issuer: 'https://idp.example.edu', audience: 'canvas-sync' };

/** The WebSocket auth frame goes through the same shared verifier as the api's bearer tokens: RS256 from a JWKS here. */
describe('WebSocket auth with AUTH_JWKS_URL (RS256)', () => {
  let server: Server;
  let app: FastifyInstance;
  let url: string;
  let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
  let pem: string;

  beforeAll(async () => {
    keys = await generateKeyPair('RS256', { extractable: true });
    pem = await exportSPKI(keys.publicKey);
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256' }] });
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksAddress = server.address();
    const jwksUrl = `http://127.0.0.1:${typeof jwksAddress === 'object' && jwksAddress ? jwksAddress.port : 0}/jwks.json`;
    const logger = pino({ level: 'silent' });
    // Auth only: no sync is ever read, so the views stay empty.
    const views = { one: async () => undefined, all: async () => [] };
    app = await buildApp({
      logger,
      checks: [],
      isShuttingDown: () => false,
      ws: { config: DEFAULT_WS, verify: createUserTokenVerifier({ jwksUrl, issuer: IDP.issuer, audience: IDP.audience }), views, hub: new SessionHub(5, async () => null, logger) },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ws`;
  });
  afterAll(async () => {
    await app.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const rs256 = (exp = now() + 300, aud = IDP.audience) =>
    new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u-ws').setIssuer(IDP.issuer).setAudience(aud).setExpirationTime(exp).sign(keys.privateKey);

  it('answers ready for a token signed with the published key', async () => {
    const client = await Client.open(url);
    client.send({ type: 'auth', token: await rs256() });
    expect(await client.waitFor((f) => f.type === 'ready')).toEqual({ type: 'ready', userId: 'u-ws' });
    client.close();
  });

  it('closes with 4401 on expired, alg:none, HS256-with-the-public-key and other-audience tokens', async () => {
    const confused = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('u-ws').setExpirationTime(now() + 300).sign(new TextEncoder().encode(pem));
    const none = `${b64url({ alg: 'none' })}.${b64url({ sub: 'u-ws', exp: now() + 300 })}.`;
    // …and a token the same provider minted for another app (another audience).
    for (const token of [await rs256(now() - 120), none, confused, await rs256(now() + 300, 'another-app')]) {
      const client = await Client.open(url);
      client.send({ type: 'auth', token });
      expect((await client.closed).code).toBe(4401);
      expect(client.frames.some((f) => f.type === 'ready')).toBe(false);
    }
  });
});
