import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors/index.js';
import { checkCanvasBaseUrl, guardedLookup, HOST_REFUSED_MESSAGE, hostAllowed, nonPublicReason, parseAllowedHosts, type AllAddressesLookup, type CanvasUrlPolicy, type HostResolver } from './url-policy.js';

const strict: CanvasUrlPolicy = { allowedHosts: ['*'], allowPrivateNetwork: false };
const relaxed: CanvasUrlPolicy = { allowedHosts: ['*'], allowPrivateNetwork: true };
const publicResolver: HostResolver = async () => ['93.184.216.34'];
const resolverOf = (map: Record<string, string[]>): HostResolver => async (host) => {
  const found = map[host];
  if (!found) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  return found;
};

async function refusal(input: string, policy = strict, resolve: HostResolver = publicResolver): Promise<string> {
  try {
    await checkCanvasBaseUrl(input, policy, resolve);
  } catch (err) {
    expect(isAppError(err, 'canvas_url_invalid')).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`${input} was accepted`);
}

describe('checkCanvasBaseUrl', () => {
  it('normalises an allowed https URL to its origin, dropping path, query and credentials', async () => {
    await expect(checkCanvasBaseUrl('https://user:pw@School.Instructure.com/courses/1?x=1#y', strict, publicResolver)).resolves.toBe('https://school.instructure.com');
    await expect(checkCanvasBaseUrl('  school.instructure.com/ ', strict, publicResolver)).resolves.toBe('https://school.instructure.com');
    await expect(checkCanvasBaseUrl('https://canvas.example.edu:8443/', strict, publicResolver)).resolves.toBe('https://canvas.example.edu:8443');
  });

  it.each([
    ['https://127.0.0.1', 'loopback'],
    ['https://10.0.0.1', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://[::1]', 'loopback'],
    ['https://[::ffff:127.0.0.1]', 'loopback'],
    ['https://[fd00::1]', 'unique local'],
    ['https://[fe80::1]', 'link-local'],
    ['https://100.64.1.1', 'carrier-grade NAT'],
    ['https://192.168.1.10', 'private'],
    ['https://172.20.0.5', 'private'],
    ['https://0.0.0.0', 'this network'],
    ['https://2130706433', 'loopback'], // 127.0.0.1 written as one number; URL normalises it
  ])('refuses %s (%s)', async (url, reason) => {
    expect(await refusal(url)).toContain(reason);
  });

  it('refuses http:// unless private networks are allowed', async () => {
    expect(await refusal('http://school.instructure.com')).toMatch(/https:\/\//);
    await expect(checkCanvasBaseUrl('http://127.0.0.1:4000/x', relaxed)).resolves.toBe('http://127.0.0.1:4000');
  });

  it('refuses other schemes even when private networks are allowed', async () => {
    expect(await refusal('ftp://school.instructure.com', relaxed)).toMatch(/https/);
    expect(await refusal('file:///etc/passwd', relaxed)).toMatch(/https/);
  });

  it('refuses a host name that resolves to a private address (injected resolver)', async () => {
    const resolve = resolverOf({ 'evil.example.com': ['93.184.216.34', '10.1.2.3'], 'meta.example.com': ['169.254.169.254'] });
    expect(await refusal('https://evil.example.com', strict, resolve)).toContain('not a public address');
    expect(await refusal('https://meta.example.com', strict, resolve)).toContain('not a public address');
  });

  it('refuses a host that does not resolve, and empty or garbage input', async () => {
    expect(await refusal('https://nope.invalid', strict, resolverOf({}))).toContain('could not be found or is not a public address');
    expect(await refusal('')).toContain('Enter the address');
    expect(await refusal('https://exa mple.com')).toContain('not a valid address');
  });

  it('says the same for a name that does not exist and one that resolves to a private address (no DNS oracle)', async () => {
    // Otherwise any user could map internal names (db.internal, vault.svc) by typing them as their Canvas URL.
    const resolve = resolverOf({ 'db.example.com': ['10.0.0.5'], 'gone.example.com': [] });
    const message = (host: string) => refusal(`https://${host}`, strict, resolve).then((m) => m.replace(host, '<host>'));
    const texts = new Set([await message('db.example.com'), await message('nope.example.com'), await message('gone.example.com')]);
    expect([...texts]).toEqual([HOST_REFUSED_MESSAGE.replace('{host}', '<host>')]);
  });

  it('allows private addresses when CANVAS_ALLOW_PRIVATE_NETWORK is on, without resolving', async () => {
    const failing: HostResolver = async () => {
      throw new Error('must not resolve');
    };
    await expect(checkCanvasBaseUrl('http://localhost:3999', relaxed, failing)).resolves.toBe('http://localhost:3999');
    await expect(checkCanvasBaseUrl('https://[::1]:8443', relaxed, failing)).resolves.toBe('https://[::1]:8443');
  });

  it('applies CANVAS_ALLOWED_HOSTS, including *.wildcards', async () => {
    const policy: CanvasUrlPolicy = { allowedHosts: parseAllowedHosts('*.instructure.com, canvas.example.edu'), allowPrivateNetwork: false };
    await expect(checkCanvasBaseUrl('https://school.instructure.com', policy, publicResolver)).resolves.toBe('https://school.instructure.com');
    await expect(checkCanvasBaseUrl('https://canvas.example.edu', policy, publicResolver)).resolves.toBe('https://canvas.example.edu');
    expect(await refusal('https://instructure.com', policy)).toContain('not allowed');
    expect(await refusal('https://evilinstructure.com', policy)).toContain('not allowed');
    expect(await refusal('https://school.instructure.com.evil.io', policy)).toContain('not allowed');
    // The allow-list does not switch off the address check.
    const resolve = resolverOf({ 'inside.instructure.com': ['127.0.0.1'] });
    expect(await refusal('https://inside.instructure.com', policy, resolve)).toContain('not a public address');
  });
});

describe('host patterns and addresses', () => {
  it('parses CANVAS_ALLOWED_HOSTS', () => {
    expect(parseAllowedHosts(undefined)).toEqual(['*']);
    expect(parseAllowedHosts(' A.example.com ,,*.B.org ')).toEqual(['a.example.com', '*.b.org']);
  });

  it('matches hosts case-insensitively and ignores a trailing dot', () => {
    expect(hostAllowed('School.Instructure.com.', ['*.instructure.com'])).toBe(true);
    expect(hostAllowed('a.b.instructure.com', ['*.instructure.com'])).toBe(true);
    expect(hostAllowed('instructure.com', ['*.instructure.com'])).toBe(false);
  });

  it('classifies public and reserved addresses', () => {
    expect(nonPublicReason('93.184.216.34')).toBeUndefined();
    expect(nonPublicReason('2606:4700::1111')).toBeUndefined();
    expect(nonPublicReason('224.0.0.1')).toBe('multicast');
    expect(nonPublicReason('::')).toBe('unspecified');
    expect(nonPublicReason('::ffff:a9fe:a9fe')).toBe('link-local');
    expect(nonPublicReason('64:ff9b::a00:1')).toBe('NAT64');
    expect(nonPublicReason('not-an-ip')).toBe('not an IP address');
  });
});

describe('guardedLookup', () => {
  it('refuses at connect time when a name resolves to loopback', async () => {
    const lookup = guardedLookup({ allowPrivateNetwork: false });
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('localhost', {}, (e) => resolve(e)));
    expect(err?.code).toBe('ECANVASADDRESS');
  });

  it('fails a name that does not exist exactly as one that resolves to a private address', async () => {
    const notFound: AllAddressesLookup = (_host, _options, callback) => callback(Object.assign(new Error('getaddrinfo ENOTFOUND db.internal'), { code: 'ENOTFOUND' }), []);
    const privateOne: AllAddressesLookup = (_host, _options, callback) => callback(null, [{ address: '10.0.0.5', family: 4 }]);
    const failure = (resolveAll: AllAddressesLookup) =>
      new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup({ allowPrivateNetwork: false }, resolveAll)('db.internal', {}, (e) => resolve(e)));
    const [a, b] = [await failure(notFound), await failure(privateOne)];
    expect({ code: a?.code, message: a?.message }).toEqual({ code: b?.code, message: b?.message });
    expect(a?.code).toBe('ECANVASADDRESS');
  });

  it('passes addresses through when private networks are allowed', async () => {
    const lookup = guardedLookup({ allowPrivateNetwork: true });
    const address = await new Promise<string>((resolve, reject) => lookup('localhost', {}, (e, a) => (e ? reject(e) : resolve(a as string))));
    expect(nonPublicReason(address)).toBe('loopback');
  });
});
