import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { AppError, checkCanvasBaseUrl, guardedLookup, type CanvasUrlPolicy, type HostResolver, type OAuthFetch } from '@canvas-sync/shared';

const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A small `fetch` for the api's calls to Canvas's token endpoint, over node:http(s) like the
 * "test connection" client: the URL is checked against the SSRF policy before connecting and the
 * address again at connect time (DNS rebinding), and redirects are never followed. The answer's
 * body streams, so the caller bounds how much of it is read.
 */
export function createGuardedHttpFetch(policy: CanvasUrlPolicy, resolve?: HostResolver): OAuthFetch {
  return async (input, init) => {
    const url = new URL(String(input));
    // The origin was checked when the user chose it; the policy may have tightened since.
    await checkCanvasBaseUrl(url.origin, policy, resolve);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Response>((resolvePromise, reject) => {
      const req = send(
        url,
        {
          method: init.method ?? 'GET',
          headers: { ...(init.headers as Record<string, string>) },
          lookup: guardedLookup(policy),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const headers = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          try {
            const body = NULL_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
            if (body === null) res.resume();
            resolvePromise(new Response(body, { status, headers }));
          } catch (err) {
            res.destroy();
            reject(err as Error);
          }
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECANVASADDRESS') reject(new AppError('canvas_url_invalid', 'The Canvas host resolves to an address that is not allowed.'));
        else reject(err);
      });
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    });
  };
}
