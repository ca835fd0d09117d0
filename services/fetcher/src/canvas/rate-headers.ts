/** Canvas's throttle headers (CANVAS.md, Throttling), each when present and numeric. */
export interface RateHeaders {
  /** `X-Rate-Limit-Remaining`: high-water mark − bucket level (may be negative). */
  remaining: number | undefined;
  /** `X-Request-Cost`: what the request added to the bucket. */
  cost: number | undefined;
}

export function rateHeaders(headers: Headers): RateHeaders {
  const number = (name: string) => {
    const value = Number.parseFloat(headers.get(name) ?? '');
    return Number.isFinite(value) ? value : undefined;
  };
  return { remaining: number('x-rate-limit-remaining'), cost: number('x-request-cost') };
}
