import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { invalidArgument } from '../core/errors.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Why each non-public range is refused, in the words a message shows. */
const RANGE_NAMES: Readonly<Record<string, string>> = {
  unspecified: 'unspecified (0.0.0.0/8, ::)',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local (169.254.0.0/16 incl. cloud metadata, fe80::/10)',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  private: 'private-network',
  reserved: 'reserved (documentation, benchmarking or future use)',
  benchmarking: 'benchmarking',
  uniqueLocal: 'unique-local (fc00::/7)',
  deprecatedSiteLocal: 'site-local (fec0::/10)',
  teredo: 'Teredo tunnel',
};

/** Ranges that are never a destination, even when an allowlist covers them. */
const NEVER = new Set(['unspecified', 'broadcast', 'multicast']);

/** Where tests and special deployments may reach non-public addresses: CIDRs, addresses or host names. */
export interface AllowList {
  readonly cidrs: readonly [Address, number][];
  readonly hosts: ReadonlySet<string>;
}

export const EMPTY_ALLOW_LIST: AllowList = { cidrs: [], hosts: new Set() };

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function parseAllowList(entries: readonly string[]): AllowList {
  const cidrs: [Address, number][] = [];
  const hosts = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry.includes('/') && ipaddr.isValidCIDR(entry)) cidrs.push(ipaddr.parseCIDR(entry));
    else if (isIP(entry) !== 0) {
      const address = ipaddr.parse(entry);
      cidrs.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (HOST_NAME.test(entry.replace(/\.$/, ''))) hosts.add(entry.replace(/\.$/, ''));
    else throw invalidArgument('a CIDR, an IP address or a host name', 'an allowPrivate entry', raw);
  }
  return { cidrs, hosts };
}

/**
 * Why `address` (an IP a URL's host resolved to, or an IP literal) must not be fetched from, or
 * null when it may be: only globally routed unicast passes. IPv6 forms that embed an IPv4
 * address (mapped, translated, NAT64, 6to4) are judged by the embedded address.
 */
export function refusalReason(address: string, host: string, allow: AllowList = EMPTY_ALLOW_LIST): string | null {
  let parsed: Address;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return 'not an IP address';
  }
  const { range, reason } = classify(parsed);
  if (reason === null) return null;
  if (!NEVER.has(range) && allowed(parsed, host, allow)) return null;
  return reason;
}

function classify(address: Address): { range: string; reason: string | null } {
  if (address.kind() === 'ipv4') return verdict((address as ipaddr.IPv4).range(), '');
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  const p = v6.parts;
  if (range === 'unicast') {
    // ::a.b.c.d, the deprecated IPv4-compatible form, is not routed on the Internet.
    if (p.slice(0, 6).every((x) => x === 0)) return { range: 'reserved', reason: 'IPv4-compatible IPv6 (::/96)' };
    return { range, reason: null };
  }
  if (range === 'ipv4Mapped' || range === 'rfc6145') return embedded(p[6], p[7], 'IPv4-mapped IPv6');
  if (range === 'rfc6052') {
    // 64:ff9b:1::/48 is for local translators (RFC 8215): the IPv4 address may sit elsewhere.
    if (p[2] !== 0) return { range: 'reserved', reason: 'local-use NAT64 (64:ff9b:1::/48)' };
    return embedded(p[6], p[7], 'NAT64 (64:ff9b::/96)');
  }
  if (range === '6to4') return embedded(p[1], p[2], '6to4 (2002::/16)');
  return verdict(range, '');
}

function embedded(
  high: number | undefined,
  low: number | undefined,
  form: string,
): { range: string; reason: string | null } {
  const v4 = new ipaddr.IPv4([(high ?? 0) >> 8, (high ?? 0) & 0xff, (low ?? 0) >> 8, (low ?? 0) & 0xff]);
  return verdict(v4.range(), `${form} embedding a `);
}

function verdict(range: string, prefix: string): { range: string; reason: string | null } {
  if (range === 'unicast') return { range, reason: null };
  return { range, reason: `${prefix}${RANGE_NAMES[range] ?? `special-purpose (${range})`} address` };
}

function allowed(address: Address, host: string, allow: AllowList): boolean {
  if (allow.hosts.has(host.replace(/\.$/, '').toLowerCase())) return true;
  const plain =
    address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address()
      : address;
  return allow.cidrs.some(([net, bits]) => net.kind() === plain.kind() && plain.match(net, bits));
}
