import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../store/index.js';
import { StreamingDigest } from './digest.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('StreamingDigest', () => {
  it('equals the SHA-256 of the whole canonical JSON, whatever the items', () => {
    const json = fc.jsonValue() as fc.Arbitrary<unknown>;
    fc.assert(
      fc.property(fc.array(json, { maxLength: 5 }), json, json, json, (items, batch, summary, z) => {
        const head = { batch, generatedAt: '2025-01-01T00:00:00.000Z' };
        const tail = { lists: [], summary, zz: z };
        const d = new StreamingDigest(head);
        items.forEach((i) => d.item(i));
        expect(d.end(tail)).toBe(sha256(canonicalJson({ ...tail, items, ...head })));
      }),
    );
  });

  it('writes the canonical bytes RFC 8785 gives for a known report fragment', () => {
    const d = new StreamingDigest({ b: 'ร้าน "x"', a: 1.5 });
    d.item({ z: null, y: [1e21, -0, 0.1] });
    // By hand: members sorted, no whitespace, numbers as ECMAScript writes them, UTF-8 text unescaped.
    expect(d.end({ schema: 's' })).toBe(
      sha256('{"a":1.5,"b":"ร้าน \\"x\\"","items":[{"y":[1e+21,0,0.1],"z":null}],"schema":"s"}'),
    );
  });

  it('refuses a head or tail key that would break canonical order', () => {
    expect(() => new StreamingDigest({ summary: 1 })).toThrow(/before "items"/);
    const d = new StreamingDigest({});
    expect(() => d.end({ batch: 1 })).toThrow(/after "items"/);
  });
});
