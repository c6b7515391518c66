import { splitCsvLine } from './csv-line.js';
import type { ListFormat } from './format.js';
import { stripComment } from './plain.js';
import { VPDQ_LINE } from './vpdq.js';

/** How many leading bytes detection looks at. */
export const DETECT_BYTES = 8192;

const VICS_CONTEXT = /"(@odata\.context|odata\.metadata)"\s*:/;

/**
 * Tells the list format from the first bytes of a file (a UTF-8 BOM allowed), or null when it
 * is none of them. CSV formats are told by their header; a headerless pytx CSV is read only
 * when the format is given explicitly, since its first row could be mistaken for other formats.
 */
export function detectFormat(head: Uint8Array): ListFormat | null {
  if (head.includes(0)) return null; // binary, or UTF-16
  let text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trimStart().startsWith('{')) return VICS_CONTEXT.test(text) ? 'vics' : null;
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  if (Array.isArray(header)) {
    const names = header.map((f) => f.trim().toLowerCase());
    if (names.includes('algorithm') && names.includes('hash')) return 'tiphash-csv';
    if (names.includes('signal_type') && names.includes('signal_str')) return 'pytx-csv';
  }
  const first = lines.map(stripComment).find((l) => l !== '');
  if (first !== undefined && VPDQ_LINE.test(first)) return 'vpdq';
  return first !== undefined && /^[^\s,]+\s+[^\s,]+/.test(first) ? 'plain' : null;
}
