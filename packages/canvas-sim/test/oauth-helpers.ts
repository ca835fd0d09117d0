import type { CanvasSim } from '../src/index.js';

export const CLIENT = { clientId: '10000000000001', clientSecret: 'sim-secret-abc', name: 'Canvas Sync Test' };
export const REDIRECT = 'http://app.test/api/v1/canvas/oauth/callback';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** fetch without following redirects: the tests assert on the 302 and its Location themselves. */
export async function call(sim: CanvasSim, method: string, path: string, init: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`${sim.url}${path}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function authPath(params: Record<string, string> = {}): string {
  const query = new URLSearchParams({ client_id: CLIENT.clientId, response_type: 'code', redirect_uri: REDIRECT, state: 'st-1', ...params });
  return `/login/oauth2/auth?${query.toString()}`;
}

/** The hidden fields of the consent page's form posting to `action`. */
export function formFields(html: string, action: string): Record<string, string> {
  const form = new RegExp(`<form method="post" action="${action}">(.*?)</form>`, 's').exec(html)?.[1];
  if (form === undefined) throw new Error(`no form ${action}`);
  const fields: Record<string, string> = {};
  for (const match of form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[match[1]!] = unescape(match[2]!);
  return fields;
}

function unescape(text: string): string {
  return text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
}

/** Authorize (auto-approve sims only) and return the code from the redirect. */
export async function codeFor(sim: CanvasSim, params: Record<string, string> = {}): Promise<string> {
  const answer = await call(sim, 'GET', authPath(params));
  const location = answer.headers.get('location');
  if (answer.status !== 302 || !location) throw new Error(`no redirect: ${answer.status} ${answer.text}`);
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new Error(`no code in ${location}`);
  return code;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: { id: number; name: string };
}

export async function exchange(sim: CanvasSim, code: string, extra: Record<string, string> = {}): Promise<HttpAnswer> {
  return call(sim, 'POST', '/login/oauth2/token', {
    form: { grant_type: 'authorization_code', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, redirect_uri: REDIRECT, code, ...extra },
  });
}

export async function connect(sim: CanvasSim, extra: Record<string, string> = {}): Promise<Tokens> {
  const answer = await exchange(sim, await codeFor(sim), extra);
  if (answer.status !== 200) throw new Error(`exchange failed: ${answer.status} ${answer.text}`);
  return answer.json as Tokens;
}

export async function refresh(sim: CanvasSim, refreshToken: string): Promise<HttpAnswer> {
  return call(sim, 'POST', '/login/oauth2/token', {
    form: { grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: refreshToken },
  });
}

export function apiSelf(sim: CanvasSim, token: string): Promise<HttpAnswer> {
  return call(sim, 'GET', '/api/v1/users/self', { headers: { authorization: `Bearer ${token}` } });
}
