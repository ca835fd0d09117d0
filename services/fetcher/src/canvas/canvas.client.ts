import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { AppError, isAppError, isTransientNetworkError, type CanvasUrlPolicy } from '@canvas-sync/shared';
import type { TokenBudget } from '../budget/token-budget.js';
import { isBreakerOpen, type HostBreakers } from '../breaker/host-breakers.js';
import { classifyCanvasResponse, outcomeError } from './classify.js';
import { credentialOf, type CanvasSession, type Credential } from './canvas-session.js';
import { assertCanvasUrlAllowed, createGuardedFetch } from './guarded-fetch.js';
import { AnswerBytes, tokenShare } from './answer-bytes.js';
import { readBoundedBody } from './body-reader.js';
import { parseJsonAnswer } from './json-answer.js';
import { parseLinkHeader } from './link-header.js';
import { rateHeaders } from './rate-headers.js';
import { DEFAULT_CANVAS_LIMITS, type CanvasLimits } from './walk-limits.js';
import { walkRows } from './walk.js';

/** Counters the client reports (wired to Prometheus by main.ts). */
export interface CanvasClientHooks {
  onResponse?(status: number): void;
  onThrottle?(): void;
  onPage?(): void;
  /** A row skipped because its id is missing, negative or not a safe integer. */
  onRowSkipped?(): void;
}

export interface CanvasClientOptions {
  budget: TokenBudget;
  breakers: HostBreakers;
  logger: Logger;
  userAgent: string;
  /** Per request; hosted Canvas drops requests with no first byte within 60 s anyway. */
  timeoutMs: number;
  /** Retries of a 5xx / network failure before the error goes up (the unit is then retried later). */
  maxUnavailableRetries: number;
  /** Throttles absorbed for one page before giving up on it for now. */
  maxThrottleRetries: number;
  /** SSRF policy (`CANVAS_ALLOWED_HOSTS`, `CANVAS_ALLOW_PRIVATE_NETWORK`), applied to every request. */
  policy: CanvasUrlPolicy;
  /** Defaults to a fetch whose connections re-check the resolved address (see guarded-fetch.ts). */
  fetchImpl?: typeof fetch;
  hooks?: CanvasClientHooks;
  /** Limits on what Canvas sends (walk-limits.ts); defaults to {@link DEFAULT_CANVAS_LIMITS}. */
  limits?: CanvasLimits;
  /**
   * The process's account of answer bytes being read; defaults to one of its own sized by
   * `limits.maxResponseBytesInFlight`, with a token's share from {@link tokenShare} (a fetcher has
   * one client, so that is process-wide).
   */
  answerBytes?: AnswerBytes;
}

/** A page of rows and where the next one is. */
export interface CanvasPage {
  rows: Array<Record<string, unknown> & { id: number }>;
  next: string | null;
}

/**
 * The one Canvas client of the fetcher (CANVAS.md): Bearer token and a User-Agent on every
 * request, `per_page=100`, follows `rel="next"` exactly and only on the same origin, dedupes rows
 * by id, spends the token's shared budget, and goes through the host's circuit breaker. Throttles
 * slow it down and never fail it; while the circuit is open it waits for Canvas instead of
 * burning retries.
 */
export class CanvasClient {
  private readonly fetchImpl: typeof fetch;
  private readonly limits: CanvasLimits;
  private readonly answerBytes: AnswerBytes;

  constructor(private readonly options: CanvasClientOptions) {
    this.fetchImpl = options.fetchImpl ?? createGuardedFetch(options.policy).fetch;
    this.limits = options.limits ?? DEFAULT_CANVAS_LIMITS;
    this.answerBytes = options.answerBytes ?? new AnswerBytes(this.limits.maxResponseBytesInFlight, tokenShare(this.limits.maxResponseBytesInFlight, this.limits.maxResponseBytes));
  }

  /** `GET` one JSON document (e.g. `/api/v1/users/self`). */
  async getJson(session: CanvasSession, path: string): Promise<unknown> {
    return (await this.request(session, this.url(session, path, {}))).body;
  }

  /**
   * Walks every page of a list, yielding each page's new rows (deduped by id across pages). The
   * walk's pages and rows are limited (`canvas_pagination_limit`) and charged to the session's
   * share of its sync's limits; a row without a usable id is skipped with a warning.
   */
  async *paginate(session: CanvasSession, path: string, query: Record<string, string | string[]> = {}): AsyncGenerator<CanvasPage['rows']> {
    yield* walkRows({ limits: this.limits, logger: this.options.logger, hooks: this.options.hooks, fetchPage: (url) => this.request(session, url) }, session, path, this.url(session, path, { per_page: '100', ...query }));
  }

  private url(session: CanvasSession, path: string, query: Record<string, string | string[]>): string {
    const url = new URL(path, session.origin);
    for (const [key, value] of Object.entries(query)) {
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
    }
    return url.toString();
  }

  /** One page, with throttle absorption, 5xx retries and waiting out an open circuit. */
  private async request(session: CanvasSession, url: string): Promise<{ body: unknown; link: Record<string, string> }> {
    // Before the breaker: a refused address is the URL's fault, not a sign that Canvas is down.
    assertCanvasUrlAllowed(new URL(url), this.options.policy);
    // Only for messages: a hostile `next` link's path is the server's text, so it is kept short.
    const path = new URL(url).pathname.slice(0, 200);
    let throttles = 0;
    let failures = 0;
    let rejections = 0;
    let overtaken = 0;
    let waiting = false;
    for (;;) {
      session.signal?.throwIfAborted();
      // Outside the breaker: renewing at Canvas's token endpoint is not a request of this page.
      const credential = await credentialOf(session);
      try {
        const result = await this.options.breakers.fire(session.origin, () => this.once(session, credential, url, path));
        if (waiting) session.onCanvasWait?.(false);
        if (result.kind === 'renew') continue;
        if (result.kind === 'throttled') {
          this.options.hooks?.onThrottle?.();
          if (++throttles > this.options.maxThrottleRetries) throw new AppError('canvas_throttled');
          continue; // the budget now holds this token back for a while
        }
        return result;
      } catch (err) {
        if (isBreakerOpen(err)) {
          if (!waiting) session.onCanvasWait?.(true);
          waiting = true;
          await sleep(1_000, undefined, session.signal ? { signal: session.signal } : undefined);
          continue;
        }
        if (isAppError(err, 'canvas_token_invalid') && session.auth) {
          // OAuth (CANVAS.md): renew once and retry; a renewed token rejected too means reconnect.
          // A token replaced by another worker's renewal while this request was out does not count:
          // the retry simply uses the newer one (bounded, in case renewals keep overtaking it).
          const replaced = !session.auth.usable(credential) && ++overtaken <= 5;
          if (!replaced) {
            if (++rejections > 1) throw await session.auth.refused(credential.version);
            await session.auth.rejected(credential.version);
          }
          continue;
        }
        if (isAppError(err, 'canvas_unavailable') || isAppError(err, 'canvas_bad_response')) {
          if (++failures > this.options.maxUnavailableRetries) throw err;
          await sleep(250 * 2 ** failures * (0.5 + Math.random()), undefined, session.signal ? { signal: session.signal } : undefined);
          continue;
        }
        throw err;
      }
    }
  }

  private async once(session: CanvasSession, credential: Credential, url: string, path: string): Promise<{ kind: 'ok'; body: unknown; link: Record<string, string> } | { kind: 'throttled' } | { kind: 'renew' }> {
    // The budget is per access token: a renewed token starts with a fresh bucket at Canvas.
    const lease = await this.options.budget.acquire(credential.tokenKey, session.signal);
    if (session.auth && !session.auth.usable(credential)) {
      // The wait for a slot outlasted the token (short OAuth lifetimes): give the slot back unused.
      await this.options.budget.release(lease, { throttled: false }).catch((err: unknown) => this.options.logger.warn({ err }, 'budget release failed'));
      return { kind: 'renew' };
    }
    let throttled = false;
    let remaining: number | undefined;
    let cost: number | undefined;
    try {
      const signals = [AbortSignal.timeout(this.options.timeoutMs), ...(session.signal ? [session.signal] : [])];
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          headers: { authorization: `Bearer ${credential.token}`, accept: 'application/json', 'user-agent': this.options.userAgent },
          redirect: 'manual',
          signal: AbortSignal.any(signals),
        });
      } catch (err) {
        if (session.signal?.aborted) throw err;
        if (headersTooLarge(err)) throw new AppError('canvas_response_too_large', `Canvas sent headers too large for ${path}; refused.`, { cause: err });
        if ((err as Error).name === 'TimeoutError' || isTransientNetworkError(err) || (err as Error).name === 'TypeError') {
          throw new AppError('canvas_unavailable', `Canvas did not answer ${path}.`, { cause: err });
        }
        throw err;
      }
      this.options.hooks?.onResponse?.(res.status);
      ({ remaining, cost } = rateHeaders(res.headers));
      if (res.status >= 300 && res.status < 400) throw new AppError('canvas_redirect_refused', `Canvas redirected ${path}; refused.`);
      const text = await readBoundedBody(res, this.limits.maxResponseBytes, path, this.answerBytes, credential.tokenKey);
      const outcome = classifyCanvasResponse(res.status, res.headers.get('www-authenticate'), text);
      if (outcome.kind === 'throttled') {
        throttled = true;
        return { kind: 'throttled' };
      }
      if (outcome.kind !== 'ok') throw outcomeError(outcome, path);
      const body = parseJsonAnswer(text, this.limits.maxJsonDepth, path);
      const link = res.headers.get('link');
      if (link && link.length > this.limits.maxLinkHeaderBytes) throw new AppError('canvas_response_too_large', `Canvas sent a Link header of ${link.length} bytes for ${path}; refused.`);
      return { kind: 'ok', body, link: parseLinkHeader(link) };
    } finally {
      // Not awaited: the answer is read, and the page must not wait for the budget's store (a NATS
      // KV write, 1–50 ms on a busy machine: on every course's path to its records, and on the
      // planner's before any unit is published; docs/performance.md). The change is queued at once,
      // so this token's next acquire in this process is applied after it, as before; a failed
      // release was only logged before too, and its lease expires.
      void this.options.budget.release(lease, { throttled, remaining, cost }).catch((err: unknown) => this.options.logger.warn({ err }, 'budget release failed'));
    }
  }
}

/** undici refuses headers above its own 16 KiB cap before we see them: that is a limit, not an outage. */
function headersTooLarge(err: unknown): boolean {
  return (err as { cause?: { code?: unknown } } | null)?.cause?.code === 'UND_ERR_HEADERS_OVERFLOW';
}
