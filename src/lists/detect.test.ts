import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect.js';

const detect = (text: string): ReturnType<typeof detectFormat> => detectFormat(Buffer.from(text, 'utf8'));
const BOM = '\uFEFF';

describe('detectFormat', () => {
  it('tells each format from its first bytes, with or without a BOM', () => {
    for (const prefix of ['', BOM]) {
      expect(detect(`${prefix}algorithm,hash,category,id\nmd5,x,,\n`)).toBe('tiphash-csv');
      expect(detect(`${prefix}id,hash,algorithm\r\n`)).toBe('tiphash-csv');
      expect(detect(`${prefix}signal_type,signal_str,collab,category,tags\n`)).toBe('pytx-csv');
      expect(detect(`${prefix}collab,signal_type,signal_str,category,tags\n`)).toBe('pytx-csv');
      expect(detect(`${prefix}# comment\n\npdq 0123\n`)).toBe('plain');
      expect(
        detect(
          `${prefix}{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","value":[`,
        ),
      ).toBe('vics');
      expect(
        detect(`${prefix}  {\r\n "odata.metadata" : "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases"`),
      ).toBe('vics');
    }
  });

  it('recognises nothing else', () => {
    expect(detect('{"value": []}')).toBeNull();
    expect(detect('md5,0123\n')).toBeNull(); // a headerless CSV
    expect(detect('just-one-token\n')).toBeNull();
    expect(detect('# only a comment\n')).toBeNull();
    expect(detectFormat(Buffer.from('\xff\xfea\x00l\x00g\x00', 'latin1'))).toBeNull(); // UTF-16
    expect(detectFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toBeNull();
  });
});
