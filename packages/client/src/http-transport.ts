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
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth !== false;
    let token = auth ? await this.tokens.get() : undefined;
    let res = await this.send(method, path, options, token);
    if (res.status === 401 && token !== undefined) {
      // Drain the refused answer so the connection is reusable, then try once with a new token.
      await res.body?.cancel().catch(() => undefined);
      token = await this.tokens.refresh(token);
      res = await this.send(method, path, options, token);
    }
    return this.read<T>(res);
  }

  private async send(method: string, path: string, options: RequestOptions, token: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    if (options.signal) init.signal = options.signal;
    try {
      return await this.fetchImpl(this.url(path, options.query), init);
    } catch (cause) {
      if (options.signal?.aborted) throw cause;
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
