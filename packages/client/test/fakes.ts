/** Fakes for the client's unit tests: a scripted WebSocket class, a routed fetch, unsigned JWTs. */
import type { SyncView } from '../src/types.js';
import type { WebSocketLike } from '../src/websocket-like.js';

/** A JWT-shaped token with `exp` (seconds); the client never verifies signatures. */
export function fakeJwt(sub: string, expMs: number, nonce = ''): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: Math.floor(expMs / 1000), nonce })}.sig`;
}

export interface FakeSocket extends WebSocketLike {
  readonly url: string;
  /** Frames the client sent, parsed. */
  readonly sent: Array<Record<string, unknown>>;
  closedByClient: { code: number | undefined; reason: string | undefined } | undefined;
  /** Server side: the handshake completes. */
  open(): void;
  /** Server side: one text frame. */
  frame(value: object | string): void;
  /** Server side (or network): the socket closes with `code`. */
  drop(code: number): void;
}

/** A WebSocket class whose sockets the test drives; `sockets` lists every one created, in order. */
export function fakeWebSocketClass(): { WebSocket: new (url: string) => FakeSocket; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  class Socket implements FakeSocket {
    readyState = 0;
    readonly sent: Array<Record<string, unknown>> = [];
    closedByClient: FakeSocket['closedByClient'];
    onopen: ((event: any) => void) | null = null;
    onmessage: ((event: any) => void) | null = null;
    onclose: ((event: any) => void) | null = null;
    onerror: ((event: any) => void) | null = null;
    constructor(readonly url: string) {
      sockets.push(this);
    }
    send(data: string): void {
      if (this.readyState !== 1) throw new Error('send on a socket that is not open');
      this.sent.push(JSON.parse(data) as Record<string, unknown>);
    }
    close(code?: number, reason?: string): void {
      if (this.readyState >= 2) return;
      this.closedByClient = { code, reason };
      this.readyState = 3;
      // Like browsers: the close event comes later, with the code the client chose (1005 without one).
      queueMicrotask(() => this.onclose?.({ code: code ?? 1005, reason: reason ?? '' }));
    }
    open(): void {
      this.readyState = 1;
      this.onopen?.({});
    }
    frame(value: object | string): void {
      this.onmessage?.({ data: typeof value === 'string' ? value : JSON.stringify(value) });
    }
    drop(code: number): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.onclose?.({ code, reason: '' });
    }
  }
  return { WebSocket: Socket, sockets };
}

export interface FetchCall {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

type Route = (call: FetchCall) => Response | Promise<Response>;

/** A fetch answering from `routes` keyed `"METHOD /path"` (query left out); unknown routes answer 404. */
export function fakeFetch(routes: Record<string, Route>): { fetch: (input: string, init?: RequestInit) => Promise<Response>; calls: FetchCall[] } {
  const calls: FetchCall[] = [];
  const fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input, 'http://api.test');
    const headers = (init.headers ?? {}) as Record<string, string>;
    const call: FetchCall = { method: init.method ?? 'GET', url: url.pathname + url.search, authorization: headers.authorization, body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const route = routes[`${call.method} ${url.pathname}`];
    return route ? route(call) : json(404, { error: { code: 'not_found', message: 'No such route.' } });
  };
  return { fetch, calls };
}

export const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A sync view as the api answers it. */
export function view(id: string, seq: number, over: Partial<SyncView> = {}): SyncView {
  const percent = over.progress?.percent ?? 0;
  return {
    id,
    status: 'running',
    scope: { type: 'all' },
    mode: 'full',
    dryRun: false,
    trigger: 'user',
    chunkSize: 10,
    phase: 'fetching',
    progress: { done: percent, total: 100, percent },
    etaSeconds: null,
    counts: {},
    warnings: [],
    message: '',
    createdAt: '2026-12-06T12:00:00.000Z',
    startedAt: '2026-12-06T12:00:01.000Z',
    finishedAt: null,
    elapsedSeconds: 1,
    seq,
    ...over,
  };
}

/** A progress frame of `id` at `seq` and `percent`. */
export function progressFrame(id: string, seq: number, percent: number, status: SyncView['status'] = 'running'): Record<string, unknown> {
  return { type: 'progress', syncId: id, seq, status, phase: status === 'completed' ? 'done' : 'fetching', progress: { done: percent, total: 100, percent }, etaSeconds: 10, counts: {}, message: `at ${percent}` };
}
