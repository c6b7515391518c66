/**
 * The printable report: one self-contained HTML document (print it to PDF from any browser).
 * It loads nothing and runs nothing: no script, no image, no media element, no web font, and
 * a Content-Security-Policy that forbids them all, admitting only its own stylesheet by hash.
 * Every value from the store is escaped.
 */
import { createHash } from 'node:crypto';
import { reportStyle } from './html-style.js';
import { Formatter, LABELS, type Labels, type ViewOptions } from './i18n.js';
import type { ReportItem, ReportMatch, ReportReview } from './model.js';
import type { PreparedReport } from './snapshot.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const DASH = '—';

/** A SHA-256 wraps into two halves of 32, which people compare more easily than a ragged break. */
const split = (v: string | null) =>
  v === null ? DASH : v.length > 40 ? `${esc(v.slice(0, 32))}<wbr>${esc(v.slice(32))}` : esc(v);
const text = (s: string | null | undefined) => (s === null || s === undefined || s === '' ? DASH : esc(s));

/** The policy, also sent as a response header by the API. */
export function reportCsp(styleHash: string): string {
  return [
    "default-src 'none'",
    "img-src 'none'",
    "media-src 'none'",
    "script-src 'none'",
    "font-src 'none'",
    `style-src '${styleHash}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Seconds as m:ss or m:ss.s, for video time ranges. */
function clock(sec: number): string {
  const m = Math.floor(sec / 60);
  const s = sec - m * 60;
  const ss = Number.isInteger(s) ? String(s) : s.toFixed(1);
  return `${m}:${ss.padStart(ss.includes('.') ? 4 : 2, '0')}`;
}

class Html {
  readonly t: Labels;
  readonly f: Formatter;

  constructor(
    readonly r: PreparedReport,
    view: ViewOptions,
  ) {
    this.t = LABELS[view.lang];
    this.f = new Formatter(view);
  }

  private when(iso: string | null): string {
    return iso === null ? DASH : esc(this.f.dateTime(iso));
  }

  private facts(rows: Array<[string, string]>): string {
    return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
  }

  private table(cls: string, head: string[], rows: string[][], numeric: number[] = []): string {
    const cell = (tag: string, i: number, v: string) =>
      `<${tag}${numeric.includes(i) ? ' class="num"' : ''}>${v}</${tag}>`;
    return (
      `<table class="${cls}"><thead><tr>${head.map((h, i) => cell('th', i, esc(h))).join('')}</tr></thead>` +
      `<tbody>${rows.map((r) => `<tr>${r.map((v, i) => cell('td', i, v)).join('')}</tr>`).join('')}</tbody></table>`
    );
  }

  document(styleHash: string, style: string): string {
    const { t } = this;
    const { batch, generatedAt, generatedBy } = this.r.head;
    const { summary, tiphashVersion } = this.r.tail;
    const titled = [t.title, batch.caseRef, `${t.batch} ${batch.id}`].filter((s): s is string => s !== null);
    return (
      `<!DOCTYPE html>\n<html lang="${this.f.view.lang}"><head><meta charset="utf-8">` +
      `<meta http-equiv="Content-Security-Policy" content="${esc(reportCsp(styleHash))}">` +
      `<meta name="referrer" content="no-referrer">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<meta name="tiphash-report-digest" content="sha256:${this.r.digest}">` +
      `<title>${esc(titled.join(' · '))}</title><style>${style}</style></head><body>\n` +
      `<header><p class="brand">tiphash</p><h1>${esc(t.title)}</h1>` +
      `<p class="case-ref">${text(batch.caseRef)} · ${esc(t.batch)} ${batch.id}</p>` +
      `<p class="notice">${esc(t.metadataOnly)}</p>` +
      (summary.status === 'running' ? `<p class="warning">${esc(t.partial)}</p>` : '') +
      `</header>\n<section class="facts-block"><h2>${esc(t.sections.case)}</h2>` +
      this.facts([
        [t.caseRef, text(batch.caseRef)],
        [t.batch, String(batch.id)],
        [t.kind, esc(t.kinds[batch.kind])],
        ...(batch.tipId === null ? [] : [[t.tipId, esc(batch.tipId)] as [string, string]]),
        [t.submittedBy, esc(batch.submittedBy)],
        [t.receivedAt, this.when(batch.receivedAt)],
        [t.createdAt, this.when(batch.createdAt)],
        [t.finishedAt, this.when(summary.finishedAt)],
        [t.status, esc(t.batchStatus[summary.status])],
      ]) +
      `</section>\n<section class="facts-block"><h2>${esc(t.sections.report)}</h2>` +
      this.facts([
        [t.generatedAt, this.when(generatedAt)],
        [t.generatedBy, esc(generatedBy)],
        [t.tiphashVersion, esc(tiphashVersion)],
        [t.timeZone, esc(this.f.zone(generatedAt))],
        [t.digest, `<span class="digest">${split(this.r.digest)}</span>`],
      ]) +
      `</section>\n${this.summary()}\n${this.lists()}\n` +
      `<section class="items"><h2>${esc(t.sections.items)}</h2><p class="note">${esc(t.scoreNote)}</p>` +
      `<table class="items"><thead><tr><th>${esc(t.seq)}</th><th>${esc(t.itemSource)}</th>` +
      `<th>${esc(t.digests)}</th><th>${esc(t.result)}</th></tr></thead>\n`
    );
  }

  private summary(): string {
    const { t, f } = this;
    const s = this.r.tail.summary;
    const n = (x: number) => esc(f.num(x));
    // Queued and processing only matter while the batch runs.
    const statuses = (['matched', 'no_match', 'failed', 'queued', 'processing'] as const).filter(
      (k) => s.items[k] > 0 || (k !== 'queued' && k !== 'processing'),
    );
    const total = Object.values(s.items).reduce((a, b) => a + b, 0);
    return (
      `<section class="facts-block"><h2>${esc(t.sections.summary)}</h2>` +
      this.table(
        'counts',
        [t.itemCount, ''],
        [
          ...statuses.map((k) => [esc(t.statuses[k]), n(s.items[k])]),
          [`<b>${esc(t.itemCount)}</b>`, `<b>${n(total)}</b>`],
        ],
        [1],
      ) +
      this.table(
        'counts',
        [t.outcomesTitle, ''],
        [
          ...(['confirmed', 'false_positive', 'escalate', 'unreviewed'] as const).map((k) => [
            esc(t.outcomes[k]),
            n(s.outcomes[k]),
          ]),
          [`<b>${esc(t.matchCount)}</b>`, `<b>${n(s.matches)}</b>`],
        ],
        [1],
      ) +
      `</section>`
    );
  }

  private lists(): string {
    const { t, f } = this;
    const { lists, listsEnabled } = this.r.tail;
    const used =
      lists.length === 0
        ? `<p>${esc(t.noLists)}</p>`
        : this.table(
            'lists',
            [t.list, t.source, t.listVersion, t.importedAt, t.importedBy, t.entries],
            lists.map((l) => [
              `<b>${esc(l.name)}</b><div class="meta">${esc(t.listKinds[l.kind])} · ${esc(l.format)}</div>`,
              text(l.source),
              String(l.version),
              this.when(l.importedAt),
              esc(l.importedBy),
              esc(f.num(l.entries)),
            ]),
            [2, 5],
          );
    const enabled = this.table(
      'lists',
      [t.list, t.source, t.currentVersion],
      listsEnabled.map((l) => [
        `${esc(l.name)}<div class="meta">${esc(t.listKinds[l.kind])}</div>`,
        text(l.source),
        l.currentVersion === null ? DASH : String(l.currentVersion),
      ]),
      [2],
    );
    return (
      `<section class="facts-block"><h2>${esc(t.sections.lists)}</h2>${used}</section>\n` +
      `<section class="facts-block"><h2>${esc(t.sections.listsEnabled)}</h2><p class="note">${esc(t.listsEnabledNote)}</p>${enabled}</section>`
    );
  }

  item(item: ReportItem): string {
    const { t, f } = this;
    const meta = [
      t.sourceKinds[item.sourceKind],
      item.mediaType,
      item.size === null ? null : `${f.num(item.size)} ${t.bytes}`,
      item.width === null || item.height === null ? null : `${f.num(item.width)} × ${f.num(item.height)} ${t.pixels}`,
    ].filter((s): s is string => s !== null);
    const digest = (k: string, v: string | null) => `<div><span class="k">${k}</span><code>${split(v)}</code></div>`;
    const gloss = item.error ? t.errors[item.error.code] : undefined;
    const error = item.error
      ? `<div class="err"><b>${esc(t.error)}:</b> <code>${esc(item.error.code)}</code>${gloss ? ` ${esc(gloss)}` : ''}<br>${esc(item.error.message)}</div>`
      : '';
    const row =
      `<tr><td class="seq">${item.seq}</td>` +
      `<td class="src">${esc(item.source)}<div class="meta">${esc(meta.join(' · '))}</div></td>` +
      `<td class="dig">${digest('SHA-256', item.sha256)}${digest('MD5', item.md5)}${digest('SHA-1', item.sha1)}</td>` +
      `<td class="res"><span class="status ${item.status}">${esc(t.statuses[item.status])}</span>${error}</td></tr>`;
    return `<tbody>${row}${item.matches.length > 0 ? this.matches(item.matches) : ''}</tbody>\n`;
  }

  private matches(ms: ReportMatch[]): string {
    const { t } = this;
    const head = [t.list, t.entry, t.algorithm, t.distance, t.score, t.category, t.review];
    const rows = ms.map((m) => {
      const details = [
        m.via !== null && m.via !== m.algorithm && m.via !== 'digest' ? `${t.via} ${m.via}` : null,
        m.quality === null ? null : `${t.quality} ${m.quality}`,
      ].filter((s): s is string => s !== null);
      const cells = [
        `${esc(m.list.name)} <span class="meta">${esc(t.listVersion)} ${m.list.version}</span>`,
        `<code>${esc(m.entry.externalId ?? String(m.entry.id))}</code>`,
        `${esc(m.algorithm)}${details.length > 0 ? `<div class="meta">${esc(details.join(' · '))}</div>` : ''}` +
          (m.lowConfidence ? `<div class="flag">${esc(t.lowQuality)}</div>` : ''),
        `${m.distance} / ${m.threshold}`,
        esc(this.f.num(m.score)),
        text(m.category),
        this.review(m.reviews),
      ];
      const video = m.video ? `<tr><td colspan="7" class="meta">${this.video(m.video)}</td></tr>` : '';
      return `<tr>${cells.map((c, i) => `<td${i === 4 ? ' class="score num"' : ''}>${c}</td>`).join('')}</tr>${video}`;
    });
    return (
      `<tr class="matches"><td></td><td colspan="3"><table class="matches">` +
      `<colgroup>${['list', 'entry', 'algo', 'dist', 'score', 'cat', 'review'].map((c) => `<col class="${c}">`).join('')}</colgroup><thead><tr>` +
      `${head.map((h, i) => `<th${i === 4 ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead>` +
      `<tbody>${rows.join('')}</tbody></table></td></tr>`
    );
  }

  private video(v: NonNullable<ReportMatch['video']>): string {
    const { t, f } = this;
    const pct = (x: number | null, of: string) => (x === null ? null : `${f.num(x)}% ${of}`);
    const shares = [pct(v.queryPct, t.ofThisVideo), pct(v.comparedPct, t.ofListedVideo)].filter(
      (s): s is string => s !== null,
    );
    const ranges = v.ranges.map(([a, b]) => `${clock(a)}–${clock(b)}`).join(', ');
    return esc(`${t.framesMatched}: ${shares.join(', ')}${ranges ? `; ${t.at} ${ranges}` : ''}`);
  }

  private review(reviews: ReportReview[]): string {
    const { t } = this;
    const latest = reviews[reviews.length - 1];
    if (!latest) return `<span class="meta">${esc(t.outcomes.unreviewed)}</span>`;
    const line = (r: ReportReview) =>
      `${esc(t.outcomes[r.verdict])} ${esc(t.by)} ${esc(r.reviewer)}, <span class="when">${this.when(r.at)}</span>`;
    const earlier = reviews
      .slice(0, -1)
      .map((r) => `<div class="earlier">${esc(t.earlier)}: ${line(r)}${r.note ? ` <q>${esc(r.note)}</q>` : ''}</div>`)
      .join('');
    return `<div class="review"><b>${line(latest)}</b>${latest.note ? `<q>${esc(latest.note)}</q>` : ''}${earlier}</div>`;
  }

  end(): string {
    const { t } = this;
    return (
      `</table></section>\n<section class="verify"><h2>${esc(t.sections.verify)}</h2>` +
      `<p>${esc(t.digest)}:</p><p class="digest">${split(this.r.digest)}</p><p class="note">${esc(t.digestHelp)}</p>` +
      `<p class="end">${esc(t.endOfReport)}</p></section>\n</body></html>\n`
    );
  }
}

export interface HtmlReport {
  /** The Content-Security-Policy the document carries, for the response header too. */
  csp: string;
  chunks: AsyncGenerator<string>;
}

export function htmlReport(r: PreparedReport, view: ViewOptions): HtmlReport {
  const html = new Html(r, view);
  const { batch } = r.head;
  const footer = `tiphash · ${[batch.caseRef, `#${batch.id}`].filter(Boolean).join(' · ')} · sha256 ${r.digest.slice(0, 16)}…`;
  const style = reportStyle({ left: footer, page: html.t.page });
  const styleHash = `sha256-${createHash('sha256').update(style).digest('base64')}`;
  async function* chunks(): AsyncGenerator<string> {
    yield html.document(styleHash, style);
    for await (const page of r.pages()) yield page.map((item) => html.item(item)).join('');
    yield html.end();
  }
  return { csp: reportCsp(styleHash), chunks: chunks() };
}
