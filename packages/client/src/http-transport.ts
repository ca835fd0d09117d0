import { CanvasSyncError } from './errors.js';
import type { TokenSource } from './token-source.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** `false` for the few routes without a bearer (`/api/v1/config`). */
  auth?: boolean;
  signal?: AbortSignal;
}

/**
 * One JSON request to the api with the user's bearer token. A `401` asks the token provider for a
 * new token once and repeats the request once (a token may expire between the client's check and
 * the server's); a second `401` is the caller's. Error answers become {@link CanvasSyncError}.
 */
export class HttpTransport {
  constructor(
    private readonly baseUrl: string,
    private readonly tokens: TokenSource,
    private readonly fetchImpl: FetchLike,
    /** Per attempt, answer body included: a request never hangs a watch's poll loop. */
    private readonly timeoutMs = 30_000,
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth !== false;
    let token = auth ? await this.tokens.get() : undefined;
    const first = await this.attempt<T>(method, path, options, token);
    if (first.ok) return first.value;
    // 401: try once more with a new token (it may have expired between our check and the server's).
    token = await this.tokens.refresh(token);
    const second = await this.attempt<T>(method, path, options, token);
    if (second.ok) return second.value;
    throw second.error;
  }

  /** One try; a 401 with a token is handed back (not thrown) so the caller can retry once. */
  private async attempt<T>(method: string, path: string, options: RequestOptions, token: string | undefined): Promise<{ ok: true; value: T } | { ok: false; error: CanvasSyncError }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort);
    try {
      const res = await this.send(method, path, options, token, controller.signal);
      if (res.status === 401 && token !== undefined) {
        // The answer is read (it is the caller's error should the retry be refused too).
        const error = await this.read<never>(res).then(
          () => new CanvasSyncError(401, 'unauthenticated', 'The api refused the token.'),
          (err: unknown) => err as CanvasSyncError,
        );
        return { ok: false, error };
      }
      return { ok: true, value: await this.read<T>(res) };
    } catch (err) {
      if (controller.signal.aborted && !options.signal?.aborted) throw new CanvasSyncError(0, 'timeout', `The api did not answer within ${this.timeoutMs / 1000} s.`, {}, { cause: err });
      throw err;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async send(method: string, path: string, options: RequestOptions, token: string | undefined, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    init.signal = signal;
    try {
      return await this.fetchImpl(this.url(path, options.query), init);
    } catch (cause) {
      if (signal.aborted) throw cause;
      throw new CanvasSyncError(0, 'network_error', 'The canvas-sync api cannot be reached.', {}, { cause });
    }
  }

  private url(path: string, query: RequestOptions['query']): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  private async read<T>(res: Response): Promise<T> {
    if (res.status === 204) return undefined as T;
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok) {
      if (json === undefined) throw new CanvasSyncError(res.status, 'bad_answer', `The api answered ${res.status} without JSON.`);
      return json as T;
    }
    const body = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
    const error = (typeof body.error === 'object' && body.error !== null ? body.error : {}) as { code?: unknown; message?: unknown };
    const code = typeof error.code === 'string' ? error.code : `http_${res.status}`;
    const message = typeof error.message === 'string' ? error.message : `The api answered ${res.status}.`;
    throw new CanvasSyncError(res.status, code, message, body);
  }
}
