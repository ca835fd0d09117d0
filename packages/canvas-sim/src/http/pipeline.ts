import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedOptions } from '../config/options.js';
import { createPrng, deriveSeed, type Prng } from '../data/prng.js';
import type { World } from '../data/world.js';
import type { OAuthStore } from '../oauth/oauth.store.js';
import { HOSTILE_ENDPOINTS, hostileAnswer } from '../hostile/hostile.answer.js';
import type { CanvasAnswer } from './answer.js';
import { authenticate, presentedToken } from './auth.js';
import { redactUrl } from './redact.js';
import { notFound, proxyError, serverError, throttled, unauthorizedAction } from './canvas-errors.js';
import type { FaultBook, FaultDecision } from './faults.js';
import { latencyMs, sleep, untilClosed } from './latency.js';
import type { CanvasRoute } from './route-context.js';
import type { StatsRecorder } from './stats.js';
import { formatFloat, type Throttle } from './throttle.js';
import { writeAnswer } from './write-answer.js';

export interface PipelineDeps {
  world: World;
  options: ResolvedOptions;
  throttle: Throttle;
  faults: FaultBook;
  stats: StatsRecorder;
  oauth: OAuthStore;
}

export interface IncomingCanvasRequest {
  raw: IncomingMessage;
  res: ServerResponse;
  url: string;
  ip: string;
  params: Record<string, string>;
  endpoint: string;
}

/**
 * The life of one Canvas API request, in the order Canvas's stack applies it: the load balancer
 * (outage, proxy 5xx, hangs) before anything; then the throttle (keyed by the raw token, checked
 * before the token is even validated); then auth; then the app (500s, permission faults, the
 * route); then latency; finally the bucket settles and the rate headers go out.
 */
export class CanvasPipeline {
  private readonly closing = new AbortController();
  private readonly latencyPrng: Prng;
  private errorReportId = 10_000;

  constructor(private readonly deps: PipelineDeps) {
    this.latencyPrng = createPrng(deriveSeed(deps.options.seed, 'latency'));
    // Every sleeping or hung request listens on this one signal; hundreds at once are normal.
    setMaxListeners(0, this.closing.signal);
  }

  /** Ends every hang and sleep so close() never waits on them. */
  close(): void {
    this.closing.abort();
  }

  async handle(req: IncomingCanvasRequest, route: CanvasRoute): Promise<void> {
    const { world, options, stats, faults: faultBook } = this.deps;
    const signal = this.closing.signal;
    const url = new URL(req.url, `http://${req.raw.headers.host ?? `${options.host}:${options.port}`}`);
    const token = presentedToken(req.raw.headers.authorization, url.searchParams);
    const userId = token === null ? null : (world.token(token)?.userId ?? null);
    const key = token ?? `ip:${req.ip}`;
    stats.request(req.endpoint, key, userId);
    const faults = faultBook.decide(token, userId, Date.now());

    if (faults.outage) return this.send(req, proxyError(503, faults.htmlBody), null, 'outage');
    if (faults.hangMs !== null) {
      stats.fault('hang');
      if (faults.hangMs === 0) return untilClosed(req.res, signal);
      if (!(await sleep(faults.hangMs, signal))) return;
    }
    if (faults.serverError !== null && faults.serverError !== 500) return this.send(req, proxyError(faults.serverError, faults.htmlBody), null, 'serverError');

    const reservation = this.deps.throttle.reserve(key);
    if (reservation.throttled) {
      this.deps.throttle.settle(reservation, 0);
      stats.throttled(key, userId);
      stats.sample(userId, this.deps.throttle.level(key));
      // The refusal reports the bucket as judged (at or over the line): CANVAS.md's "Remaining ≈ 0".
      return this.send(req, throttled(this.deps.throttle.settings.status), { remaining: 0 });
    }
    stats.enter(key, userId);
    let answer: CanvasAnswer | null = null;
    let cost = 0;
    try {
      const record = token === null ? undefined : world.token(token);
      if (faults.revoke && record) {
        stats.fault('revoked');
        record.state = 'revoked';
      }
      answer = this.answer(req, url, token, faults, route);
      const items = answer.items ?? 0;
      const ok = await sleep(latencyMs(options.latency, items, this.latencyPrng, req.endpoint, { seed: options.seed, url }) + faults.slowMs, signal);
      if (faults.slowMs > 0) stats.fault('slow');
      if (!ok) return;
      cost = this.deps.throttle.cost(answer.costUnits ?? items);
    } finally {
      const remaining = this.deps.throttle.settle(reservation, cost);
      stats.leave(key, userId);
      stats.sample(userId, this.deps.throttle.level(key));
      if (answer && !signal.aborted) {
        const malformed = faults.malformed && answer.status === 200 && answer.body !== undefined;
        if (malformed) stats.fault('malformed');
        this.send(req, answer, { cost, remaining }, undefined, malformed);
      }
    }
  }

  private answer(req: IncomingCanvasRequest, url: URL, token: string | null, faults: FaultDecision, route: CanvasRoute): CanvasAnswer {
    const { world, options } = this.deps;
    const auth = authenticate(world, this.deps.oauth, token, { endpoint: req.endpoint, path: redactUrl(req.url) });
    if (!auth.ok) return auth.answer;
    if (faults.serverError === 500) {
      this.deps.stats.fault('serverError');
      return serverError(this.errorReportId++);
    }
    const courseId = req.params['id'];
    if (courseId !== undefined && req.endpoint.includes('/courses/:id')) {
      if (faults.notFoundCourseIds.has(Number(courseId))) return countFault(this.deps.stats, 'notFound', notFound());
      if (faults.forbiddenCourseIds.has(Number(courseId))) return countFault(this.deps.stats, 'forbidden', unauthorizedAction());
    }
    const paging = { maxPerPage: options.maxPerPage, dropLastLink: options.dropLastLink, shiftRows: options.shiftRows || faults.shiftRows };
    try {
      const ctx = { world, user: auth.user, token: auth.token, url, params: req.params, options, faults, paging };
      const kind = auth.user.hostile;
      if (kind === null || !HOSTILE_ENDPOINTS.has(req.endpoint)) return route(ctx);
      const { answer, hostile } = hostileAnswer(kind, route, ctx, options.hostileTuning);
      if (hostile) this.deps.stats.hostileAnswer(kind);
      return answer;
    } catch (error) {
      // A simulator bug must look like what Canvas does with its own bugs, not crash the request.
      process.stderr.write(`canvas-sim: route ${req.endpoint} failed: ${String(error)}\n`);
      return serverError(this.errorReportId++);
    }
  }

  private send(
    req: IncomingCanvasRequest,
    answer: CanvasAnswer,
    rate: { cost?: number; remaining: number } | null,
    fault?: string,
    malformed = false,
  ): void {
    if (fault) this.deps.stats.fault(fault);
    this.deps.stats.status(answer.status);
    const rateHeaders: Record<string, string> = {};
    if (rate?.cost !== undefined) rateHeaders['X-Request-Cost'] = formatFloat(rate.cost);
    if (rate) rateHeaders['X-Rate-Limit-Remaining'] = formatFloat(rate.remaining);
    const streaming = writeAnswer(req.res, answer, rateHeaders, { lowercase: this.deps.options.lowercaseHeaders, malformed });
    if (streaming) {
      this.deps.stats.streamStarted();
      void streaming.then((result) => this.deps.stats.streamEnded(result));
    }
  }
}

function countFault(stats: StatsRecorder, name: string, answer: CanvasAnswer): CanvasAnswer {
  stats.fault(name);
  return answer;
}
