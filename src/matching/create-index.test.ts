import { describe, expect, it } from 'vitest';
import { loadNative } from '../../native/index.js';
import { chooseKernel, createHammingIndex, requestedImpl } from './create-index.js';

describe('createHammingIndex', () => {
  it('reads TIPHASH_INDEX_IMPL and refuses other values', () => {
    expect(requestedImpl({})).toBeUndefined();
    expect(requestedImpl({ TIPHASH_INDEX_IMPL: 'ts' })).toBe('ts');
    expect(requestedImpl({ TIPHASH_INDEX_IMPL: 'native' })).toBe('native');
    expect(() => requestedImpl({ TIPHASH_INDEX_IMPL: 'gpu' })).toThrow(/TIPHASH_INDEX_IMPL/);
  });

  it('uses the addon when it loads, TypeScript when forced, and says which once', () => {
    const lines: string[] = [];
    const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
    const loaded = loadNative();
    const auto = createHammingIndex({ logger });
    expect(auto.impl).toBe(loaded.binding ? 'native' : 'ts');
    expect(createHammingIndex({ impl: 'ts', logger }).impl).toBe('ts');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      loaded.binding ? /Hamming index: native \((avx512|avx2|popcnt|generic)/ : /TypeScript fallback/,
    );
    if (!loaded.binding) expect(() => chooseKernel('native')).toThrow(/native Hamming index was requested/);
  });
});
