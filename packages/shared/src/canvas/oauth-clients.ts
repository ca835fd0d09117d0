import { z } from 'zod';
import { normalizeSecret } from '../config/secrets.js';

/**
 * Canvas developer keys, one per Canvas host (DESIGN.md "Canvas OAuth2"). The api needs them to
 * start and finish the authorization; the fetcher needs them to refresh access tokens.
 */
export const oauthClientsEnvSchema = z.object({
  /** JSON `[{"host","clientId","clientSecret"}]`. */
  CANVAS_OAUTH_CLIENTS: z.string().optional(),
  /** The same JSON read from a file (a mounted Kubernetes Secret). */
  CANVAS_OAUTH_CLIENTS_FILE: z.string().optional(),
});

/** One developer key: what Canvas calls `client_id` and `client_secret`. */
export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The configured developer keys, looked up by the Canvas origin a connection points at. */
export interface OAuthClients {
  /** The key for the host of `originOrUrl` (`https://school.instructure.com`, any URL on it), or undefined. */
  clientFor(originOrUrl: string): OAuthClientCredentials | undefined;
  /** The configured hosts (lowercase, `:port` only when not 80/443); never the secrets. */
  readonly hosts: readonly string[];
}

// Values are never put into messages: a secret typed into the wrong field must not reach a log.
const Entry = z.object({
  host: z.string().trim().min(1).max(300),
  clientId: z.string().trim().min(1).max(500),
  // The shared secret rule (config/secrets.ts): surrounding whitespace is never part of a secret.
  clientSecret: z.string().max(4096).transform((v) => normalizeSecret(v) ?? '').pipe(z.string().min(1)),
});

/** `School.Example.edu:443` → `school.example.edu`; undefined when it is not a bare host[:port]. */
export function normaliseOAuthHost(host: string): string | undefined {
  const text = host.trim().toLowerCase();
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(`https://${text}`);
  } catch {
    return undefined;
  }
  // 80 and 443 are the defaults of http and https: `host` leaves them out (as URL.host does).
  return url.host.replace(/:(80|443)$/, '').replace(/\.$/, '');
}

/** The key of a URL's host as {@link normaliseOAuthHost} writes it; undefined for a bad URL. */
function hostOfUrl(originOrUrl: string): string | undefined {
  try {
    return normaliseOAuthHost(new URL(originOrUrl).host);
  } catch {
    return undefined;
  }
}

/** A lookup over already-checked entries (tests and `npm start` build one directly). */
export function createOAuthClients(entries: readonly ({ host: string } & OAuthClientCredentials)[]): OAuthClients {
  const byHost = new Map<string, OAuthClientCredentials>();
  for (const entry of entries) {
    const host = normaliseOAuthHost(entry.host);
    if (host === undefined) throw new Error(`"${entry.host}" is not a host name (host[:port])`);
    byHost.set(host, Object.freeze({ clientId: entry.clientId, clientSecret: entry.clientSecret }));
  }
  const hosts = Object.freeze([...byHost.keys()]);
  return Object.freeze({
    clientFor: (originOrUrl: string) => {
      const host = hostOfUrl(originOrUrl);
      return host === undefined ? undefined : byHost.get(host);
    },
    hosts,
  });
}

/**
 * Turns `CANVAS_OAUTH_CLIENTS` / `CANVAS_OAUTH_CLIENTS_FILE` into the lookup, or returns the
 * problem as a message for the config loader to list (as `parseTokenKeys` does). Messages name the
 * variable, the entry and the field, never a value: a client secret must not reach a log.
 */
export function parseOAuthClients(env: z.output<typeof oauthClientsEnvSchema>, readFile: (path: string) => string): OAuthClients | string {
  const inline = env.CANVAS_OAUTH_CLIENTS?.trim() ?? '';
  const file = env.CANVAS_OAUTH_CLIENTS_FILE?.trim() ?? '';
  if (inline !== '' && file !== '') return 'set CANVAS_OAUTH_CLIENTS or CANVAS_OAUTH_CLIENTS_FILE, not both';
  if (inline === '' && file === '') return createOAuthClients([]);
  const variable = inline !== '' ? 'CANVAS_OAUTH_CLIENTS' : 'CANVAS_OAUTH_CLIENTS_FILE';
  let text = inline;
  if (file !== '') {
    try {
      text = readFile(file);
    } catch (err) {
      return `${variable}: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text, which holds the secrets.
    return `${variable}: not valid JSON; expected [{"host":"…","clientId":"…","clientSecret":"…"}]`;
  }
  if (!Array.isArray(json)) return `${variable}: must be a JSON array of {"host","clientId","clientSecret"}`;
  const entries: ({ host: string } & OAuthClientCredentials)[] = [];
  const seen = new Set<string>();
  for (const [index, item] of json.entries()) {
    const parsed = Entry.safeParse(item);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? 'entry')))];
      return `${variable}: entry ${index + 1}: ${fields.join(', ')} must be non-empty text`;
    }
    const host = normaliseOAuthHost(parsed.data.host);
    if (host === undefined) return `${variable}: entry ${index + 1}: host must be a host name with an optional :port (no scheme, no path)`;
    if (seen.has(host)) return `${variable}: entry ${index + 1}: host "${host}" is listed twice`;
    seen.add(host);
    entries.push({ ...parsed.data, host });
  }
  return createOAuthClients(entries);
}
