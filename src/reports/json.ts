import { digestField } from './digest.js';
import type { PreparedReport } from './snapshot.js';

/**
 * The report as JSON: the digest and the batch's facts first, then one item per line, so a
 * 100k-item report streams and a person can still read it in an editor. Member order is for
 * people; the digest is computed over the canonical form, whatever the order here.
 */
export async function* jsonReport(r: PreparedReport): AsyncGenerator<string> {
  const { head, tail } = r;
  const top: Record<string, unknown> = {
    schema: tail.schema,
    digest: digestField(r.digest),
    generatedAt: head.generatedAt,
    generatedBy: head.generatedBy,
    tiphashVersion: tail.tiphashVersion,
    batch: head.batch,
    summary: tail.summary,
    lists: tail.lists,
    listsEnabled: tail.listsEnabled,
  };
  yield `{${Object.entries(top)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(',\n')},\n"items":[`;
  let first = true;
  for await (const page of r.pages()) {
    const lines = page.map((item) => {
      const sep = first ? '\n' : ',\n';
      first = false;
      return sep + JSON.stringify(item);
    });
    if (lines.length > 0) yield lines.join('');
  }
  yield '\n]}\n';
}
