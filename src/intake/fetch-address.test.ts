import { describe, expect, it } from 'vitest';
import { parseAllowList, refusalReason } from './fetch-address.js';

describe('refusalReason', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private-network'],
    ['172.16.0.1', 'private-network'],
    ['172.31.255.254', 'private-network'],
    ['192.168.1.1', 'private-network'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.254', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.51.100.1', 'reserved'],
    ['203.0.113.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'Teredo'],
    ['::ffff:127.0.0.1', 'IPv4-mapped IPv6 embedding a loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped IPv6 embedding a loopback'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped IPv6 embedding a link-local'],
    ['::ffff:0:a00:1', 'IPv4-mapped IPv6 embedding a private-network'],
    ['64:ff9b::7f00:1', 'NAT64 (64:ff9b::/96) embedding a loopback'],
    ['64:ff9b::10.0.0.1', 'NAT64 (64:ff9b::/96) embedding a private-network'],
    ['64:ff9b:1::808:808', 'local-use NAT64'],
    ['2002:7f00:1::1', '6to4 (2002::/16) embedding a loopback'],
    ['2002:c0a8:101::1', '6to4 (2002::/16) embedding a private-network'],
    ['::7f00:1', 'IPv4-compatible IPv6'],
    ['not-an-ip', 'not an IP address'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(refusalReason(address, address)).toContain(reason);
  });

  it.each([
    '8.8.8.8',
    '93.184.215.14',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('lets public %s through', (address) => {
    expect(refusalReason(address, address)).toBeNull();
  });
});

describe('allow list', () => {
  it('permits the CIDRs, addresses and host names it names, and nothing else', () => {
    const allow = parseAllowList(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'Files.Internal.', ' ::1 ']);
    expect(refusalReason('127.0.0.1', 'x', allow)).toBeNull();
    expect(refusalReason('::ffff:127.0.0.1', 'x', allow)).toBeNull();
    expect(refusalReason('127.0.0.2', 'x', allow)).toContain('loopback');
    expect(refusalReason('10.200.1.1', 'x', allow)).toBeNull();
    expect(refusalReason('192.168.0.1', 'x', allow)).toContain('private');
    expect(refusalReason('fd00::5', 'x', allow)).toBeNull();
    expect(refusalReason('fc00::5', 'x', allow)).toContain('unique-local');
    expect(refusalReason('::1', 'x', allow)).toBeNull();
    expect(refusalReason('192.168.0.1', 'files.internal', allow)).toBeNull();
    expect(refusalReason('192.168.0.1', 'FILES.INTERNAL.', allow)).toBeNull();
  });

  it('never permits unspecified, broadcast or multicast destinations', () => {
    const allow = parseAllowList(['0.0.0.0/0', '::/0']);
    expect(refusalReason('10.1.1.1', 'x', allow)).toBeNull();
    for (const address of ['0.0.0.0', '255.255.255.255', '224.0.0.1', '::', 'ff02::1']) {
      expect(refusalReason(address, 'x', allow)).not.toBeNull();
    }
  });

  it('rejects entries that are none of CIDR, address or host name', () => {
    for (const entry of ['10.0.0.0/33', 'http://x/', 'a b', '', '*.internal']) {
      expect(() => parseAllowList([entry])).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as Error);
    }
  });
});
