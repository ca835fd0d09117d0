import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { AppError, guardedLookup, hostAllowed, HOST_REFUSED_MESSAGE, nonPublicReason, type AllAddressesLookup, type CanvasUrlPolicy } from '@canvas-sync/shared';

/** The code the connect-time check fails a socket with (see `guardedLookup`). */
const ADDRESS_REFUSED = 'ECANVASADDRESS';

const refused = (message: string, cause?: unknown) => new AppError('canvas_url_invalid', message, cause === undefined ? {} : { cause });

/**
 * Checks a URL the fetcher is about to request against the SSRF policy (issue 9): https only
 * (http when private networks are allowed), a host in `CANVAS_ALLOWED_HOSTS`, and no IP literal
 * outside public unicast — IP literals never reach a DNS lookup, so the connect-time check below
 * cannot see them. The policy may have tightened since the user saved the URL, so every request
 * (every `next` page too) is checked, not only the first.
 */
export function assertCanvasUrlAllowed(url: URL, policy: CanvasUrlPolicy): void {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivateNetwork)) {
    throw refused(`The Canvas URL must use https:// (got ${url.protocol}); reconnect Canvas with an https address.`);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!hostAllowed(host, policy.allowedHosts)) throw refused(`Connecting to ${host} is not allowed here; ask your administrator.`);
  if (!policy.allowPrivateNetwork && isIP(host) !== 0) {
    const reason = nonPublicReason(host);
    if (reason) throw refused(`The Canvas URL points to a ${reason} address, which is not allowed.`);
  }
}

/** True when `err` (or its cause, as fetch wraps it) is the connect-time address refusal. */
export function isAddressRefused(err: unknown): boolean {
  const code = (e: unknown) => (e as { code?: unknown } | null)?.code;
  return code(err) === ADDRESS_REFUSED || code((err as { cause?: unknown } | null)?.cause) === ADDRESS_REFUSED;
}

/** A `fetch` for Canvas and the agent under it (closed on shutdown). */
export interface GuardedFetch {
  fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * `fetch` through an undici `Agent` whose sockets resolve their host with the shared
 * `guardedLookup`: the address is checked when the connection is made, so a host that resolved to
 * a public address when the URL was saved cannot be re-pointed at 127.0.0.1, the cluster or
 * 169.254.169.254 later (DNS rebinding). `resolveAll` replaces DNS in tests.
 */
export function createGuardedFetch(policy: CanvasUrlPolicy, resolveAll?: AllAddressesLookup): GuardedFetch {
  const agent = new Agent({ connect: { lookup: guardedLookup(policy, resolveAll) } });
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    assertCanvasUrlAllowed(url, policy);
    try {
      const res = await undiciFetch(url, { ...(init as UndiciRequestInit), dispatcher: agent });
      return res as unknown as Response;
    } catch (err) {
      if (isAddressRefused(err)) throw refused(HOST_REFUSED_MESSAGE.replace('{host}', url.hostname), err);
      throw err;
    }
  };
  return { fetch: guarded as typeof fetch, close: () => agent.close() };
}
