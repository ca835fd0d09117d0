import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { checkCanvasBaseUrl, guardedLookup, HOST_REFUSED_MESSAGE, type CanvasUrlPolicy, type HostResolver } from '@canvas-sync/shared';

/** The outcome of "test connection" (DESIGN.md): never thrown, always answered with 200. */
export type CanvasSelfResult =
  | { ok: true; user: { id: number; name: string } }
  | { ok: false; error: { code: 'invalid_token' | 'forbidden' | 'throttled' | 'unreachable'; message: string } };

/** Asks Canvas who the token belongs to. */
export type CanvasSelfClient = (baseUrl: string, accessToken: string) => Promise<CanvasSelfResult>;

/** Options of {@link createCanvasSelfClient}. */
export interface CanvasSelfClientOptions {
  policy: CanvasUrlPolicy;
  userAgent: string;
  timeoutMs?: number;
  /** DNS for the policy check before connecting (the connect itself always uses the system's). */
  resolve?: HostResolver;
}

const MAX_BODY_BYTES = 256 * 1024;
const CanvasSelf = z.looseObject({ id: z.number().int().nonnegative(), name: z.string().max(500) });

const fail = (code: Exclude<CanvasSelfResult, { ok: true }>['error']['code'], message: string): CanvasSelfResult => ({ ok: false, error: { code, message } });

interface RawAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * `GET /api/v1/users/self` as CANVAS.md describes it: bearer token, a User-Agent (hosted Canvas
 * refuses requests without one), a 10 s deadline, redirects refused (a redirect could lead the
 * token to another host), and the address checked again at connect time (DNS rebinding).
 */
export function createCanvasSelfClient(options: CanvasSelfClientOptions): CanvasSelfClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (baseUrl, accessToken) => {
    let origin: string;
    try {
      // The URL was checked when saved; the policy may have changed since.
      origin = await checkCanvasBaseUrl(baseUrl, options.policy, options.resolve);
    } catch (err) {
      return fail('unreachable', (err as Error).message);
    }
    let answer: RawAnswer;
    try {
      answer = await get(new URL('/api/v1/users/self', origin), accessToken, options, timeoutMs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Same text as the save-time check, for "not found" and "private" alike (no DNS oracle).
      if (code === 'ECANVASADDRESS') return fail('unreachable', HOST_REFUSED_MESSAGE.replace('{host}', new URL(origin).hostname));
      if (code === 'ETIMEDOUT') return fail('unreachable', `Canvas did not answer within ${Math.round(timeoutMs / 1000)} s.`);
      return fail('unreachable', `Canvas could not be reached (${code ?? 'network error'}).`);
    }
    return classify(answer);
  };
}

/** Maps Canvas's answer onto the four outcomes (CANVAS.md, "Errors" and "Throttling"). */
export function classify({ status, headers, body }: RawAnswer): CanvasSelfResult {
  if (status === 200) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return fail('unreachable', 'The address answered, but not like a Canvas API (the answer is not JSON).');
    }
    const self = CanvasSelf.safeParse(json);
    if (!self.success) return fail('unreachable', 'The address answered, but not like a Canvas API.');
    return { ok: true, user: { id: self.data.id, name: self.data.name } };
  }
  if (status === 401 && headers['www-authenticate']) return fail('invalid_token', 'Canvas rejected the access token (invalid, expired or revoked). Create a new token and save it.');
  if (status === 429 || (status === 403 && body.includes('Rate Limit Exceeded'))) return fail('throttled', 'Canvas is rate limiting this token; try again in a minute.');
  if (status === 401 || status === 403) return fail('forbidden', 'Canvas does not allow this token to read the user profile.');
  if (status >= 300 && status < 400) return fail('unreachable', 'Canvas answered with a redirect, which is refused; check the Canvas URL.');
  if (status >= 500) return fail('unreachable', `Canvas is having trouble (HTTP ${status}); try again later.`);
  return fail('unreachable', `The address answered HTTP ${status}; check the Canvas URL.`);
}

function get(url: URL, token: string, options: CanvasSelfClientOptions, timeoutMs: number): Promise<RawAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': options.userAgent },
        lookup: guardedLookup(options.policy),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // /users/self is a few hundred bytes; anything huge is not Canvas.
          if (size > MAX_BODY_BYTES) req.destroy(Object.assign(new Error('answer too large'), { code: 'ETOOLARGE' }));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
        // A deadline or reset in the middle of the body ends here without 'end'.
        res.on('close', () => res.complete || reject(Object.assign(new Error('answer cut short'), { code: 'ECONNRESET' })));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => reject(err.name === 'AbortError' || err.name === 'TimeoutError' ? Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }) : err));
    req.end();
  });
}
