/**
 * The page's colours, checked by computation (WCAG 2.x relative luminance): every text colour
 * against every background it is drawn on reaches 4.5:1, focus rings and the video timeline's
 * marks 3:1. Colours live only in :root, so these pairs are the whole palette in use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageDir } from '../src/api/routes/page.js';

const css = readFileSync(join(pageDir(), 'style.css'), 'utf8');
const rootBlock = /:root\s*\{([^}]*)\}/.exec(css)?.[1] ?? '';
const palette = Object.fromEntries(
  [...rootBlock.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map((m) => [m[1]!, m[2]!]),
);

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Rules that set both a text colour and a background: each is a pair drawn on screen. */
function declaredPairs(): Array<[string, string, string]> {
  const pairs: Array<[string, string, string]> = [];
  for (const m of css.matchAll(/([^{}]+)\{([^}]*)\}/g)) {
    const body = m[2]!;
    const fg = /(?:^|;|\s)color:\s*var\(--([\w-]+)\)/.exec(body)?.[1];
    const bg = /background(?:-color)?:\s*var\(--([\w-]+)\)/.exec(body)?.[1];
    if (fg && bg) pairs.push([m[1]!.trim(), fg, bg]);
  }
  return pairs;
}

/** Text that inherits its colour and sits on a background set by an ancestor. */
const INHERITED: Array<[string, string]> = [
  ['text', 'bg'],
  ['muted', 'bg'],
  ['link', 'bg'],
  ['text', 'panel'],
  ['muted', 'panel'],
  ['link', 'panel'],
  ['text', 'selected'],
  ['muted', 'selected'],
  ['link', 'selected'],
  ['text', 'reviewed'],
  ['muted', 'reviewed'],
  ['link', 'reviewed'],
  ['muted', 'code-bg'],
  ['text', 'code-bg'],
  ['confirm', 'bg'],
  ['falsepos', 'bg'],
  ['escalate', 'bg'],
  ['confirm', 'reviewed'],
  ['falsepos', 'reviewed'],
  ['escalate', 'reviewed'],
  ['error-text', 'bg'],
  ['head-text', 'head-bg'],
  ['head-muted', 'head-bg'],
];

describe('the review page colours', () => {
  it('keep every colour in :root and load nothing through url()', () => {
    expect(Object.keys(palette).length).toBeGreaterThan(20);
    const outside = css.replace(/:root\s*\{[^}]*\}/, '');
    expect(outside.match(/#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(/g)).toBeNull();
    expect(css).not.toMatch(/url\(/i);
    for (const m of outside.matchAll(/var\(--([\w-]+)\)/g)) expect(palette).toHaveProperty(m[1]!);
  });

  it('give text at least 4.5:1 against every background it is drawn on', () => {
    const pairs = [
      ...declaredPairs(),
      ...INHERITED.map(([fg, bg]): [string, string, string] => [`inherited ${fg}/${bg}`, fg, bg]),
    ];
    expect(pairs.length).toBeGreaterThan(30);
    const low = pairs
      .map(([where, fg, bg]) => ({
        where,
        fg,
        bg,
        ratio: Math.round(contrast(palette[fg]!, palette[bg]!) * 100) / 100,
      }))
      .filter((p) => p.ratio < 4.5);
    expect(low).toEqual([]);
  });

  it('give focus rings and timeline marks at least 3:1 against what surrounds them', () => {
    expect(contrast(palette.focus!, palette.bg!)).toBeGreaterThanOrEqual(3);
    expect(contrast(palette.focus!, palette.selected!)).toBeGreaterThanOrEqual(3);
    expect(contrast(palette['focus-on-dark']!, palette['head-bg']!)).toBeGreaterThanOrEqual(3);
    expect(contrast(palette.hit!, palette.track!)).toBeGreaterThanOrEqual(3);
    expect(contrast(palette.line!, palette.bg!)).toBeGreaterThanOrEqual(3);
  });

  it('computes contrast as WCAG defines it', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});
