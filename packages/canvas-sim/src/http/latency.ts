import type { ServerResponse } from 'node:http';
import type { SimLatency } from '../api.types.js';
import { createPrng, deriveSeed, type Prng } from '../data/prng.js';

/**
 * Time Canvas takes to answer: a fixed part plus a part per row served, plus seeded jitter — the
 * endpoint's own (`latency.endpoints`, keyed by route path) when it has one. The jitter comes from
 * `prng` (one draw per request), or with `jitterBy: 'path'` from `seed` and the page asked for
 * (`url`: its path and `page` parameter), so every request of that page waits the same.
 */
export function latencyMs(latency: Required<SimLatency>, items: number, prng: Prng, endpoint?: string, page?: { seed: number; url: URL }): number {
  const own = endpoint === undefined ? undefined : latency.endpoints[endpoint.replace(/^GET /, '')];
  const l = own ?? latency;
  const jitterMs = l.jitterMs ?? 0;
  const jitter = jitterMs > 0 ? jitterDraw(latency.jitterBy, prng, page) * jitterMs : 0;
  return Math.max(0, l.baseMs + l.perItemMs * items + jitter);
}

function jitterDraw(by: SimLatency['jitterBy'], prng: Prng, page: { seed: number; url: URL } | undefined): number {
  if (by !== 'path' || !page) return prng.next();
  return createPrng(deriveSeed(page.seed, 'latency', page.url.pathname, page.url.searchParams.get('page') ?? '1')).next();
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (the sim is closing). */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!signal.aborted);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A hung request: resolves only when the client gives up or the sim closes. */
export function untilClosed(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || signal.aborted) return resolve();
    const done = (): void => {
      signal.removeEventListener('abort', done);
      res.off('close', done);
      resolve();
    };
    res.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
