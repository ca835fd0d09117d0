/** What a Canvas route decides; the pipeline adds latency, throttle headers and faults, then writes it. */
export interface CanvasAnswer {
  status: number;
  /** JSON body (serialised by the pipeline) */
  body?: unknown;
  /** raw body, used instead of `body` (HTML, text, empty) */
  text?: string;
  contentType?: string;
  /** extra headers in canonical case, e.g. Link, WWW-Authenticate */
  headers?: Record<string, string>;
  /** rows served (drives latency) */
  items?: number;
  /** work done (drives X-Request-Cost); defaults to `items` */
  costUnits?: number;
}

export function json(body: unknown, items = 0, headers?: Record<string, string>, costUnits?: number): CanvasAnswer {
  return { status: 200, body, items, ...(headers ? { headers } : {}), ...(costUnits === undefined ? {} : { costUnits }) };
}
