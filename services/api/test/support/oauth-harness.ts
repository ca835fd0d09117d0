import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { toOAuthConfig } from '../../src/oauth/oauth.config.js';
import { startApiHarness, type ApiHarness } from './api-harness.js';
import type { FakeOAuthCanvas } from './fake-oauth-canvas.js';

export const PUBLIC_URL = 'https://sync.example.edu';
export const APP_ORIGIN = 'https://app.example.edu';

/** An api whose developer keys name `canvas`'s host, behind `PUBLIC_URL`, with one CORS origin. */
export async function startOAuthApi(canvas: { host: string; client: { clientId: string; clientSecret: string } }, env: Record<string, string> = {}): Promise<ApiHarness> {
  const oauth = toOAuthConfig(
    { CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: canvas.host, ...canvas.client }]), PUBLIC_URL, ...env },
    () => '',
    { port: 3000, demo: false },
  );
  return startApiHarness({ oauth, corsOrigins: [APP_ORIGIN] });
}

/** `POST /oauth/start` for `userId`. */
export async function startAuthorization(h: ApiHarness, userId: string, body: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return h.app.inject({ method: 'POST', url: '/api/v1/canvas/oauth/start', headers: await h.auth(userId), payload: body });
}

/** The state and redirect URI of an authorize URL the api handed out. */
export function authorizeParams(authorizeUrl: string): { state: string; redirectUri: string; clientId: string } {
  const url = new URL(authorizeUrl);
  expect(url.pathname).toBe('/login/oauth2/auth');
  expect(url.searchParams.get('response_type')).toBe('code');
  return { state: url.searchParams.get('state')!, redirectUri: url.searchParams.get('redirect_uri')!, clientId: url.searchParams.get('client_id')! };
}

/** Canvas sending the browser back: `GET /oauth/callback?…` without any bearer token. */
export function callback(h: ApiHarness, query: Record<string, string>): Promise<LightMyRequestResponse> {
  return h.app.inject({ method: 'GET', url: `/api/v1/canvas/oauth/callback?${new URLSearchParams(query).toString()}` });
}

/** The whole dance with `canvas` approving: start → consent → callback; returns the callback's answer. */
export async function connectWithCanvas(h: ApiHarness, canvas: FakeOAuthCanvas, userId: string, returnTo?: string): Promise<LightMyRequestResponse> {
  const started = await startAuthorization(h, userId, { baseUrl: canvas.url, ...(returnTo ? { returnTo } : {}) });
  expect(started.statusCode, started.body).toBe(200);
  const { state, redirectUri } = authorizeParams(started.json().authorizeUrl);
  return callback(h, { code: canvas.issueCode(redirectUri), state });
}

/** Every row of the tables that matter for "nothing stored", as text. */
export async function storedState(h: ApiHarness): Promise<string> {
  const db = h.database.db;
  const [connections, states] = await Promise.all([db.selectFrom('connections').selectAll().orderBy('user_id').execute(), db.selectFrom('oauth_states').selectAll().execute()]);
  return JSON.stringify({ connections, states });
}
