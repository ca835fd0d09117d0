import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/**
 * A tiny stand-in for Canvas's OAuth2 token endpoint and `/api/v1/users/self` (CANVAS.md "OAuth2"),
 * for the api's tests until they run against packages/canvas-sim: codes bound to the redirect URI
 * they were issued for and single-use, refresh without a new refresh token, `invalid_grant` for a
 * revoked grant, and a count of revocations.
 */
export interface FakeOAuthCanvas {
  url: string;
  host: string;
  client: { clientId: string; clientSecret: string };
  /** Issues a code as the consent page would after "Authorize", for `redirectUri`. */
  issueCode(redirectUri: string, user?: { id: number; name: string }): string;
  /** Every access token, refresh token and code it ever handed out (for secrecy checks). */
  secrets(): string[];
  /** Makes an access token expire (Canvas answers 401 with WWW-Authenticate). */
  expire(accessToken: string): void;
  /** Revokes the grant behind a refresh token (refresh → invalid_grant). */
  revokeGrant(refreshToken: string): void;
  revocations: string[];
  grants: { authorization_code: number; refresh_token: number };
  close(): Promise<void>;
}

export async function startFakeOAuthCanvas(): Promise<FakeOAuthCanvas> {
  const client = { clientId: '10000000000042', clientSecret: `secret-${randomBytes(12).toString('hex')}` };
  const codes = new Map<string, { redirectUri: string; user: { id: number; name: string } }>();
  const grants = new Map<string, { access: string; user: { id: number; name: string }; revoked: boolean }>();
  const access = new Map<string, { refresh: string; expired: boolean }>();
  const issued: string[] = [];
  const revocations: string[] = [];
  const counts = { authorization_code: 0, refresh_token: 0 };
  const newToken = (prefix: string) => {
    const token = `${prefix}~${randomBytes(16).toString('hex')}`;
    issued.push(token);
    return token;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (req.url === '/login/oauth2/token' && req.method === 'POST') {
        const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        if (form.client_id !== client.clientId || form.client_secret !== client.clientSecret) return send(401, { error: 'invalid_client', error_description: 'unknown client' });
        if (form.grant_type === 'authorization_code') {
          const pending = codes.get(form.code ?? '');
          codes.delete(form.code ?? '');
          if (!pending || pending.redirectUri !== form.redirect_uri) return send(400, { error: 'invalid_grant', error_description: 'bad code or redirect_uri' });
          counts.authorization_code += 1;
          const refresh = newToken('refresh');
          const token = newToken('access');
          grants.set(refresh, { access: token, user: pending.user, revoked: false });
          access.set(token, { refresh, expired: false });
          return send(200, { access_token: token, token_type: 'Bearer', user: pending.user, refresh_token: refresh, expires_in: 3600, canvas_region: 'none' });
        }
        if (form.grant_type === 'refresh_token') {
          const grant = grants.get(form.refresh_token ?? '');
          if (!grant || grant.revoked) return send(400, { error: 'invalid_grant', error_description: 'revoked' });
          counts.refresh_token += 1;
          const token = newToken('access');
          grant.access = token;
          access.set(token, { refresh: form.refresh_token!, expired: false });
          return send(200, { access_token: token, token_type: 'Bearer', user: grant.user, expires_in: 3600 });
        }
        return send(400, { error: 'unsupported_grant_type' });
      }
      const known = bearer ? access.get(bearer) : undefined;
      const grant = known ? grants.get(known.refresh) : undefined;
      if (!known || known.expired || !grant || grant.revoked) {
        return send(401, { errors: [{ message: 'Invalid access token.' }] }, { 'www-authenticate': 'Bearer realm="canvas-lms"' });
      }
      if (req.url === '/login/oauth2/token' && req.method === 'DELETE') {
        revocations.push(bearer!);
        grant.revoked = true;
        return send(200, {});
      }
      if (req.url === '/api/v1/users/self' && req.method === 'GET') return send(200, { ...grant.user, sortable_name: grant.user.name });
      return send(404, { errors: [{ message: 'The specified resource does not exist.' }] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    host: `127.0.0.1:${address.port}`,
    client,
    issueCode: (redirectUri, user = { id: 42, name: 'Ada Lovelace' }) => {
      const code = newToken('code');
      codes.set(code, { redirectUri, user });
      return code;
    },
    secrets: () => [...issued, client.clientSecret],
    expire: (token) => {
      const known = access.get(token);
      if (known) known.expired = true;
    },
    revokeGrant: (refresh) => {
      const grant = grants.get(refresh);
      if (grant) grant.revoked = true;
    },
    revocations,
    grants: counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
