import { describe, expect, it } from 'vitest';
import { AppError } from '@canvas-sync/shared';
import { createTokenBudget, memoryBudgetStore } from '../budget/token-budget.js';
import { testCanvasClient } from './canvas-client.test-support.js';
import { createSession, tokenFingerprint, type Credential, type SessionAuth } from './canvas-session.js';

const ORIGIN = 'https://canvas.school.test';
const REJECTED = { status: 401, headers: { 'www-authenticate': 'Bearer realm="canvas-lms"' }, body: '{"errors":[{"message":"Invalid access token."}]}' };

/** A Canvas that accepts only the tokens in `valid`, recording which token each request carried. */
function canvasAccepting(valid: Set<string>) {
  const sent: string[] = [];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    const token = String((init.headers as Record<string, string>).authorization).replace('Bearer ', '');
    sent.push(token);
    const answer = valid.has(token) ? { status: 200, headers: {}, body: '{"id":1}' } : REJECTED;
    return new Response(answer.body, { status: answer.status, headers: { 'content-type': 'application/json', ...answer.headers } });
  }) as typeof fetch;
  return { sent, fetchImpl };
}

/** An OAuth session whose renewal hands out `access-<n+1>`; `renewable: false` makes it a refused grant. */
function fakeAuth(options: { renewable?: boolean } = {}) {
  let credential: Credential = { token: 'access-0', tokenKey: tokenFingerprint('access-0'), version: 0 };
  const calls = { rejected: [] as number[], refused: [] as number[] };
  const auth: SessionAuth = {
    current: async () => credential,
    usable: (c) => c.version === credential.version,
    rejected: async (version) => {
      calls.rejected.push(version);
      if (options.renewable === false) throw new AppError('canvas_reauth_required');
      const next = version + 1;
      credential = { token: `access-${next}`, tokenKey: tokenFingerprint(`access-${next}`), version: next };
    },
    refused: async (version) => {
      calls.refused.push(version);
      return new AppError('canvas_reauth_required', 'Canvas rejected the renewed access token; reconnect Canvas.');
    },
  };
  /** What another worker's renewal does to this process's holder. */
  const renewElsewhere = () => {
    const next = credential.version + 1;
    credential = { token: `access-${next}`, tokenKey: tokenFingerprint(`access-${next}`), version: next };
  };
  return { auth, calls, renewElsewhere };
}

const clientWith = (fetchImpl: typeof fetch) =>
  testCanvasClient({ budget: createTokenBudget(memoryBudgetStore()), fetchImpl });

describe('CanvasClient with an OAuth session: a 401 with WWW-Authenticate', () => {
  it('renews once and retries with the new token', async () => {
    const canvas = canvasAccepting(new Set(['access-1']));
    const { auth, calls } = fakeAuth();
    const body = await clientWith(canvas.fetchImpl).getJson(createSession(ORIGIN, 'access-0', { auth }), '/api/v1/users/self');
    expect(body).toEqual({ id: 1 });
    expect(canvas.sent).toEqual(['access-0', 'access-1']);
    expect(calls).toEqual({ rejected: [0], refused: [] });
  });

  it('fails with canvas_reauth_required when the renewed token is rejected too, naming the version Canvas refused', async () => {
    const canvas = canvasAccepting(new Set());
    const { auth, calls } = fakeAuth();
    const err = await clientWith(canvas.fetchImpl).getJson(createSession(ORIGIN, 'access-0', { auth }), '/api/v1/users/self').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'canvas_reauth_required' });
    expect(canvas.sent).toEqual(['access-0', 'access-1']);
    expect(calls).toEqual({ rejected: [0], refused: [1] });
  });

  it('fails with canvas_reauth_required when the renewal is refused, without another request', async () => {
    const canvas = canvasAccepting(new Set());
    const { auth } = fakeAuth({ renewable: false });
    const err = await clientWith(canvas.fetchImpl).getJson(createSession(ORIGIN, 'access-0', { auth }), '/api/v1/users/self').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'canvas_reauth_required' });
    expect(canvas.sent).toEqual(['access-0']);
  });

  it('a token replaced by another worker while the request was out is retried with the newer one, without a renewal of its own', async () => {
    const { auth, calls, renewElsewhere } = fakeAuth();
    const canvas = canvasAccepting(new Set(['access-1']));
    const fetchImpl = (async (url: string, init: RequestInit) => {
      if (canvas.sent.length === 0) renewElsewhere(); // the renewal lands while access-0 is on its way
      return canvas.fetchImpl(url, init);
    }) as typeof fetch;
    expect(await clientWith(fetchImpl).getJson(createSession(ORIGIN, 'access-0', { auth }), '/api/v1/users/self')).toEqual({ id: 1 });
    expect(canvas.sent).toEqual(['access-0', 'access-1']);
    expect(calls).toEqual({ rejected: [], refused: [] });
  });

  it('a personal token is not renewed: the rejection stays canvas_token_invalid', async () => {
    const canvas = canvasAccepting(new Set());
    const err = await clientWith(canvas.fetchImpl).getJson(createSession(ORIGIN, '7~personal'), '/api/v1/users/self').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'canvas_token_invalid' });
    expect(canvas.sent).toEqual(['7~personal']);
  });

  it('a 401 without WWW-Authenticate is a permission problem, not a reason to renew', async () => {
    const fetchImpl = (async () => new Response('{"errors":[]}', { status: 401 })) as unknown as typeof fetch;
    const { auth, calls } = fakeAuth();
    const err = await clientWith(fetchImpl).getJson(createSession(ORIGIN, 'access-0', { auth }), '/api/v1/users/self').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'canvas_forbidden' });
    expect(calls.rejected).toEqual([]);
  });
});
