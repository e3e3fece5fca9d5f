import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The generic webhook's signature: HMAC-SHA256 over "<timestamp>.<raw body>" with the channel's
 * secret, sent as `X-Ultrabase-Signature: sha256=<hex>` beside `X-Ultrabase-Timestamp` (Unix
 * seconds). Signing the timestamp lets a receiver refuse old replays.
 */
export const SIGNATURE_HEADER = 'x-ultrabase-signature';
export const TIMESTAMP_HEADER = 'x-ultrabase-timestamp';
export const DELIVERY_HEADER = 'x-ultrabase-delivery';

export function signWebhook(secret: string, timestamp: number, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** What a receiver does (kept here so the test and any docs use the same rule). */
export function verifyWebhook(
  secret: string,
  timestamp: string | undefined,
  body: Buffer,
  signature: string | undefined,
): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
