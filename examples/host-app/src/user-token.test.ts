import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadHostConfig } from './host-config.js';
import { mintUserToken } from './user-token.js';

describe('the example host app', () => {
  it('mints an HS256 user token for the signed-in user that expires after the configured lifetime', async () => {
    const secret = 'test-secret-of-at-least-32-bytes-long!!';
    const token = await mintUserToken('alice', secret, 60, Date.UTC(2026, 0, 1));
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret), { currentDate: new Date(Date.UTC(2026, 0, 1, 0, 0, 30)) });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.sub).toBe('alice');
    expect(payload.exp! - payload.iat!).toBe(60);
    await expect(jwtVerify(token, new TextEncoder().encode(secret), { currentDate: new Date(Date.UTC(2026, 0, 1, 0, 1, 1)) })).rejects.toThrow();
  });

  it('reads its settings, defaulting to npm start next door, and refuses nonsense', () => {
    const config = loadHostConfig({});
    expect(config).toMatchObject({ port: 4000, apiUrl: 'http://localhost:3000', notifierUrl: 'ws://localhost:3001/ws', tokenTtlSeconds: 300 });
    expect(loadHostConfig({ CANVAS_SYNC_URL: 'https://sync.example.edu/' }).notifierUrl).toBe('wss://sync.example.edu:3001/ws');
    expect(() => loadHostConfig({ TOKEN_TTL_SECONDS: '5' })).toThrow(/TOKEN_TTL_SECONDS/);
    expect(() => loadHostConfig({ CANVAS_SYNC_NOTIFIER_URL: 'http://x/ws' })).toThrow(/CANVAS_SYNC_NOTIFIER_URL/);
  });
});
