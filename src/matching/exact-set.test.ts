import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import { ExactSet } from './exact-set.js';

const md5 = (s: string) => Uint8Array.from(createHash('md5').update(s).digest());

describe('ExactSet', () => {
  it('finds every id added under a digest and nothing else, across growth', () => {
    const set = new ExactSet(16);
    for (let i = 0; i < 5000; i++) set.add(i, md5(`file ${i}`));
    set.add(9999, md5('file 7')); // a second list entry with the same digest
    expect(set.lookup(md5('file 7')).sort((a, b) => a - b)).toEqual([7, 9999]);
    expect(set.lookup(md5('file 4999'))).toEqual([4999]);
    expect(set.has(md5('not in the list'))).toBe(false);
    expect(set.search(md5('file 3'), 0)).toEqual([{ id: 3, distance: 0 }]);
    expect(set.entries).toBe(5001);
  });

  it('removes by id at once, sweeps removed entries, and keeps an id added again', () => {
    const set = new ExactSet(16);
    for (let i = 0; i < 20; i++) set.add(i % 10, md5(`f${i}`));
    set.remove(3);
    expect(set.has(md5('f3'))).toBe(false);
    expect(set.has(md5('f13'))).toBe(false);
    expect(set.has(md5('f4'))).toBe(true);
    set.add(3, md5('f3'));
    expect(set.lookup(md5('f3'))).toEqual([3]);
    for (let id = 0; id < 10; id++) if (id !== 3) set.remove(id); // enough removals to sweep
    expect(set.entries).toBeLessThan(21);
    expect(set.lookup(md5('f3'))).toEqual([3]);
    for (let i = 0; i < 20; i++) if (i !== 3) expect(set.has(md5(`f${i}`))).toBe(false);
  });

  it('refuses digests of the wrong length', () => {
    const set = new ExactSet(20);
    try {
      set.add(1, md5('x'));
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err) && err.code).toBe('invalid_argument');
    }
    expect(() => new ExactSet(3)).toThrow(/digest width/);
  });
});
