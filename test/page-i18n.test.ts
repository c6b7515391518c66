/**
 * The page's Thai and English dictionaries: the same keys, no empty strings, the same
 * placeholders, Thai actually written in Thai, and every key the page's markup and code ask
 * for present (including the families built at run time: statuses, verdicts, roles, error codes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageDir } from '../src/api/routes/page.js';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { ITEM_STATUSES, ROLES } from '../src/store/index.js';

const dir = pageDir();
const read = (rel: string) => readFileSync(join(dir, rel), 'utf8');
const en = JSON.parse(read('i18n/en.json')) as Record<string, string>;
const th = JSON.parse(read('i18n/th.json')) as Record<string, string>;
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Strings that are the same in any language: names, symbols, placeholders only, file formats. */
const UNTRANSLATED = new Set(['app.name', 'common.none', 'auth.signedInAs', 'timeline.range', 'error.withDetail']);

describe('the review page dictionaries', () => {
  it('have the same keys, no empty values and the same placeholders', () => {
    expect(Object.keys(th).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(en)) {
      expect({ key, en: value.trim().length > 0, th: th[key]!.trim().length > 0 }).toEqual({ key, en: true, th: true });
      expect({ key, placeholders: placeholders(th[key]!) }).toEqual({ key, placeholders: placeholders(value) });
    }
  });

  it('are translated: every Thai string but a few names is written in Thai script', () => {
    const english = Object.entries(th).filter(
      ([key, value]) => !UNTRANSLATED.has(key) && !/[\u0E00-\u0E7F]/.test(value),
    );
    expect(english).toEqual([]);
  });

  it('hold every key the markup and the scripts use', () => {
    const html = read('index.html');
    const used = new Set<string>();
    for (const m of html.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) used.add(m[1]!);
    const scripts = readdirSync(dir).filter((f) => f.endsWith('.js'));
    const namespaces = new Set(Object.keys(en).map((k) => k.split('.')[0]));
    for (const file of scripts) {
      // Every quoted 'ns.key' whose namespace is a dictionary namespace is a key the code may show.
      for (const m of read(file).matchAll(/'([a-z]+(?:\.[A-Za-z_]+)+)'/g)) {
        if (namespaces.has(m[1]!.split('.')[0])) used.add(m[1]!);
      }
    }
    // Keys built at run time from a value.
    for (const s of ITEM_STATUSES) used.add(`status.${s}`);
    for (const r of ROLES) used.add(`role.${r}`);
    for (const v of ['confirmed', 'false_positive', 'escalate']) used.add(`verdict.state.${v}`).add(`review.done.${v}`);
    for (const k of ['investigator', 'tip']) used.add(`batch.kind.${k}`);
    for (const code of [...Object.keys(ERROR_CATALOGUE), 'network']) used.add(`code.${code}`);
    expect(used.size).toBeGreaterThan(150);
    expect([...used].filter((k) => !(k in en))).toEqual([]);
  });

  it('describe the audit actions the API records for reviews', () => {
    for (const action of ['match.review', 'list.allow_add', 'matches.read', 'results.read', 'batch.create']) {
      expect(en[`action.${action}`]).toBeTruthy();
    }
  });
});
