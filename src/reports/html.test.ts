import { describe, expect, it } from 'vitest';
import { esc } from './html.js';
import { cssString } from './html-style.js';

describe('escaping store text into the report', () => {
  it('escapes HTML metacharacters', () => {
    expect(esc(`<script>"a" & 'b'</script>`)).toBe('&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;');
  });

  it('writes any text as one CSS string that cannot close itself or the style element', () => {
    const s = cssString(`CASE "1" \\ </style><ร้าน>\n`);
    expect(s).toMatch(/^"[^"<>\n]*"$/);
    expect(s).toContain('\\22 1\\22 ');
    expect(s).toContain('\\e23 ');
  });
});
