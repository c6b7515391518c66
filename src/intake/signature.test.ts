import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_TOLERANCE_S, signWebhook, verifyWebhook } from './signature.js';

const secret = 's'.repeat(40);
const body = Buffer.from('{"tipId":"T-1","receivedAt":"2024-01-01T00:00:00Z","files":[]}');
const t = 1_700_000_000;
const at = (seconds: number) => new Date(seconds * 1000);

describe('webhook signatures', () => {
  it('signs `${t}.${body}` with HMAC-SHA256, as documented', () => {
    const hex = createHmac('sha256', secret).update(`${t}.${body.toString()}`).digest('hex');
    expect(signWebhook(secret, body, t)).toBe(`t=${t},v1=${hex}`);
  });

  it('accepts a fresh signature and says when its window closes', () => {
    const v = verifyWebhook(secret, signWebhook(secret, body, t), body, at(t + 10));
    expect(v.t).toBe(t);
    expect(v.expiresAt).toEqual(at(t + SIGNATURE_TOLERANCE_S));
  });

  it('accepts one matching v1 among several (secret rotation) and ignores unknown keys', () => {
    const good = signWebhook(secret, body, t).split(',')[1]!;
    const header = `t=${t},v1=${'0'.repeat(64)},${good},v2=whatever`;
    expect(verifyWebhook(secret, header, body, at(t)).v1).toBe(good.slice(3));
  });

  it('refuses a changed body, a moved timestamp, another secret, and malformed headers', () => {
    const header = signWebhook(secret, body, t);
    const invalid = { code: 'signature_invalid', status: 401 };
    expect(() => verifyWebhook(secret, header, Buffer.from(`${body.toString()} `), at(t))).toThrow(
      expect.objectContaining(invalid) as Error,
    );
    expect(() => verifyWebhook(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, at(t))).toThrow(
      expect.objectContaining(invalid) as Error,
    );
    expect(() => verifyWebhook('x'.repeat(40), header, body, at(t))).toThrow(expect.objectContaining(invalid) as Error);
    for (const bad of [undefined, '', 'v1=abc', `t=${t}`, `t=soon,v1=${'a'.repeat(64)}`, 'garbage']) {
      expect(() => verifyWebhook(secret, bad, body, at(t))).toThrow(expect.objectContaining(invalid) as Error);
    }
  });

  it('refuses a genuine signature outside the window on either side, naming the skew', () => {
    const header = signWebhook(secret, body, t);
    expect(() => verifyWebhook(secret, header, body, at(t + SIGNATURE_TOLERANCE_S))).not.toThrow();
    expect(() => verifyWebhook(secret, header, body, at(t - SIGNATURE_TOLERANCE_S))).not.toThrow();
    expect(() => verifyWebhook(secret, header, body, at(t + SIGNATURE_TOLERANCE_S + 1))).toThrow(/301 s in the past/);
    expect(() => verifyWebhook(secret, header, body, at(t - SIGNATURE_TOLERANCE_S - 1))).toThrow(/301 s in the future/);
    expect(() => verifyWebhook(secret, header, body, at(t - SIGNATURE_TOLERANCE_S - 1))).toThrow(
      expect.objectContaining({ code: 'signature_expired', status: 401 }) as Error,
    );
  });
});
