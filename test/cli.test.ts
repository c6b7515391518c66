import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, threatexchange } from './shared.js';
import { sampleHashes, sampleVideo } from './video-support.js';

const BIN = join(repoRoot, 'bin/tiphash.js');
const DEMO = join(repoRoot, 'fixtures/demo');
const DEMO_LIST = join(repoRoot, 'fixtures/lists/demo.tiphash.csv');
const BRIDGE = join(repoRoot, 'fixtures/images/bridge-256.jpg');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would (npm test builds it first). */
function tiphash(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: repoRoot, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const ndjson = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'tiphash-cli-'));
});

describe('tiphash hash', () => {
  it('prints digests and hashes as one JSON object per file, errors in place', async () => {
    const text = join(tmp, 'notes.jpg');
    await writeFile(text, 'not a picture\n');
    const r = await tiphash(['hash', '--dihedral', BRIDGE, text]);
    expect(r.code).toBe(1);
    const [ok, bad] = ndjson(r.stdout);
    expect(Object.keys(ok!).sort()).toEqual(
      ['path', 'size', 'md5', 'sha1', 'sha256', 'mediaType', 'pdq', 'pdqQuality', 'blockhash', 'pdqDihedral'].sort(),
    );
    expect(ok).toMatchObject({
      path: BRIDGE,
      size: 24174,
      sha256: '3327d0c23446434767c9240b8ab230eca516ec788db1f82869a20fb51294b56c',
    });
    expect(ok!.pdqDihedral).toHaveLength(8);
    // A file that cannot be hashed still gets its digests: a digest list may know it.
    expect(bad).toEqual({
      path: text,
      size: 14,
      md5: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
      sha1: expect.stringMatching(/^[0-9a-f]{40}$/) as string,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      mediaType: 'text/plain',
      error: { code: 'unsupported_type', message: expect.any(String) as string },
    });
  });

  it('reproduces the reference bit for bit with --exact', async () => {
    const r = await tiphash(['hash', '--exact', BRIDGE]);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)[0]).toMatchObject({
      pdq: 'd8f8f0cec4f4a84f0637022a078f67f0b36e2ee5b6621e1d33e6239c4e9c9b22',
      pdqQuality: 100,
    });
  });
});

describe('videos on the command line', () => {
  const chair = sampleVideo('chair-19-sd-bar');
  const pattern = sampleVideo('pattern-hd-no-bar');
  const chairList = threatexchange('vpdq/sample-hashes/chair-20-sd-bar.txt');

  it('hash --every-frame prints the frame hashes vPDQ makes, nearly all bit for bit', async () => {
    const r = await tiphash(['hash', '--every-frame', chair]);
    expect(r.code).toBe(0);
    const [line] = ndjson(r.stdout);
    expect(line).toMatchObject({
      path: chair,
      mediaType: 'video/mp4',
      md5: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
    });
    expect(line!.video).toMatchObject({ mode: 'every', width: 480, height: 720, fps: 30 });
    const video = { frames: line!.vpdq as Array<{ frame: number; ts: number; pdq: string; quality: number }> };
    expect(Object.keys(video.frames[0]!)).toEqual(['frame', 'ts', 'pdq', 'quality']);
    const reference = sampleHashes('chair-19-sd-bar');
    expect(video.frames).toHaveLength(reference.length);
    const exact = video.frames.filter((f, i) => f.pdq === reference[i]!.pdq && f.frame === reference[i]!.index).length;
    expect(exact / reference.length).toBeGreaterThan(0.95);
  });

  it('scan matches a video against a vPDQ list by its share of frames, and says where', async () => {
    const cut = join(tmp, 'cut.mp4');
    await writeFile(cut, (await readFile(chair)).subarray(0, 50_000));
    const r = await tiphash(['scan', chair, pattern, cut, '--list', chairList]);
    expect(r.code).toBe(1);
    const [c, p, broken, summary] = ndjson(r.stdout);
    expect(c).toMatchObject({
      verdict: 'matched',
      mediaType: 'video/mp4',
      matches: [{ list: 'chair-20-sd-bar', entryId: 'chair-20-sd-bar', algorithm: 'vpdq', via: 'vpdq', queryPct: 100 }],
    });
    const m = (c!.matches as Array<{ comparedPct: number; ranges: number[][]; score: number }>)[0]!;
    expect(m.comparedPct).toBeGreaterThan(0);
    expect(m.ranges[0]![0]).toBe(0);
    expect(p).toMatchObject({ verdict: 'no_match', matches: [] });
    // A broken video fails with a code, its digests taken all the same.
    expect(broken).toMatchObject({
      verdict: 'failed',
      size: 50_000,
      md5: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
    });
    expect((broken!.error as { code: string }).code).toMatch(/^[a-z_]+$/);
    expect(summary!.summary).toMatchObject({ items: 3, matched: 1, no_match: 1, failed: 1 });

    const text = await tiphash(['scan', chair, '--list', chairList, '--format', 'text', '--keyframes']);
    expect(text.stdout).toMatch(
      /MATCHED .*chair-19-sd-bar\.mp4\n\s+chair-20-sd-bar\/chair-20-sd-bar by vpdq at distance \d+\/31, score \d+, \d+(\.\d+)?% of this video's frames/,
    );
  });

  it('refuses --every-frame with --keyframes', async () => {
    const r = await tiphash(['hash', '--every-frame', '--keyframes', chair]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid_argument/);
  });
});

describe('tiphash scan', () => {
  it('reports every item of a folder with its verdict, then a summary; exit 1 when something matched', async () => {
    const r = await tiphash(['scan', DEMO, '--dihedral-list', DEMO_LIST]);
    expect(r.code).toBe(1);
    const lines = ndjson(r.stdout);
    const summary = lines.pop()!.summary as Record<string, number>;
    expect(summary).toMatchObject({ items: 11, matched: 6, no_match: 2, failed: 3 });
    const bySource = new Map(lines.map((l) => [String(l.source).replace(/^.*case-0142\//, ''), l]));
    expect(bySource.get('photos/IMG_2041.jpg')).toMatchObject({
      verdict: 'matched',
      matches: [
        { list: 'demo.tiphash', entryId: 'DEMO-0001', algorithm: 'pdq', threshold: 31, category: 'demo-bridge' },
      ],
    });
    expect(bySource.get('photos/IMG_2042.jpg')).toMatchObject({ verdict: 'matched', matches: [{ via: 'rot270' }] });
    expect(bySource.get('downloads/repost_letterbox.jpg')).toMatchObject({
      verdict: 'matched',
      matches: [{ via: 'pdqTrimmed' }],
    });
    expect(bySource.get('downloads/partial.jpg')).toMatchObject({
      verdict: 'matched',
      matches: [{ algorithm: 'md5', distance: 0 }],
      error: { code: 'corrupt_media' },
    });
    expect(bySource.get('misc/empty.png')).toMatchObject({ verdict: 'failed', error: { code: 'empty_file' } });
    expect(bySource.get('misc/drawing.svg')).toMatchObject({ verdict: 'failed', error: { code: 'unsupported_type' } });
    expect(bySource.get('photos/street.jpg')).toMatchObject({ verdict: 'no_match', matches: [] });
    // An edited copy (smaller, lower bitrate) of a video whose frame hashes are in the list.
    expect(bySource.get('videos/VID_0007.mp4')).toMatchObject({
      verdict: 'matched',
      mediaType: 'video/mp4',
      matches: [{ list: 'demo.tiphash', entryId: 'DEMO-0004', algorithm: 'vpdq', via: 'vpdq', category: 'demo-video' }],
    });
    const video = (
      bySource.get('videos/VID_0007.mp4')!.matches as Array<{ queryPct: number; comparedPct: number }>
    )[0]!;
    expect(video.queryPct).toBeGreaterThanOrEqual(80);
    expect(video.comparedPct).toBeGreaterThanOrEqual(80);
    for (const l of lines) expect(Object.keys(l)).toEqual(expect.arrayContaining(['source', 'verdict', 'matches']));
  });

  it('exits 0 when nothing matched, and writes JSON and CSV reports to a file', async () => {
    const out = join(tmp, 'report.json');
    const r = await tiphash([
      'scan',
      join(DEMO, 'case-0142/photos/street.jpg'),
      '--list',
      DEMO_LIST,
      '--format',
      'json',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const report = JSON.parse(await readFile(out, 'utf8')) as { items: unknown[]; summary: Record<string, number> };
    expect(report.items).toHaveLength(1);
    expect(report.summary).toMatchObject({ items: 1, matched: 0, no_match: 1, failed: 0 });

    const csv = await tiphash([
      'scan',
      join(DEMO, 'case-0142/photos'),
      '--list',
      DEMO_LIST,
      '--format',
      'csv',
      '--dihedral',
    ]);
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe(
      'source,size,media_type,md5,sha1,sha256,verdict,list,entry_id,algorithm,distance,threshold,score,category,quality,low_confidence,via,query_pct,compared_pct,matched_ranges,error_code,error_message',
    );
    expect(rows.filter((l) => l.includes(',matched,'))).toHaveLength(2);
  });

  it('honours --threshold', async () => {
    const r = await tiphash([
      'scan',
      join(DEMO, 'case-0142/downloads/thumb_77.jpg'),
      '--list',
      DEMO_LIST,
      '--threshold',
      'pdq=8',
    ]);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)[0]).toMatchObject({ verdict: 'no_match' });
  });

  it.each([
    ['no list', ['scan', DEMO]],
    ['a missing list file', ['scan', DEMO, '--list', join(repoRoot, 'nope.csv')]],
    ['an unknown format', ['scan', DEMO, '--list', DEMO_LIST, '--format', 'xml']],
    ['an unknown option', ['scan', DEMO, '--list', DEMO_LIST, '--frobnicate']],
    ['a bad threshold', ['scan', DEMO, '--list', DEMO_LIST, '--threshold', 'md5=3']],
  ])('exits 2 with a message for %s', async (_what, args) => {
    const r = await tiphash(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tiphash scan: \w+: /);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for a list with no valid entry, naming the bad lines', async () => {
    const bad = join(tmp, 'bad.csv');
    await writeFile(bad, 'algorithm,hash,category,id\npdq,zz,,1\nmd5,123,,2\n');
    const r = await tiphash(['scan', DEMO, '--list', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/list_empty/);
  });

  it('loads the good lines of a list with some bad ones and says which were rejected', async () => {
    const mixed = join(tmp, 'mixed.csv');
    const good = (await readFile(DEMO_LIST, 'utf8')).trim();
    await writeFile(mixed, `${good}\npdq,not-hex,,X\n`);
    const r = await tiphash(['scan', join(DEMO, 'case-0142/photos/IMG_2041.jpg'), '--list', mixed]);
    expect(r.code).toBe(1);
    // The demo list's header and 7 rows, then the bad line.
    expect(r.stderr).toMatch(/1 line\(s\) rejected\n\s+line 9: /);
  });

  describe('URL sources', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      const body = await readFile(join(DEMO, 'case-0142/photos/IMG_2041.jpg'));
      server = createServer((req, res) => {
        if (req.url === '/img.jpg') res.end(body);
        else if (req.url === '/redirect') res.writeHead(302, { location: 'http://10.0.0.1/img.jpg' }).end();
        else res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('refuses a loopback URL unless it is explicitly allowed', async () => {
      const refused = await tiphash(['scan', `${base}/img.jpg`, '--list', DEMO_LIST]);
      expect(refused.code).toBe(0);
      expect(ndjson(refused.stdout)[0]).toMatchObject({ verdict: 'failed', error: { code: 'url_refused' } });

      const urls = join(tmp, 'urls.txt');
      await writeFile(urls, `# reported\n${base}/img.jpg\n\n${base}/missing.jpg\n${base}/redirect\n`);
      const allowed = await tiphash(['scan', '--urls', urls, '--list', DEMO_LIST, '--allow-private', '127.0.0.1']);
      expect(allowed.code).toBe(1);
      const [hit, missing, redirected] = ndjson(allowed.stdout);
      expect(hit).toMatchObject({ source: `${base}/img.jpg`, verdict: 'matched' });
      expect(missing).toMatchObject({ verdict: 'failed', error: { code: 'http_status' } });
      expect(redirected).toMatchObject({ verdict: 'failed', error: { code: 'url_refused' } });
    });
  });
});

describe('tiphash demo', () => {
  it('--scan-only scans the demo folder and shows matched, unmatched and failed items', async () => {
    const r = await tiphash(['demo', '--scan-only']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^MATCHED /m);
    expect(r.stdout).toMatch(/^NO_MATCH /m);
    expect(r.stdout).toMatch(/^FAILED /m);
    expect(r.stdout).toMatch(/^MATCHED .*videos\/VID_0007\.mp4\n\s+demo\.tiphash\/DEMO-0004 by vpdq /m);
    expect(r.stderr).toMatch(/11 items: 6 matched, 2 no_match, 3 failed/);
    expect(r.stdout).not.toMatch(/through the service/);
  });

  it(
    'then runs the same folder through the embedded service over HTTP, and leaves nothing behind',
    { timeout: 120_000 },
    async () => {
      const started = Date.now();
      const r = await tiphash(['demo']);
      const elapsed = Date.now() - started;
      expect(r.code, r.stderr).toBe(0);
      const out = r.stdout;
      // The scan comes first, unchanged.
      expect(r.stderr).toMatch(/tiphash scan: 11 items: 6 matched, 2 no_match, 3 failed/);
      expect(out.indexOf('MATCHED ')).toBeLessThan(out.indexOf('through the service'));

      const service = out.slice(out.indexOf('through the service'));
      expect(service).toMatch(/^ {2}service {2}http:\/\/127\.0\.0\.1:\d+ /m);
      expect(service).toMatch(
        /^ {2}admin {4}keys "demo-investigator" \(submitter\), "demo-analyst" \(analyst\); list "demo" \(dihedral\) v1: 7 entries, loaded$/m,
      );
      expect(service).toMatch(/^ {2}batch {4}\d+ "CASE-0142": 11 files uploaded/m);
      const row = (file: string) => new RegExp(`^ +\\d+ {2}${file.replace('.', '\\.')} +(\\S+) *(.*)$`, 'm');
      const verdicts: Record<string, [string, RegExp]> = {
        'partial.jpg': ['matched', /^demo\/DEMO-0002 md5 score 100$/],
        'repost_letterbox.jpg': ['matched', /^demo\/DEMO-0001 pdq \(pdqTrimmed\) score \d+$/],
        'scene.jpg': ['no_match', /^$/],
        'thumb_77.jpg': ['matched', /^demo\/DEMO-0001 pdq score \d+$/],
        'drawing.svg': ['failed', /^unsupported_type$/],
        'empty.png': ['failed', /^empty_file$/],
        'notes.jpg': ['failed', /^unsupported_type$/],
        'IMG_2041.jpg': ['matched', /^demo\/DEMO-0001 pdq score \d+$/],
        'IMG_2042.jpg': ['matched', /^demo\/DEMO-0001 pdq \(rot270\) score \d+$/],
        'street.jpg': ['no_match', /^$/],
        'VID_0007.mp4': ['matched', /^demo\/DEMO-0004 vpdq score \d+$/],
      };
      for (const [file, [verdict, what]] of Object.entries(verdicts)) {
        const m = row(file).exec(service);
        expect(m, file).not.toBeNull();
        expect([m![1], m![2]!.trim()], file).toEqual([verdict, expect.stringMatching(what)]);
      }
      expect(service).toMatch(/^ {2}summary {2}11 items: 6 matched, 2 no_match, 3 failed in /m);
      expect(service).toMatch(/^ {2}report {3}GET \/v1\/batches\/\d+\/report: digest sha256=[0-9a-f]{64}$/m);
      expect(service).toMatch(/^ {2}analyst {2}.*issued to demo-investigator for batch \d+; 6 matches await review$/m);
      expect(service).toMatch(/^ {2}audit {4}GET \/v1\/audit\/verify: \d+ rows, hash chain intact$/m);
      expect(service).toMatch(/npm start/);
      // Metadata only: no media bytes, no API key.
      expect(out).not.toMatch(/demo-admin-|Bearer/);

      // The temporary data folder (PGlite, staging) is gone, and the process ended by itself.
      const dir = /data in (\S+) \(temporary\)/.exec(service)?.[1];
      expect(dir).toBeDefined();
      expect(service).toContain(`the service closed; ${dir} removed`);
      await expect(stat(dir!)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(elapsed).toBeLessThan(60_000);
    },
  );
});
