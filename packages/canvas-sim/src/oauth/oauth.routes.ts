import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, presentedToken } from '../http/auth.js';
import { proxyError } from '../http/canvas-errors.js';
import { redactUrl } from '../http/redact.js';
import { consentPage, errorPage } from './consent.page.js';
import { OAuthRequestError } from './oauth.errors.js';
import type { OAuthStore } from './oauth.store.js';

type Fields = Record<string, string | undefined>;

/**
 * `/login/oauth2/*` as Canvas serves it (doc/api/oauth.md): outside `/api`, so no throttle, latency or
 * faults. Nothing here logs a code, token or secret.
 */
export function registerOAuthRoutes(app: FastifyInstance, store: OAuthStore, outage: () => boolean): void {
  // The load balancer sits in front of these too: a global outage answers 503 here as on the API.
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/login/oauth2/') || !outage()) return;
    const answer = proxyError(503, true);
    return reply.code(503).header('content-type', answer.contentType ?? 'text/html').send(answer.text);
  });
  app.get('/login/oauth2/auth', async (req, reply) => {
    const q = fieldsOf(req.query);
    const target = authTarget(store, q, true);
    if (typeof target === 'string') return html(reply, 400, errorPage(target));
    const user = store.sessionUser();
    if (store.settings.autoApprove) return approve(store, reply, target, user.id);
    const client = store.client(target.clientId);
    return html(reply, 200, consentPage(client?.name ?? target.clientId, user.name, q['purpose'] ?? null, { ...target, scope: q['scope'] ?? null, userId: user.id }));
  });

  app.post('/login/oauth2/accept', async (req, reply) => {
    const body = fieldsOf(req.body);
    const target = authTarget(store, body, false);
    if (typeof target === 'string') return html(reply, 400, errorPage(target));
    // The user the page was shown to, not whoever is signed in by the time the button is clicked.
    const userId = Number(body['user_id'] ?? store.sessionUser().id);
    if (!store.world.user(userId)) return html(reply, 400, errorPage('unknown user'));
    return approve(store, reply, target, userId);
  });

  const deny = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const fields = { ...fieldsOf(req.query), ...fieldsOf(req.body) };
    const target = authTarget(store, fields, false);
    if (typeof target === 'string') return html(reply, 400, errorPage(target));
    const userId = Number(fields['user_id'] ?? store.sessionUser().id);
    store.stats.count('deniedConsents', Number.isInteger(userId) ? userId : null, target.clientId);
    return redirect(reply, target.redirectUri, { error: 'access_denied', state: target.state });
  };
  app.post('/login/oauth2/deny', deny);
  app.get('/login/oauth2/deny', deny);

  app.post('/login/oauth2/token', async (req, reply) => {
    const body = fieldsOf(req.body);
    const basic = basicCredentials(req.headers.authorization);
    const clientId = body['client_id'] ?? basic?.id;
    // Canvas: no grant_type but a code means authorization_code.
    const grantType = body['grant_type'] ?? (body['code'] ? 'authorization_code' : undefined);
    try {
      if (grantType !== 'authorization_code' && grantType !== 'refresh_token') throw new OAuthRequestError('unsupportedGrant');
      const client = store.authenticateClient(clientId, body['client_secret'] ?? basic?.secret);
      const answer =
        grantType === 'authorization_code'
          ? store.exchangeCode(client, body['code'], body['redirect_uri'], truthy(body['replace_tokens']))
          : store.refresh(client, body['refresh_token']);
      return noStore(reply).code(200).send(answer);
    } catch (error) {
      if (!(error instanceof OAuthRequestError)) throw error;
      store.stats.count('failedGrants', null, clientId !== undefined && store.client(clientId) ? clientId : null);
      return noStore(reply).code(error.answer.status).send(error.answer.body);
    }
  });

  app.delete('/login/oauth2/token', async (req, reply) => {
    const token = presentedToken(req.headers.authorization, new URL(req.url, 'http://sim.invalid').searchParams);
    // The same check as the API's: an expired or revoked token cannot revoke anything (and is counted).
    const auth = authenticate(store.world, store, token, { endpoint: 'DELETE /login/oauth2/token', path: redactUrl(req.url) });
    if (!auth.ok) return reply.code(auth.answer.status).headers(auth.answer.headers ?? {}).send(auth.answer.body);
    store.revokeByAccessToken(auth.token);
    return reply.code(200).send({});
  });
}

interface AuthTarget {
  clientId: string;
  redirectUri: string;
  state: string | null;
}

/** Validates what decides where the browser goes; a string is the refusal shown on an error page (never a redirect). */
function authTarget(store: OAuthStore, fields: Fields, checkResponseType: boolean): AuthTarget | string {
  const clientId = fields['client_id'];
  if (!clientId || !store.client(clientId)) return 'unknown client';
  const redirectUri = fields['redirect_uri'];
  if (!redirectUri || !isHttpUrl(redirectUri)) return 'redirect_uri does not match client settings';
  if (checkResponseType && fields['response_type'] !== 'code') return 'response_type must be code';
  return { clientId, redirectUri, state: fields['state'] ?? null };
}

function approve(store: OAuthStore, reply: FastifyReply, target: AuthTarget, userId: number): FastifyReply {
  const code = store.issueCode(target.clientId, target.redirectUri, userId);
  store.stats.count('consents', userId, target.clientId);
  return redirect(reply, target.redirectUri, { code, state: target.state });
}

function redirect(reply: FastifyReply, base: string, params: Record<string, string | null>): FastifyReply {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  return reply.code(302).header('location', url.toString()).send();
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').send(body);
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** Query strings and form bodies as flat strings (a repeated field keeps its last value, as Rails does). */
function fieldsOf(input: unknown): Fields {
  if (!input || typeof input !== 'object') return {};
  const out: Fields = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') out[key] = last;
    else if (typeof last === 'number' || typeof last === 'boolean') out[key] = String(last);
  }
  return out;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function truthy(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
