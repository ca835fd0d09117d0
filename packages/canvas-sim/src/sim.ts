import type { AddressInfo } from 'node:net';
import type { CanvasSim, SimOptions } from './api.types.js';
import { resolveOptions } from './config/options.js';
import { SimControl } from './control/sim-control.js';
import { World } from './data/world.js';
import { buildApp } from './http/app.js';
import { FaultBook } from './http/faults.js';
import { CanvasPipeline } from './http/pipeline.js';
import { StatsRecorder } from './http/stats.js';
import { Throttle } from './http/throttle.js';
import { OAuthStats } from './oauth/oauth.stats.js';
import { OAuthStore } from './oauth/oauth.store.js';

/** Starts a simulator listening on `options.port` (0 = any free port) and resolves once it listens. */
export async function startCanvasSim(options: SimOptions = {}): Promise<CanvasSim> {
  const resolved = resolveOptions(options);
  const world = new World(resolved);
  const throttle = new Throttle(resolved.throttle);
  const faults = new FaultBook(resolved.seed);
  const stats = new StatsRecorder();
  const oauth = new OAuthStore(world, resolved.oauth, new OAuthStats());
  const control = new SimControl(world, resolved, faults, stats, throttle, oauth);
  const pipeline = new CanvasPipeline({ world, options: resolved, throttle, faults, stats, oauth });
  const app = buildApp(control, pipeline, oauth, () => faults.outage(Date.now()), resolved.logger);
  await app.listen({ port: resolved.port, host: resolved.host });
  const { port } = app.server.address() as AddressInfo;
  world.baseUrl = `http://${urlHost(resolved.host)}:${port}`;
  let closed: Promise<void> | null = null;
  return {
    url: world.baseUrl,
    port,
    get users() {
      return control.users();
    },
    groundTruth: (userId) => control.groundTruth(userId),
    groundTruthCourse: (userId, courseId) => control.groundTruthCourse(userId, courseId),
    summary: (userId) => control.summary(userId),
    mutate: (op) => control.mutate(op),
    setFaults: (f) => control.setFaults(f),
    clearFaults: () => control.clearFaults(),
    stats: () => control.statsSnapshot(),
    resetStats: () => control.resetStats(),
    revokeToken: (userId) => control.revokeToken(userId),
    expireToken: (userId) => control.expireToken(userId),
    issueToken: (userId) => control.issueToken(userId),
    oauthSessionUser: () => control.oauthSessionUser(),
    setOAuthSessionUser: (userId) => control.setOAuthSessionUser(userId),
    revokeOAuthGrants: (userId, clientId) => control.revokeOAuthGrants(userId, clientId),
    expireOAuthTokens: (userId, clientId) => control.expireOAuthTokens(userId, clientId),
    oauthStats: () => control.oauthStats(),
    setHostile: (userId, kind) => control.setHostile(userId, kind),
    close: () => {
      // Idempotent: tests often close in afterEach and again in a finally.
      closed ??= (async () => {
        pipeline.close();
        await app.close();
      })();
      return closed;
    },
  };
}

/** Links must be dialable: a wildcard bind is reached through loopback, IPv6 goes in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
