/**
 * The printable report's stylesheet: A4, the case and digest in every page's footer, table
 * headers repeated on each printed page, an item kept with its matches where it fits.
 * Fonts are the reader's own (no web fonts: the document loads nothing); the stacks name
 * common Thai faces so Thai text never falls back to boxes.
 */

/** A CSS string literal that cannot end itself or the <style> element, whatever it holds. */
export function cssString(s: string): string {
  return `"${[...s].map((c) => (/[\w .:/#·-]/.test(c) ? c : `\\${c.codePointAt(0)!.toString(16)} `)).join('')}"`;
}

const SANS =
  '"Noto Sans", "Noto Sans Thai", "Segoe UI", "Leelawadee UI", Tahoma, "Liberation Sans", Loma, Garuda, sans-serif';
const MONO = '"DejaVu Sans Mono", "Liberation Mono", Consolas, "Tlwg Mono", monospace';

export function reportStyle(footer: { left: string; page: string }): string {
  return `
@page { size: A4; margin: 14mm 12mm 16mm;
  @bottom-left { content: ${cssString(footer.left)}; font: 7pt ${MONO}; color: #444; }
  @bottom-right { content: ${cssString(footer.page)} " " counter(page) " / " counter(pages); font: 8pt ${SANS}; color: #444; } }
:root { --sans: ${SANS}; --mono: ${MONO}; }
* { box-sizing: border-box; }
html { color: #111; background: #fff; font: 10pt/1.45 var(--sans); }
body { margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 7mm 0 2.5mm; padding-bottom: 1mm; border-bottom: 1.5pt solid #111; break-after: avoid; }
p { margin: 1.5mm 0; }
code, .mono { font-family: var(--mono); font-size: 8pt; }
.brand { font: 700 9pt var(--mono); letter-spacing: .08em; text-transform: uppercase; margin: 0; color: #333; }
.case-ref { font-size: 13pt; font-weight: 600; margin: 0 0 3mm; }
.notice { border: 1pt solid #111; padding: 2mm 3mm; font-weight: 600; }
.warning { border: 1.5pt dashed #8a1c00; color: #8a1c00; padding: 2mm 3mm; font-weight: 600; }
.note { color: #333; font-size: 9pt; }
dl.facts { display: grid; grid-template-columns: 52mm 1fr; gap: 1mm 4mm; margin: 0; }
dl.facts dt { font-weight: 600; color: #333; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.digest { font: 600 9pt var(--mono); overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 1.2mm 1.5mm; border-bottom: .5pt solid #999; }
th { font-size: 8.5pt; background: #eee; border-bottom: 1pt solid #111; }
thead { display: table-header-group; }
tr, .facts-block { break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.counts { width: auto; min-width: 90mm; margin-bottom: 3mm; }
table.items > tbody { break-inside: avoid; }
table.items > tbody > tr:first-child > td { border-top: 1pt solid #111; border-bottom: none; }
table.items td.seq { width: 10mm; font-weight: 700; }
table.items td.src { width: 46mm; overflow-wrap: anywhere; }
table.items td.dig { width: 86mm; }
table.items td.dig div { display: grid; grid-template-columns: 13mm 1fr; }
table.items td.dig code { font-size: 7.5pt; overflow-wrap: anywhere; }
.k { font-size: 7.5pt; color: #444; }
.meta { font-size: 8.5pt; color: #444; }
.status { display: inline-block; padding: .3mm 1.5mm; border: 1pt solid #111; border-radius: 1mm; font-weight: 700; font-size: 8.5pt; }
.status.matched { background: #111; color: #fff; }
.status.failed { border-style: dashed; }
.err { font-size: 8.5pt; margin-top: 1mm; overflow-wrap: anywhere; }
tr.matches > td { padding: 0 0 2mm 0; border-bottom: none; }
table.matches { font-size: 8.5pt; border: .5pt solid #999; table-layout: fixed; }
table.matches td { overflow-wrap: anywhere; }
table.matches col.list { width: 21%; } table.matches col.entry { width: 14%; } table.matches col.algo { width: 14%; }
table.matches col.dist { width: 10%; } table.matches col.score { width: 8%; } table.matches col.cat { width: 9%; } table.matches col.review { width: 24%; }
table.matches th { background: #f4f4f4; font-size: 7.5pt; }
table.matches td.score { font-weight: 700; font-size: 10pt; }
.flag { font-weight: 700; color: #8a1c00; }
.review b { font-weight: 700; }
.review .when { color: #444; }
.review .earlier { color: #555; font-size: 7.5pt; margin-top: .8mm; }
.review q { display: block; quotes: none; margin-top: .8mm; padding-left: 1.5mm; border-left: 1.5pt solid #999; font-weight: 400; overflow-wrap: anywhere; }
section.items { break-before: page; }
section.verify { break-inside: avoid; }
.end { margin-top: 6mm; text-align: center; font-weight: 600; }
@media screen { body { padding: 10mm 8mm; } }
`;
}
