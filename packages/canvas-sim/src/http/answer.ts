import type { ServerResponse } from 'node:http';

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
  /** A streamed body (hostile mode), used instead of `body`/`text`: sent without Content-Length unless it sets one. */
  stream?: StreamBody;
}

export interface StreamOut {
  res: ServerResponse;
  /** Sends the status line and headers (the answer's, plus `extra`); call once, before writing. */
  head: (extra?: Record<string, string>) => void;
  /** Aborts when the client disconnects or the sim closes: stop writing then. */
  signal: AbortSignal;
}

export interface StreamResult {
  bytes: number;
  completed: boolean;
}

/** Writes the body (never ends the response: the writer does, or destroys it when not completed). */
export type StreamBody = (out: StreamOut) => Promise<StreamResult>;

export function json(body: unknown, items = 0, headers?: Record<string, string>, costUnits?: number): CanvasAnswer {
  return { status: 200, body, items, ...(headers ? { headers } : {}), ...(costUnits === undefined ? {} : { costUnits }) };
}
