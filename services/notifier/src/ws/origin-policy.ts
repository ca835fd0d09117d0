/** Which browser origins may open `/ws`. */
export interface OriginPolicy {
  /** Explicit list (`*` = any); `null` = the default rule below. */
  allowedOrigins: readonly string[] | null;
  /** Outside production, pages on localhost / 127.0.0.1 may connect (the demo panel). */
  allowLocalhost: boolean;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Browsers always send `Origin` on a WebSocket handshake, and cookies or not, a socket opened from
 * a hostile page must not be accepted (cross-site WebSocket hijacking). Clients that are not
 * browsers send no Origin and are let through: they authenticate with the token like anyone else.
 * The default rule accepts the notifier's own host name (any port: the panel is served by the api).
 */
export function isOriginAllowed(origin: string | undefined, hostHeader: string | undefined, policy: OriginPolicy): boolean {
  if (origin === undefined || origin === '') return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (policy.allowedOrigins) return policy.allowedOrigins.includes('*') || policy.allowedOrigins.includes(url.origin);
  if (policy.allowLocalhost && LOCAL_HOSTS.has(url.hostname)) return true;
  if (!hostHeader) return false;
  const hostName = hostHeader.replace(/:\d+$/, '').toLowerCase();
  return url.hostname.toLowerCase() === hostName;
}
