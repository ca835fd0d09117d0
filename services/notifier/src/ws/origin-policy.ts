/** Which browser origins may open `/ws`. */
export interface OriginPolicy {
  /** Explicit list (`*` = any); `null` = the default rule below. */
  allowedOrigins: readonly string[] | null;
  /** Outside production, pages on localhost / 127.0.0.1 may connect (the demo panel). */
  allowLocalhost: boolean;
}

/** How the browser reached the notifier: the `Host` header and the scheme it used. */
export interface HandshakeTarget {
  host: string | undefined;
  /** `https` when the socket (or, behind a TLS-terminating proxy, `X-Forwarded-Proto`) says so. */
  scheme: 'http' | 'https';
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Browsers always send `Origin` on a WebSocket handshake, and cookies or not, a socket opened from
 * a hostile page must not be accepted (cross-site WebSocket hijacking). Clients that are not
 * browsers send no Origin and are let through: they authenticate with the token like anyone else.
 * The default rule accepts exactly the notifier's own origin (scheme, host and port): another
 * port or plain http on the same host is another origin, possibly another, less trusted app.
 */
export function isOriginAllowed(origin: string | undefined, target: HandshakeTarget, policy: OriginPolicy): boolean {
  if (origin === undefined || origin === '') return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (policy.allowedOrigins) return policy.allowedOrigins.includes('*') || policy.allowedOrigins.includes(url.origin);
  if (policy.allowLocalhost && LOCAL_HOSTS.has(url.hostname)) return true;
  if (!target.host) return false;
  let own: string;
  try {
    // URL normalises case and default ports (https://x:443 is https://x), as browsers do in Origin.
    own = new URL(`${target.scheme}://${target.host}`).origin;
  } catch {
    return false;
  }
  return url.origin === own;
}

/**
 * The scheme the browser used. A browser cannot set `X-Forwarded-Proto` on a WebSocket handshake,
 * so trusting it (set by a TLS-terminating proxy) only affects non-browser clients, which the
 * Origin rule does not concern.
 */
export function handshakeScheme(forwardedProto: string | string[] | undefined, encrypted: boolean): 'http' | 'https' {
  const first = (Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto)?.split(',')[0]?.trim().toLowerCase();
  if (first === 'https' || first === 'http') return first;
  return encrypted ? 'https' : 'http';
}
