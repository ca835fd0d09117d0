import { afterEach, describe, expect, it } from 'vitest';
import { compareWithGroundTruth, startPipeline, TEST_OAUTH_CLIENT, waitFor, type PipelineHarness } from '@canvas-sync/testkit';

const compact = (v: unknown) => JSON.stringify(v, (_k, x) => (Array.isArray(x) && x.length > 8 ? `${x.length} ids` : x));
const GROUPS = 'GET /api/v1/courses/:id/assignment_groups';

/**
 * OAuth connections through the real pipeline (DESIGN.md "Canvas OAuth2"): fetcher processes renew
 * the access token before it expires and once after a 401, one renewal per connection across
 * replicas; a refused renewal fails the sync with `canvas_reauth_required` and a reconnect + resume
 * completes it from the checkpoints. Grants are real ones from the simulator's token endpoint.
 */
describe('OAuth access tokens renewed mid-sync across fetcher replicas', () => {
  let h: PipelineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('two fetchers, 5-second tokens, a sync of 20+ s: ground truth, no refresh storm, no request refused twice', { timeout: 240_000 }, async () => {
    const lifetimeMs = 5_000;
    h = await startPipeline({
      fetchers: 2,
      // 3 requests in flight per token, so that 60 courses at 1.1 s a page outlive several tokens.
      env: { CANVAS_MAX_IN_FLIGHT: '3', FETCHER_COURSE_CONCURRENCY: '3' },
      sim: {
        users: [{ courses: 60, assignmentsPerCourse: 6 }],
        latency: { baseMs: 1_100, perItemMs: 0 },
        oauthClients: [TEST_OAUTH_CLIENT],
        oauthAutoApprove: true,
        accessTokenTtlSeconds: lifetimeMs / 1000,
      },
    });
    const user = h.sim.users[0]!;
    await h.connectOAuth('oauth-user', user.id);
    const syncId = await h.startSync('oauth-user', { chunkSize: 5 });
    const row = await h.waitFor(syncId, ['completed', 'failed'], 200_000);
    expect(row.status, compact(row.error)).toBe('completed');
    // The sync really outlived several tokens (a precondition of this test, not a speed figure).
    expect(row.finished_at!.getTime() - row.started_at!.getTime()).toBeGreaterThanOrEqual(20_000);
    const report = await compareWithGroundTruth(h.database.db, 'oauth-user', h.sim, user.id);
    expect(report.equal, compact(report.rows)).toBe(true);

    const oauth = h.sim.oauthStats().byUser[String(user.id)]!;
    // Positive control: tokens were renewed while the sync ran.
    expect(oauth.refreshGrants).toBeGreaterThanOrEqual(3);
    // No storm: one renewal per token lifetime. Renewals happen a fifth of the lifetime before
    // expiry, so two in a row are ~4 s apart; two replicas renewing the same token would be ~0 s.
    const times = [...oauth.refreshTimes].sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps), `refresh gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(lifetimeMs / 2);
    expect(oauth.failedGrants).toBe(0);
    // A request refused for a dead token is renewed and retried once; a second refusal would have
    // failed the sync (canvas_reauth_required), so completion proves none was refused twice. The
    // refusals themselves are few: at most the requests in flight (3 per token) at each renewal.
    const refused = oauth.expiredTokenRequests + oauth.replacedTokenRequests;
    expect(refused, compact(oauth)).toBeLessThanOrEqual(3 * oauth.refreshGrants);
    // And directly, as Canvas saw it: no request (same path and query) was refused for an expired token
    // twice. Refusals of a token another replica's refresh replaced are left out: Canvas kills the old
    // token at once, so a request in flight at a renewal is refused whatever we do, and with 5 s tokens
    // a slow request can meet two renewals (with 1 h tokens, one an hour).
    const refusedPaths = h.sim
      .oauthStats()
      .refusals.filter((r) => r.userId === user.id && r.reason === 'expired')
      .map((r) => r.path);
    expect(refusedPaths.length - new Set(refusedPaths).size, refusedPaths.join('\n')).toBe(0);
    // The stored version counts one step per refresh Canvas saw (the grant was stored at version 1).
    const connection = await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'oauth-user').executeTakeFirstOrThrow();
    expect(connection.token_version).toBe(1 + oauth.refreshGrants);
    expect(connection.status).toBe('ok');
  });

  it('a revoked grant fails the sync with canvas_reauth_required; a reconnect and a resume complete it, skipping finished units', { timeout: 240_000 }, async () => {
    h = await startPipeline({
      // 3 requests in flight: the refetch bound below counts what can be in flight at the failure.
      env: { CANVAS_MAX_IN_FLIGHT: '3', FETCHER_COURSE_CONCURRENCY: '3' },
      sim: { users: [{ courses: 30, assignmentsPerCourse: 4 }], latency: { baseMs: 150, perItemMs: 0 }, oauthClients: [TEST_OAUTH_CLIENT], oauthAutoApprove: true },
    });
    const user = h.sim.users[0]!;
    const { connectionId } = await h.connectOAuth('revoked-oauth', user.id);
    const syncId = await h.startSync('revoked-oauth', { chunkSize: 5 });
    const db = h.database.db;
    await waitFor(async () => ((await db.selectFrom('syncs').select('units_done').where('id', '=', syncId).executeTakeFirst())?.units_done ?? 0) >= 3, 60_000, 'some units done');
    expect(h.sim.revokeOAuthGrants(user.id)).toBe(1);

    const failed = await h.waitFor(syncId, ['failed', 'completed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'canvas_reauth_required' });
    expect(failed.units_done).toBeLessThan(failed.units_total);
    const marked = await db.selectFrom('connections').select(['status', 'id']).where('user_id', '=', 'revoked-oauth').executeTakeFirstOrThrow();
    expect(marked).toEqual({ status: 'reauth_required', id: connectionId });
    // The refused renewal was asked once, not once per request or per replica.
    expect(h.sim.oauthStats().failedGrants).toBe(1);
    const groupsAtFailure = h.sim.stats().byEndpoint[GROUPS] ?? 0;

    // Resuming before reconnecting fails at once, without a request to Canvas.
    const requestsBefore = h.sim.stats().requests;
    await h.resume(syncId);
    expect((await h.waitFor(syncId, ['failed', 'completed'])).error).toMatchObject({ code: 'canvas_reauth_required' });
    expect(h.sim.stats().requests).toBe(requestsBefore);

    // Reconnect: a new grant on the same connection row; then resume.
    expect((await h.connectOAuth('revoked-oauth', user.id)).connectionId).toBe(connectionId);
    await h.resume(syncId);
    const row = await h.waitFor(syncId, ['completed', 'failed'], 120_000);
    expect(row.status, compact(row.error)).toBe('completed');
    const stats = h.sim.stats();
    // The course list was checkpointed before the failure: not listed again.
    expect(stats.byEndpoint['GET /api/v1/courses']).toBe(1);
    // Finished courses were skipped: each course fetched once, plus those in flight at the failure
    // (up to two units of three courses in this fetcher).
    expect(stats.byEndpoint[GROUPS]).toBeLessThanOrEqual(30 + 6);
    expect(stats.byEndpoint[GROUPS]! - groupsAtFailure).toBeLessThan(30);
    const report = await compareWithGroundTruth(db, 'revoked-oauth', h.sim, user.id);
    expect(report.equal, compact(report.rows)).toBe(true);
    expect((await db.selectFrom('connections').select('status').where('id', '=', connectionId).executeTakeFirstOrThrow()).status).toBe('ok');
  });
});
