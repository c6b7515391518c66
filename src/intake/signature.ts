import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../core/errors.js';

/**
 * Webhook signatures (the tip portal's deliveries), Stripe-style:
 *
 *   X-Tiphash-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${raw body bytes}`)>
 *
 * The timestamp is inside the signed bytes, so it cannot be moved without the secret; a
 * delivery is accepted within SIGNATURE_TOLERANCE_S of the receiver's clock on either side.
 * Several v1 values may be sent (one per secret during a rotation); one must match. Other
 * keys are ignored, so a later scheme (v2) can be sent alongside.
 */
export const SIGNATURE_HEADER = 'x-tiphash-signature';
export const SIGNATURE_TOLERANCE_S = 300;

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const UNIX_SECONDS = /^[0-9]{1,12}$/;

export function webhookHmac(secret: string, t: number, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/** The header value a sender puts on `body` at time `t` (unix seconds). */
export function signWebhook(secret: string, body: Uint8Array | string, t: number): string {
  return `t=${t},v1=${webhookHmac(secret, t, body)}`;
}

export interface VerifiedSignature {
  t: number;
  /** The v1 value that matched: what replay protection records. */
  v1: string;
  /** When this delivery's window closes: a replay after it is refused by the window alone. */
  expiresAt: Date;
}

function parseHeader(header: string): { t: number; v1: string[] } {
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && UNIX_SECONDS.test(value)) t = Number(value);
    if (key === 'v1' && HEX_SHA256.test(value.toLowerCase())) v1.push(value.toLowerCase());
  }
  if (t === undefined || v1.length === 0) {
    throw new AppError(
      'signature_invalid',
      `Expected ${SIGNATURE_HEADER}: t=<unix seconds>,v1=<64 hex digits> but the header has no valid ${t === undefined ? 't' : 'v1'}`,
    );
  }
  return { t, v1 };
}

/**
 * Checks a delivery's signature against the raw body bytes, then its timestamp. The
 * signature is checked first so that a stale but genuine delivery is told it is stale
 * (clock skew at the sender), while a forged one learns nothing about the window.
 */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  body: Uint8Array,
  now: Date,
): VerifiedSignature {
  if (header === undefined || header === '') {
    throw new AppError('signature_invalid', `The ${SIGNATURE_HEADER} header is missing: deliveries must be signed`);
  }
  const { t, v1 } = parseHeader(header);
  const expected = Buffer.from(webhookHmac(secret, t, body), 'hex');
  const match = v1.find((candidate) => timingSafeEqual(Buffer.from(candidate, 'hex'), expected));
  if (match === undefined) {
    throw new AppError('signature_invalid', `The ${SIGNATURE_HEADER} signature does not match the body`);
  }
  const skew = Math.floor(now.getTime() / 1000) - t;
  if (Math.abs(skew) > SIGNATURE_TOLERANCE_S) {
    const where = skew > 0 ? `${skew} s in the past` : `${-skew} s in the future`;
    throw new AppError(
      'signature_expired',
      `The delivery's timestamp is ${where}; deliveries are accepted within ${SIGNATURE_TOLERANCE_S} s of this server's clock`,
    );
  }
  return { t, v1: match, expiresAt: new Date((t + SIGNATURE_TOLERANCE_S) * 1000) };
}
