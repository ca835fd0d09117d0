import { describe, expect, it } from 'vitest';
import { AppError, type ConnectionToken, type RenewRequest } from '@canvas-sync/shared';
import { TokenHolders } from './token-holders.js';

/** A clock the test moves, and a fake of renewal across replicas that hands out the next version. */
function setup(options: { lifetimeMs?: number; fail?: (request: RenewRequest) => AppError | undefined } = {}) {
  let now = 1_000_000;
  const lifetimeMs = options.lifetimeMs ?? 5_000;
  const renewals: RenewRequest[] = [];
  const refusals: Array<[string, number]> = [];
  let stored = 0;
  const token = (version: number, extra: Partial<ConnectionToken> = {}): ConnectionToken => ({
    connectionId: 'c1',
    userId: 'u1',
    origin: 'https://canvas.test',
    authType: 'oauth',
    accessToken: `access-${version}`,
    version,
    expiresAt: new Date(now + lifetimeMs),
    ...extra,
  });
  const tokens = new TokenHolders(
    async (request) => {
      renewals.push(request);
      await Promise.resolve();
      const failure = options.fail?.(request);
      if (failure) throw failure;
      // Another replica may have renewed already: then its version is returned, as the row lock does.
      if (request.knownVersion === stored) stored += 1;
      return token(stored, { lifetimeMs });
    },
    async (connectionId, version) => {
      refusals.push([connectionId, version]);
      return new AppError('canvas_reauth_required');
    },
    { now: () => now, maxHolders: 2 },
  );
  return {
    tokens,
    token,
    renewals,
    refusals,
    advance: (ms: number) => (now += ms),
    storeNewer: () => (stored += 1),
  };
}

describe('TokenHolders: the OAuth token of a connection in one fetcher', () => {
  it('sends the stored token without any renewal until the margin before expiry (a fifth of a 5 s lifetime)', async () => {
    const t = setup();
    const holder = t.tokens.holderFor(t.token(0));
    expect(await holder.current()).toMatchObject({ token: 'access-0', version: 0 });
    t.advance(3_999);
    expect((await holder.current()).version).toBe(0);
    expect(t.renewals).toEqual([]);
    t.advance(1);
    expect(await holder.current()).toMatchObject({ token: 'access-1', version: 1 });
    expect(t.renewals).toEqual([{ connectionId: 'c1', userId: 'u1', knownVersion: 0 }]);
  });

  it('renews an hour-long token 5 minutes before it expires, not earlier', async () => {
    const t = setup({ lifetimeMs: 3_600_000 });
    const holder = t.tokens.holderFor(t.token(0));
    t.advance(3_600_000 - 5 * 60_000 - 1);
    await holder.current();
    expect(t.renewals).toHaveLength(0);
    t.advance(1);
    await holder.current();
    expect(t.renewals).toHaveLength(1);
  });

  it('many requests at the margin at once cause one renewal', async () => {
    const t = setup();
    const holder = t.tokens.holderFor(t.token(0));
    t.advance(4_500);
    const credentials = await Promise.all(Array.from({ length: 6 }, () => holder.current()));
    expect(new Set(credentials.map((c) => c.token))).toEqual(new Set(['access-1']));
    expect(t.renewals).toHaveLength(1);
  });

  it('every session of the connection in this process shares the renewed token', async () => {
    const t = setup();
    const a = t.tokens.holderFor(t.token(0));
    const b = t.tokens.holderFor(t.token(0));
    expect(b).toBe(a);
    await a.rejected(0);
    expect((await b.current()).token).toBe('access-1');
    // A session that read the row before that renewal does not bring the old token back.
    expect(t.tokens.holderFor(t.token(0))).toBe(a);
    expect((await a.current()).version).toBe(1);
  });

  it('after a rejection renews once; a rejection of a version already replaced renews nothing', async () => {
    const t = setup();
    const holder = t.tokens.holderFor(t.token(0));
    await Promise.all([holder.rejected(0), holder.rejected(0), holder.rejected(0)]);
    expect(t.renewals).toHaveLength(1);
    await holder.rejected(0);
    expect(t.renewals).toHaveLength(1);
    expect((await holder.current()).version).toBe(1);
  });

  it('adopts a token another replica stored without counting it as its own refresh', async () => {
    const t = setup();
    const holder = t.tokens.holderFor(t.token(0));
    t.storeNewer(); // the row is at version 1 when this process asks with version 0
    await holder.rejected(0);
    expect((await holder.current()).version).toBe(1);
    // A session reading the row later hands the holder the newer version directly.
    expect(t.tokens.holderFor(t.token(5)).version).toBe(5);
  });

  it('keeps using a still-valid token while the token endpoint is down; after expiry the error goes up', async () => {
    let down = true;
    const t = setup({ fail: () => (down ? new AppError('canvas_unavailable') : undefined) });
    const holder = t.tokens.holderFor(t.token(0));
    t.advance(4_500);
    expect((await holder.current()).version).toBe(0);
    t.advance(600);
    await expect(holder.current()).rejects.toMatchObject({ code: 'canvas_unavailable' });
    down = false;
    expect((await holder.current()).version).toBe(1);
  });

  it('a refused renewal goes up at once, even before expiry', async () => {
    const t = setup({ fail: () => new AppError('canvas_reauth_required') });
    const holder = t.tokens.holderFor(t.token(0));
    t.advance(4_500);
    await expect(holder.current()).rejects.toMatchObject({ code: 'canvas_reauth_required' });
    await expect(holder.rejected(0)).rejects.toMatchObject({ code: 'canvas_reauth_required' });
  });

  it('a second rejection is reported with the version Canvas refused', async () => {
    const t = setup();
    const holder = t.tokens.holderFor(t.token(3));
    expect((await holder.refused(3)).code).toBe('canvas_reauth_required');
    expect(t.refusals).toEqual([['c1', 3]]);
  });

  it('a credential stops being usable once renewed elsewhere or expired (a request that waited too long for its slot)', async () => {
    const t = setup();
    const holder = t.tokens.holderFor(t.token(0));
    const first = await holder.current();
    expect(holder.usable(first)).toBe(true);
    t.advance(5_000);
    expect(holder.usable(first)).toBe(false);
    const second = await holder.current();
    expect(second.version).toBe(1);
    expect(holder.usable(second)).toBe(true);
    expect(holder.usable(first)).toBe(false);
  });

  it('a token without expiry is never renewed ahead', async () => {
    const t = setup();
    const holder = t.tokens.holderFor(t.token(0, { expiresAt: null }));
    t.advance(10 * 3_600_000);
    await holder.current();
    expect(t.renewals).toEqual([]);
  });

  it('holds a bounded number of connections, and a user never gets another user’s holder', () => {
    const t = setup();
    const first = t.tokens.holderFor(t.token(0));
    t.tokens.holderFor(t.token(0, { connectionId: 'c2' }));
    t.tokens.holderFor(t.token(0, { connectionId: 'c3' }));
    expect(t.tokens.holderFor(t.token(0))).not.toBe(first);
    const other = t.tokens.holderFor(t.token(0, { userId: 'u2' }));
    expect(other.userId).toBe('u2');
  });
});
