import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header that carries `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'X-Rtcstack-Signature';
/** Header that carries the event id, for the receiver's idempotency. */
export const EVENT_ID_HEADER = 'X-Rtcstack-Event-Id';

/** Signs a delivery body: HMAC-SHA256 over `${timestamp}.${body}`. */
export function signWebhook(secret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

/**
 * Checks a delivery the way a receiver should: the signature header must be ours for this exact
 * body, and no older than `toleranceSeconds` (five minutes by default) to defeat replays.
 */
export function verifyWebhook(secret: string, signatureHeader: string | undefined, rawBody: string | Buffer, toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  if (!signatureHeader) return false;
  const parts = Object.fromEntries(signatureHeader.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
