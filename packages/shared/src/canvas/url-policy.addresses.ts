import { BlockList, isIP } from 'node:net';

/**
 * Address ranges a Canvas base URL must never reach unless private networks are allowed: anything
 * that is not public unicast. A user-typed URL that resolves here is an SSRF attempt (the cloud
 * metadata address 169.254.169.254 above all) or a misconfiguration.
 * Sources: IANA IPv4/IPv6 Special-Purpose Address Registries (RFC 6890 and updates).
 */
const V4_BLOCKED: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V6_BLOCKED: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  // NAT64 and 6to4 embed an IPv4 address we cannot vouch for.
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'NAT64'],
  ['100::', 64, 'discard'],
  ['2001::', 23, 'IETF protocol assignments'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'unique local (ULA)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** One BlockList per range, so a refusal can say which range matched. */
const RANGES = [
  ...V4_BLOCKED.map(([net, prefix, reason]) => ({ type: 'ipv4' as const, reason, list: subnet(net, prefix, 'ipv4') })),
  ...V6_BLOCKED.map(([net, prefix, reason]) => ({ type: 'ipv6' as const, reason, list: subnet(net, prefix, 'ipv6') })),
];
// Only 2000::/3 is allocated for global unicast; everything else in IPv6 is reserved.
const GLOBAL_UNICAST_V6 = subnet('2000::', 3, 'ipv6');

function subnet(net: string, prefix: number, type: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return list;
}

/** `::ffff:a.b.c.d` (and its hex form) carries an IPv4 address: judge that one. */
function unmapV4(ip: string): string | undefined {
  const lower = ip.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower) ?? /^::(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/**
 * Why `ip` is not a public unicast address (`'loopback'`, `'private'`, …), or `undefined` when it
 * is public. Anything that is not an IP literal counts as not public.
 */
export function nonPublicReason(ip: string): string | undefined {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = isIP(bare);
  if (family === 0) return 'not an IP address';
  if (family === 4) {
    if (bare === '255.255.255.255') return 'broadcast';
    return RANGES.find((r) => r.type === 'ipv4' && r.list.check(bare, 'ipv4'))?.reason;
  }
  const mapped = unmapV4(bare);
  if (mapped !== undefined) return nonPublicReason(mapped);
  const hit = RANGES.find((r) => r.type === 'ipv6' && r.list.check(bare, 'ipv6'));
  if (hit) return hit.reason;
  if (!GLOBAL_UNICAST_V6.check(bare, 'ipv6')) return 'reserved';
  return undefined;
}

/** True when `ip` is a public unicast address. */
export function isPublicAddress(ip: string): boolean {
  return nonPublicReason(ip) === undefined;
}
