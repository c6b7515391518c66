import { describe, expect, it } from 'vitest';
import { EMPTY_ALLOW_LIST, parseAllowList } from './fetch-address.js';
import { parseFetchUrl, pinAddresses, type Resolver } from './fetch-target.js';

const resolverOf =
  (table: Record<string, readonly string[]>): Resolver =>
  (host) =>
    Promise.resolve(table[host] ?? []);

describe('parseFetchUrl', () => {
  it.each([
    'file:///etc/passwd',
    'ftp://example.com/x',
    'gopher://example.com:70/_x',
    'data:text/plain,hi',
    'javascript:alert(1)',
    'ws://example.com/',
  ])('refuses the scheme of %s', (url) => {
    expect(() => parseFetchUrl(url)).toThrow(
      expect.objectContaining({ code: 'url_invalid', permanent: true }) as Error,
    );
  });

  it.each(['not a url', 'http://', '//example.com/x', 'http://exa mple.com/', 'http://1.2.3.256/'])(
    'refuses malformed %s',
    (url) => {
      expect(() => parseFetchUrl(url)).toThrow(expect.objectContaining({ code: 'url_invalid' }) as Error);
    },
  );

  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
  ])('normalises the IPv4 literal of %s to %s', (url, host) => {
    expect(parseFetchUrl(url).hostname).toBe(host);
  });

  it('strips credentials and the fragment', () => {
    const url = parseFetchUrl('https://user:secret@example.com/a?b=1#frag');
    expect(url.href).toBe('https://example.com/a?b=1');
  });

  it('resolves redirect targets against the current URL', () => {
    expect(parseFetchUrl('../c?d', new URL('http://example.com/a/b/')).href).toBe('http://example.com/a/c?d');
  });
});

describe('pinAddresses', () => {
  it('checks literals without asking DNS', async () => {
    const never: Resolver = () => Promise.reject(new Error('DNS must not be asked'));
    await expect(pinAddresses(new URL('http://[::1]/'), EMPTY_ALLOW_LIST, never)).rejects.toMatchObject({
      code: 'url_refused',
      message: 'Refused to fetch from http://[::1]: ::1 is a loopback address',
    });
    await expect(pinAddresses(new URL('http://8.8.8.8/'), EMPTY_ALLOW_LIST, never)).resolves.toEqual(['8.8.8.8']);
  });

  it('refuses a name resolving to a private address without naming the address', async () => {
    const err = pinAddresses(
      new URL('http://intranet.example/'),
      EMPTY_ALLOW_LIST,
      resolverOf({ 'intranet.example': ['10.20.30.40'] }),
    );
    await expect(err).rejects.toMatchObject({
      code: 'url_refused',
      message: 'Refused to fetch from http://intranet.example: the host resolves to a private-network address',
    });
  });

  it('refuses a name when any of its addresses is not public', async () => {
    const resolver = resolverOf({ 'mixed.example': ['93.184.215.14', '2606:4700::1', '::ffff:169.254.169.254'] });
    await expect(pinAddresses(new URL('http://mixed.example/'), EMPTY_ALLOW_LIST, resolver)).rejects.toMatchObject({
      code: 'url_refused',
    });
    const good = resolverOf({ 'good.example': ['93.184.215.14', '2606:4700::1'] });
    await expect(pinAddresses(new URL('http://good.example/'), EMPTY_ALLOW_LIST, good)).resolves.toEqual([
      '93.184.215.14',
      '2606:4700::1',
    ]);
  });

  it('lets an allowlisted host name reach its private address', async () => {
    const resolver = resolverOf({ 'store.internal': ['10.1.1.1'], 'other.internal': ['10.1.1.1'] });
    const allow = parseAllowList(['store.internal']);
    await expect(pinAddresses(new URL('http://store.internal/'), allow, resolver)).resolves.toEqual(['10.1.1.1']);
    await expect(pinAddresses(new URL('http://other.internal/'), allow, resolver)).rejects.toMatchObject({
      code: 'url_refused',
    });
  });

  it('tells a missing host (permanent) from a DNS failure (transient)', async () => {
    const failing =
      (code: string): Resolver =>
      () =>
        Promise.reject(Object.assign(new Error(`getaddrinfo ${code}`), { code }));
    await expect(
      pinAddresses(new URL('http://gone.example/'), EMPTY_ALLOW_LIST, failing('ENOTFOUND')),
    ).rejects.toMatchObject({
      code: 'fetch_failed',
      permanent: true,
    });
    await expect(
      pinAddresses(new URL('http://flaky.example/'), EMPTY_ALLOW_LIST, failing('EAI_AGAIN')),
    ).rejects.toMatchObject({
      code: 'fetch_failed',
      permanent: false,
    });
    await expect(
      pinAddresses(new URL('http://empty.example/'), EMPTY_ALLOW_LIST, resolverOf({})),
    ).rejects.toMatchObject({ code: 'fetch_failed' });
  });
});
