/**
 * The analysts' review page end to end, in real headless Chromium (Debian's package driven by
 * playwright-core) against the API listening on 127.0.0.1 over PGlite: log in with a key,
 * review a match from the keyboard with a note (a false positive into an allow list), see the
 * audit row, switch to Thai and back, follow a batch to its end and download its case report.
 * Every view is checked for media elements and by axe-core; the CSP must block an injected
 * picture. Under CI=true a missing browser fails the suite instead of skipping it.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, recordResult, revokeApiKey } from '../src/store/index.js';
import { useApi } from './api-helpers.js';
import { seedReview, type Seeded } from './page-seed.js';

const CHROMIUM = '/usr/bin/chromium';
const run = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!run) process.stderr.write(`page tests: ${CHROMIUM} not found; skipped (they fail instead under CI=true)\n`);

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Browser-side checks are strings: the test compiles without the DOM library. */
const NO_MEDIA = `(() => {
  const elements = [...document.querySelectorAll('img, picture, source, video, audio, track, object, embed, iframe, frame, canvas, image, portal')]
    .map((e) => e.tagName.toLowerCase());
  const styled = [];
  for (const el of document.querySelectorAll('*')) {
    for (const pseudo of [null, '::before', '::after', '::marker']) {
      const s = getComputedStyle(el, pseudo);
      for (const prop of ['background-image', 'list-style-image', 'border-image-source', 'mask-image']) {
        if (s.getPropertyValue(prop) !== 'none') styled.push(el.tagName + (pseudo ?? '') + ' ' + prop);
      }
      if (/url\\(|image-set\\(/.test(s.getPropertyValue('content'))) styled.push(el.tagName + (pseudo ?? '') + ' content');
    }
  }
  return { elements, styled };
})()`;

const AXE_RUN = `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
  .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`;

describe.runIf(run)('the review page in Chromium', () => {
  const api = useApi('pglite');
  let seeded: Seeded;
  let base = '';
  let browser: Browser;
  let page: Page;
  let probe: Server;
  let probeUrl = '';
  let probeHits = 0;
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const shots = mkdtempSync(join(tmpdir(), 'tiphash-page-'));

  beforeAll(async () => {
    seeded = await seedReview(api().db, { submitter: api().keys.submitter.name, keyId: api().keys.submitter.id });
    await api().app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(api().app.server.address() as AddressInfo).port}`;
    // Anything that reaches this server got past the page's CSP.
    probe = createServer((_req, res) => {
      probeHits++;
      res.end();
    });
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    const context = await browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'en-GB',
      timezoneId: 'Asia/Bangkok',
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The probes below are logged as blocked by Chromium; page code breaking a rule would also throw (pageerror).
    page.on('console', (m) => {
      if (
        m.type() === 'error' &&
        !/Content Security Policy|Failed to load resource|requires 'TrustedHTML'/.test(m.text())
      )
        pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => probe?.close(resolve));
  });

  async function noMedia(where: string) {
    expect({ where, ...(await page.evaluate<{ elements: string[]; styled: string[] }>(NO_MEDIA)) }).toEqual({
      where,
      elements: [],
      styled: [],
    });
  }

  async function accessible(where: string) {
    if (!(await page.evaluate<boolean>("typeof axe === 'object'"))) await page.evaluate(AXE);
    const violations = await page.evaluate<Array<{ id: string; impact: string | null; nodes: string[] }>>(AXE_RUN);
    expect({ where, violations: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') }).toEqual({
      where,
      violations: [],
    });
  }

  const text = (selector: string) => page.locator(selector).innerText();
  const status = () => page.locator('#status');

  it('opens on the login form and refuses an unknown key', async () => {
    await page.goto(base);
    await page.locator('#login-key').waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await page.fill('#login-key', 'thk_not-a-real-key');
    await page.press('#login-key', 'Enter');
    await expect.poll(() => text('#login-error')).toMatch(/refused/);
    await noMedia('login');
    await accessible('login');
  });

  it('refuses a key whose role cannot review', async () => {
    await page.fill('#login-key', api().keys.submitter.key);
    await page.press('#login-key', 'Enter');
    await expect.poll(() => text('#login-error')).toMatch(/needs an analyst or administrator key/);
    expect(await page.evaluate("sessionStorage.getItem('tiphash.apiKey')")).toBeNull();
  });

  it('signs in with an analyst key kept in sessionStorage only, and shows the queue with what is known of each item', async () => {
    const key = api().keys.analyst.key;
    await page.fill('#login-key', key);
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.locator('#queue-body tr').count()).toBe(4);
    expect(await page.evaluate("sessionStorage.getItem('tiphash.apiKey')")).toBe(key);
    expect(await page.evaluate('JSON.stringify(localStorage) + document.cookie')).not.toContain(key);
    expect(page.url()).not.toContain(key);
    expect(await text('#who')).toContain(api().keys.analyst.name);

    const rows = page.locator('#queue-body tr');
    // Newest first: the video, the exact digest, the low-quality PDQ, the PDQ near-copy.
    expect(
      await rows.evaluateAll((trs) =>
        trs.map((tr) => Number((tr as unknown as { dataset: { matchId: string } }).dataset.matchId)),
      ),
    ).toEqual([seeded.matches.video, seeded.matches.exact, seeded.matches.lowQuality, seeded.matches.pdq]);
    const video = await rows.nth(0).innerText();
    expect(video).toContain('video/mp4 · 1,280 × 720 px · 3.4 MB · 30 frames');
    expect(video).toContain('Matched at 0:02–0:06.5, 0:12–0:14 of 0:30');
    expect(video).toContain(seeded.caseRef);
    expect(await rows.nth(1).innerText()).toMatch(/^100\b/);
    expect(await rows.nth(2).innerText()).toContain('low-quality hash');
    const pdq = await rows.nth(3).innerText();
    expect(pdq).toMatch(/distance 6 \/\s+threshold 31/);
    expect(pdq).toContain('image/jpeg · 640 × 480 px · 48.2 kB');
    expect(pdq).toContain(`ncmec-test-`);
    // Digests: short in the rows (full in their title), full in the review panel, one click to copy.
    const short = rows.nth(3).locator('.digest').first();
    expect(await short.innerText()).toMatch(/^sha256 [0-9a-f]{8}…[0-9a-f]{6}$/);
    expect(await short.getAttribute('title')).toMatch(/^[0-9a-f]{64}$/);
    expect(await page.locator('#review-summary').innerText()).toContain(`Match #${seeded.matches.video}`);
    const full = await page.locator('#review-details code.full-digest').first().innerText();
    expect(full).toMatch(/^[0-9a-f]{64}$/);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.locator('#review-details button', { hasText: 'Copy' }).first().click();
    await expect.poll(() => status().innerText()).toBe('sha256 copied.');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(full);
    await noMedia('queue');
    await accessible('queue');
  });

  it('filters by score range, and typing in a filter never records a verdict', async () => {
    await page.fill('#f-min', '50');
    await page.fill('#f-category', 'cfe');
    await page.fill('#f-category', '');
    await page.press('#f-min', 'Enter');
    await expect.poll(() => page.locator('#queue-body tr').count()).toBe(3);
    expect(page.url()).toContain('minScore=50');
    await page.click('#filters button[type=reset]');
    await expect.poll(() => page.locator('#queue-body tr').count()).toBe(4);
    expect(requests.filter((r) => r.startsWith('POST'))).toEqual([]);
  });

  it('reviews from the keyboard: a false positive with a note into an allow list, then a confirmation', async () => {
    await page.locator('#queue-body tr').first().click();
    for (let i = 0; i < 3; i++) await page.keyboard.press('j');
    expect(await page.locator('#queue-body tr[aria-current="true"]').getAttribute('data-match-id')).toBe(
      String(seeded.matches.pdq),
    );
    await page.selectOption('#review-allow', String(seeded.allowListId));
    await page.locator('#queue-body tr[aria-current="true"]').focus();
    await page.keyboard.press('n');
    expect(await page.evaluate('document.activeElement.id')).toBe('review-note');
    const note = 'Bridge at dusk; not the listed picture (checked case file)';
    await page.keyboard.type(note);
    await page.keyboard.press('Escape');
    expect(await page.evaluate("document.activeElement.closest('tr')?.dataset.matchId")).toBe(
      String(seeded.matches.pdq),
    );
    await page.keyboard.press('f');
    await expect
      .poll(() => status().innerText())
      .toMatch(
        new RegExp(
          `Match #${seeded.matches.pdq} marked as a false positive\\. Added to allow list known-fp-\\w+ \\(version 1\\)`,
        ),
      );
    expect(await page.locator(`#queue-body tr[data-match-id="${seeded.matches.pdq}"] td.verdict`).innerText()).toBe(
      'False positive',
    );

    await page.keyboard.press('k');
    await page.keyboard.press('c');
    await expect.poll(() => status().innerText()).toBe(`Match #${seeded.matches.lowQuality} confirmed.`);
    expect(requests.filter((r) => r.startsWith('POST'))).toEqual([
      `POST ${base}/v1/matches/${seeded.matches.pdq}/review`,
      `POST ${base}/v1/matches/${seeded.matches.lowQuality}/review`,
    ]);
    const reviews = await api().db.query<{ match_id: number; verdict: string; note: string | null; reviewer: string }>(
      'SELECT match_id, verdict, note, reviewer FROM reviews ORDER BY id',
    );
    expect(reviews).toEqual([
      { match_id: seeded.matches.pdq, verdict: 'false_positive', note, reviewer: api().keys.analyst.name },
      { match_id: seeded.matches.lowQuality, verdict: 'confirmed', note: null, reviewer: api().keys.analyst.name },
    ]);
    const [entry] = await api().db.query<{ added_by: string; added_note: string }>(
      'SELECT added_by, added_note FROM hash_entries WHERE list_id = $1',
      [seeded.allowListId],
    );
    expect(entry).toEqual({ added_by: api().keys.analyst.name, added_note: note });

    await page.keyboard.press('?');
    await expect.poll(() => page.locator('#shortcuts').isVisible()).toBe(true);
    await noMedia('shortcuts dialog');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#shortcuts').isVisible()).toBe(false);
    await page.screenshot({ path: join(shots, 'queue-en.png') });
  });

  it('shows the review in the audit view', async () => {
    await page.click('#nav a[data-view="activity"]');
    await expect.poll(() => page.locator('#activity-body tr').count()).toBeGreaterThanOrEqual(3);
    const rows = await page.locator('#activity-body tr').allInnerTexts();
    expect(rows[0]).toMatch(new RegExp(`Reviewed a match\\s+match:${seeded.matches.lowQuality}\\s+Confirmed`));
    expect(rows[1]).toMatch(
      new RegExp(
        `Added to an allow list\\s+list:${seeded.allowListId}\\s+1 entries in version 1 · note: Bridge at dusk`,
      ),
    );
    expect(rows[2]).toMatch(
      new RegExp(
        `Reviewed a match\\s+match:${seeded.matches.pdq}\\s+False positive · added to allow list #${seeded.allowListId}, version 1`,
      ),
    );
    expect(rows.every((r) => r.includes(api().keys.analyst.name))).toBe(true);
    await noMedia('activity');
    await accessible('activity');
  });

  it('switches to Thai, with Buddhist-era dates, keeps the choice across a reload, and switches back', async () => {
    await page.selectOption('#pref-lang', 'th');
    await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('th');
    expect(await text('#activity-title')).toBe('การดำเนินการล่าสุดของฉัน');
    expect(await text('#nav a[data-view="queue"]')).toBe('คิวตรวจสอบ');
    expect(await page.locator('#activity-body tr').first().innerText()).toContain('ตรวจสอบผลการจับคู่');
    const ce = new Date().getFullYear();
    await page.selectOption('#pref-calendar', 'buddhist');
    await expect.poll(() => page.locator('#activity-body tr td').first().innerText()).toContain(String(ce + 543));

    await page.reload();
    await expect.poll(() => page.locator('#activity-body tr').count()).toBeGreaterThanOrEqual(3);
    expect(await page.evaluate('document.documentElement.lang')).toBe('th');
    await page.click('#nav a[data-view="queue"]');
    await expect.poll(() => page.locator('#queue-body tr').count()).toBe(2);
    expect(await text('#queue-title')).toBe('คิวตรวจสอบ');
    expect(await page.locator('#review-panel .btn.falsepos').innerText()).toContain('ผลบวกลวง');
    await accessible('queue in Thai');
    await page.screenshot({ path: join(shots, 'queue-th.png') });

    await page.selectOption('#pref-lang', 'en');
    await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('en');
    expect(await text('#queue-title')).toBe('Review queue');
    expect(await page.locator('#queue-body tr td').nth(4).innerText()).toContain(`${ce + 543} BE`);
    await page.selectOption('#pref-calendar', 'gregory');
    expect(await page.locator('#queue-body tr td').nth(4).innerText()).toContain(String(ce));
  });

  it('follows a running batch to its end, lists its failures, and links and downloads the case report', async () => {
    await page.click(`#queue-body tr a[href="#/batch/${seeded.batchId}"]`);
    await expect.poll(() => text('#batch-state')).toBe('Running');
    expect(await text('#batch-progress-text')).toBe('6 of 7 items finished (86%)');
    expect(await page.locator('#failures-body tr').innerText()).toMatch(
      /broken-005\.jpg\s+The file is damaged and could not be decoded\.\s+The JPEG data ends early/,
    );
    expect(await page.locator('#items-body tr').count()).toBe(7);
    await noMedia('batch');
    await accessible('batch');

    // The last item finishes while the page watches: it polls and says so.
    await recordResult(api().db, seeded.items[6]!.id, { status: 'no_match', hashes: [], matches: [] });
    await expect.poll(() => text('#batch-state'), { timeout: 10_000 }).toBe('Finished');
    expect(await text('#batch-progress-text')).toBe('7 of 7 items finished (100%)');
    await expect.poll(() => page.locator('#items-body tr').nth(6).innerText()).toContain('No match');
    await page.screenshot({ path: join(shots, 'batch-en.png') });

    for (const format of ['csv', 'json', 'html']) {
      const href = (await page.locator(`#report-${format}`).getAttribute('href'))!;
      expect(href).toMatch(new RegExp(`^/v1/batches/${seeded.batchId}/report\\?format=${format}\\b`));
      expect(href).not.toContain(api().keys.analyst.key);
    }
    if (!api().app.hasRoute({ method: 'GET', url: '/v1/batches/:id/report' })) return;
    for (const format of ['csv', 'json', 'html']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#report-${format}`)]);
      const file = join(shots, `report.${format}`);
      await download.saveAs(file);
      const body = readFileSync(file, 'utf8');
      expect(body).toContain(seeded.caseRef);
      if (format === 'json') expect(() => JSON.parse(body) as unknown).not.toThrow();
      await expect.poll(() => status().innerText()).toMatch(/^Saved .+\. Report digest \(SHA-256\): [0-9a-f]{64}$/);
    }
  });

  it('never shows media: no media element in any view, and the CSP blocks pictures and video injected into the page', async () => {
    await page.evaluate(`(() => {
      window.blocked = [];
      document.addEventListener('securitypolicyviolation', (e) => window.blocked.push(e.effectiveDirective + ' ' + e.blockedURI));
      const img = document.createElement('img');
      img.src = '${probeUrl}/probe.png';
      const video = document.createElement('video');
      video.src = '${probeUrl}/probe.mp4';
      const div = document.createElement('div');
      div.style.backgroundImage = 'url(${probeUrl}/probe-background.png)';
      div.textContent = 'probe';
      for (const el of [img, video, div]) { el.className = 'injected-probe'; document.body.append(el); }
    })()`);
    await expect
      .poll(() => page.evaluate<string[]>('window.blocked.slice().sort()'))
      .toEqual([
        `img-src ${probeUrl}/probe-background.png`,
        `img-src ${probeUrl}/probe.png`,
        `media-src ${probeUrl}/probe.mp4`,
      ]);
    expect(probeHits).toBe(0);
    await page.evaluate("document.querySelectorAll('.injected-probe').forEach((e) => e.remove())");
    // Trusted Types: no string can become markup, so injected HTML cannot carry a picture either.
    expect(
      await page.evaluate<string>(
        `(() => { try { document.body.insertAdjacentHTML('beforeend', '<img src="${probeUrl}/probe-html.png">'); return 'inserted'; } catch (e) { return e.name; } })()`,
      ),
    ).toBe('TypeError');
    // The page's own element builder refuses media outright.
    expect(
      await page.evaluate<string>(
        "import('/page/dom.js').then((m) => { try { m.h('img'); return 'created'; } catch (e) { return e.message; } })",
      ),
    ).toMatch(/never creates <img>/);

    for (const view of ['#/queue?reviewed=', '#/activity', `#/batch/${seeded.batchId}`, '#/batch']) {
      await page.evaluate(`location.hash = '${view}'`);
      await page.waitForTimeout(300);
      await noMedia(view);
    }
    // Chromium reports the blocked attempts as requests; none reached the probe server.
    expect(requests.filter((r) => !r.includes(` ${base}/`) && !r.includes(` ${probeUrl}/probe`))).toEqual([]);
    expect(requests.filter((r) => r.includes(api().keys.analyst.key))).toEqual([]);
  });

  it('returns to the login form when the key is refused, and logging out forgets the key', async () => {
    await page.click('#logout');
    await page.locator('#login-key').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('tiphash.apiKey')")).toBeNull();

    const doomed = await createApiKey(api().db, { role: 'analyst', name: `doomed-${Date.now()}`, createdBy: 'test' });
    await page.fill('#login-key', doomed.key);
    await page.press('#login-key', 'Enter');
    // Back where the previous session left off (the batch form), as the same analyst would expect.
    await expect.poll(() => page.locator('#batch-title').isVisible()).toBe(true);
    await page.evaluate("location.hash = '#/queue'");
    await expect.poll(() => page.locator('#queue-title').isVisible()).toBe(true);
    await revokeApiKey(api().db, doomed.id, 'test');
    await page.click('#filters button[type=submit]');
    await expect.poll(() => text('#login-error')).toBe('Your key is no longer accepted. Sign in again.');
    expect(await page.evaluate("sessionStorage.getItem('tiphash.apiKey')")).toBeNull();
    expect(pageErrors).toEqual([]);
    process.stdout.write(`review page screenshots: ${shots}\n`);
  });
});
