import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseBody, readSignature, WebhookVerificationError, type VerifyWebhookOptions, type WebhookEvent } from './webhook-signature.js';

/**
 * Checks a webhook delivery the way the server signs it (HMAC-SHA256 over `${t}.${body}` with the
 * webhook's secret, in X-Rtcstack-Signature) and returns its event; throws WebhookVerificationError
 * when the signature is absent, wrong, or older than the tolerance. Compared in constant time.
 */
export function verifyWebhook(opts: VerifyWebhookOptions): WebhookEvent {
  const { timestamp, signatures } = readSignature(opts);
  const expected = createHmac('sha256', opts.secret).update(`${timestamp}.`).update(opts.body).digest();
  if (!signatures.some((s) => s.length === expected.length && timingSafeEqual(s, expected))) {
    throw new WebhookVerificationError('signature-mismatch', 'the signature does not match this body and secret');
  }
  return parseBody(opts.body);
}

