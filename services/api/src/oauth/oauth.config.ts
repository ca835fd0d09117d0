import { z } from 'zod';
import { oauthClientsEnvSchema, parseOAuthClients, type OAuthClients } from '@canvas-sync/shared';

/**
 * The api's Canvas OAuth2 variables (DESIGN.md "Canvas OAuth2"), kept apart from config.ts so the
 * api config gains only a few lines: `PUBLIC_URL`, the developer keys and `CANVAS_PERSONAL_TOKENS`.
 */
export const apiOAuthEnvSchema = oauthClientsEnvSchema.extend({
  PUBLIC_URL: z.string().optional(),
  CANVAS_PERSONAL_TOKENS: z.enum(['allow', 'deny', '']).optional(),
});
type ApiOAuthEnv = z.output<typeof apiOAuthEnvSchema>;

/** The api's OAuth settings, as the routes use them. */
export interface ApiOAuthConfig {
  /** The api's external origin (maybe with a path prefix), without a trailing slash. */
  publicUrl: string;
  /** `${publicUrl}/api/v1/canvas/oauth/callback`: what the school registers with its developer key. */
  redirectUri: string;
  clients: OAuthClients;
  /** Whether `PUT /api/v1/canvas/connection` still accepts a pasted personal token. */
  personalTokens: 'allow' | 'deny';
}

/** Where the api is, and where Canvas sends the browser back to. */
export const CALLBACK_PATH = '/api/v1/canvas/oauth/callback';

/** `PUBLIC_URL` without a trailing slash, or the problem. */
function parsePublicUrl(value: string): string | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'must be the URL where browsers reach the api, like https://sync.example.edu' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'must start with https:// (or http:// for local runs)' };
  if (url.username || url.password || url.search || url.hash) return { problem: 'must have no credentials, query or fragment' };
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The config problems of the OAuth variables, for the api's `superRefine` (messages never hold a secret). */
export function oauthConfigProblems(env: ApiOAuthEnv, readFile: (path: string) => string, context: { demo: boolean }): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const clients = parseOAuthClients(env, readFile);
  if (typeof clients === 'string') problems.push({ path: env.CANVAS_OAUTH_CLIENTS_FILE ? 'CANVAS_OAUTH_CLIENTS_FILE' : 'CANVAS_OAUTH_CLIENTS', message: clients });
  const publicUrl = env.PUBLIC_URL?.trim();
  if (publicUrl) {
    const parsed = parsePublicUrl(publicUrl);
    if (typeof parsed !== 'string') problems.push({ path: 'PUBLIC_URL', message: parsed.problem });
  } else if (!context.demo && typeof clients !== 'string' && clients.hosts.length > 0) {
    // Without it the redirect URI would name localhost, which no school registered.
    problems.push({ path: 'PUBLIC_URL', message: 'is required when CANVAS_OAUTH_CLIENTS(_FILE) is set outside the demo' });
  }
  return problems;
}

/** Builds the OAuth settings from variables {@link oauthConfigProblems} accepted. */
export function toOAuthConfig(env: ApiOAuthEnv, readFile: (path: string) => string, context: { port: number; demo: boolean }): ApiOAuthConfig {
  const clients = parseOAuthClients(env, readFile);
  if (typeof clients === 'string') throw new Error(clients);
  const given = env.PUBLIC_URL?.trim();
  const parsed = given ? parsePublicUrl(given) : `http://localhost:${context.port}`;
  if (typeof parsed !== 'string') throw new Error(`PUBLIC_URL ${parsed.problem}`);
  const personalTokens = env.CANVAS_PERSONAL_TOKENS || (context.demo ? 'allow' : clients.hosts.length > 0 ? 'deny' : 'allow');
  return Object.freeze({ publicUrl: parsed, redirectUri: `${parsed}${CALLBACK_PATH}`, clients, personalTokens });
}
