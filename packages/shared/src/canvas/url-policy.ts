import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { AppError } from '../errors/index.js';
import { nonPublicReason } from './url-policy.addresses.js';

export { isPublicAddress, nonPublicReason } from './url-policy.addresses.js';

/**
 * Which Canvas base URLs users may connect to (issue 9, SSRF). The api checks a URL when a user
 * saves it; the fetcher and the test-connection client check the address again at connect time
 * (see {@link guardedLookup}), because DNS can change between the two (rebinding).
 */
export interface CanvasUrlPolicy {
  /** Host patterns: `*` (any public host), `school.instructure.com`, `*.instructure.com`. */
  allowedHosts: readonly string[];
  /** Allows `http:` and loopback/private addresses (the simulator, tests, the demo). */
  allowPrivateNetwork: boolean;
}

/** Resolves a host name to every address it has (injectable for tests). */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** The system resolver, as a connect would use it (`getaddrinfo`, so /etc/hosts counts). */
export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address))));
  });

/** Parses `CANVAS_ALLOWED_HOSTS` (comma list) into lowercase patterns; empty means `*`. */
export function parseAllowedHosts(value: string | undefined): string[] {
  const hosts = (value ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  return hosts.length === 0 ? ['*'] : hosts;
}

/** True when `hostname` matches one of the patterns (`*`, exact, or `*.suffix` for any subdomain). */
export function hostAllowed(hostname: string, patterns: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return patterns.some((pattern) => {
    if (pattern === '*') return true;
    if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
    return host === pattern.replace(/\.$/, '');
  });
}

const invalid = (message: string) => new AppError('canvas_url_invalid', message);

/**
 * Checks a user-typed Canvas base URL against the policy and returns its normalised origin
 * (`https://school.instructure.com`): path, query, fragment and credentials are dropped, because
 * the fetcher builds every API path itself. A URL without a scheme is taken as https.
 * Throws `canvas_url_invalid` with a message that says what to fix.
 */
export async function checkCanvasBaseUrl(input: string, policy: CanvasUrlPolicy, resolve: HostResolver = systemResolver): Promise<string> {
  const url = parseUrl(input);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivateNetwork)) {
    throw invalid(policy.allowPrivateNetwork ? 'The Canvas URL must start with https:// or http://.' : 'The Canvas URL must start with https://.');
  }
  const hostname = bareHost(url.hostname);
  if (hostname === '') throw invalid('The Canvas URL has no host name.');
  if (!hostAllowed(hostname, policy.allowedHosts)) throw invalid(`Connecting to ${hostname} is not allowed here; ask your administrator.`);
  if (!policy.allowPrivateNetwork) await assertPublicHost(hostname, resolve);
  return url.origin;
}

function parseUrl(input: string): URL {
  const text = input.trim();
  if (text === '' || text.length > 2048) throw invalid('Enter the address of your Canvas, e.g. https://school.instructure.com.');
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw invalid('The Canvas URL is not a valid address, e.g. https://school.instructure.com.');
  }
}

/** `[::1]` → `::1`: URL keeps IPv6 literals in brackets. */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * What a user is told when a host name does not resolve **or** resolves to a non-public address
 * (`{host}` is the name they typed). One text for both: two would let any user map internal DNS
 * names (db.internal, vault.svc) by trying them as their Canvas URL.
 */
export const HOST_REFUSED_MESSAGE = 'The host {host} could not be found or is not a public address; check the Canvas URL.';
const hostRefused = (hostname: string) => invalid(HOST_REFUSED_MESSAGE.replace('{host}', hostname));
/** DNS answers that mean "no such name" (temporary failures such as EAI_AGAIN stay retryable). */
const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'ENODATA']);

/** Refuses a host that is, or resolves to, an address that is not public. */
async function assertPublicHost(hostname: string, resolve: HostResolver): Promise<void> {
  if (isIP(hostname) !== 0) {
    const reason = nonPublicReason(hostname);
    if (reason) throw invalid(`The Canvas URL points to a ${reason} address (${hostname}), which is not allowed.`);
    return;
  }
  let addresses: string[];
  try {
    addresses = await resolve(hostname);
  } catch {
    throw hostRefused(hostname);
  }
  // Every address must be public: a client may pick any of them when it connects.
  if (addresses.length === 0 || addresses.some((address) => nonPublicReason(address) !== undefined)) throw hostRefused(hostname);
}

/** The resolver under {@link guardedLookup}: every address of a host (injectable, so tests can make a name resolve anywhere). */
export type AllAddressesLookup = (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemLookupAll: AllAddressesLookup = (hostname, options, callback) => dnsLookup(hostname, { ...options, all: true }, callback);

/** A `lookup` for `net`/`http(s)` connect options. */
export type LookupFn = (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void;

/**
 * A `lookup` for http(s) requests that refuses non-public addresses at connect time, so a host
 * that resolved to a public address when the URL was saved cannot be re-pointed (DNS rebinding)
 * at 169.254.169.254 or the cluster. With private networks allowed it is plain `dns.lookup`.
 * IP-literal hosts skip `lookup` in Node: check those with {@link checkCanvasBaseUrl} first.
 * `resolveAll` replaces the system resolver (tests).
 */
export function guardedLookup(policy: Pick<CanvasUrlPolicy, 'allowPrivateNetwork'>, resolveAll: AllAddressesLookup = systemLookupAll): LookupFn {
  return (hostname, options, callback) => {
    resolveAll(hostname, options, (err, addresses) => {
      const list = addresses ?? [];
      if (!policy.allowPrivateNetwork) {
        // "No such name" fails exactly as "a private address" does: no DNS oracle for internal names.
        const notFound = err ? NOT_FOUND_CODES.has(err.code ?? '') : list.length === 0;
        if (notFound || (!err && list.some((a) => nonPublicReason(a.address) !== undefined))) {
          const refused: NodeJS.ErrnoException = new Error(`refused to connect to ${hostname}: it could not be found or is not a public address`);
          refused.code = 'ECANVASADDRESS';
          return callback(refused, []);
        }
      }
      if (err) return callback(err, []);
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}
