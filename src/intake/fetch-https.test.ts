import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fetchToBuffer, fetchUrl } from './fetch.js';
import type { Resolver } from './fetch-target.js';

// Pinning replaces DNS but must keep TLS checking the certificate against the URL's host name.
const HOST = 'files.example.test';
const dir = mkdtempSync(join(tmpdir(), 'tiphash-tls-'));
let server: Server;
let port: number;
let cert: Buffer;
const resolver: Resolver = () => Promise.resolve(['127.0.0.1']);

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', `/CN=${HOST}`],
      ...['-addext', `subjectAltName=DNS:${HOST}`],
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'));
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
    res.writeHead(200).end(`sni=${(req.socket as { servername?: string }).servername ?? ''}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

it('fetches over TLS from the pinned address, verifying the certificate for the host name', async () => {
  const got = await fetchToBuffer(`https://${HOST}:${port}/`, { allowPrivate: ['127.0.0.1'], resolver, ca: cert });
  expect(got.data.toString()).toBe(`sni=${HOST}`);
});

it('fails when the certificate is not trusted or names another host', async () => {
  await expect(fetchUrl(`https://${HOST}:${port}/`, { allowPrivate: ['127.0.0.1'], resolver })).rejects.toMatchObject({
    code: 'fetch_failed',
  });
  await expect(
    fetchUrl(`https://other.example.test:${port}/`, { allowPrivate: ['127.0.0.1'], resolver, ca: cert }),
  ).rejects.toMatchObject({
    code: 'fetch_failed',
    message: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID') as string,
  });
});
