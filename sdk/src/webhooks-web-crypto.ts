// verifyWebhook for runtimes without node:crypto; also published alone as `@rtcstack/sdk/web-crypto`.
import { parseBody, readSignature, WebhookVerificationError, type VerifyWebhookOptions, type WebhookEvent } from './webhook-signature.js';

export { SIGNATURE_HEADER, EVENT_ID_HEADER, WebhookVerificationError, type VerifyWebhookOptions, type WebhookEvent, type WebhookRejection, type HeadersLike } from './webhook-signature.js';

/**
 * verifyWebhook with Web Crypto (`crypto.subtle`) instead of node:crypto, for runtimes that have
 * only that (edge workers, Deno, browsers); `crypto.subtle.verify` compares in constant time.
 */
export async function verifyWebhookWebCrypto(opts: VerifyWebhookOptions): Promise<WebhookEvent> {
  const { timestamp, signatures } = readSignature(opts);
  const enc = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey('raw', enc.encode(opts.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const body = typeof opts.body === 'string' ? enc.encode(opts.body) : opts.body;
  const prefix = enc.encode(`${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  for (const s of signatures) {
    if (await globalThis.crypto.subtle.verify('HMAC', key, s, signed)) return parseBody(opts.body);
  }
  throw new WebhookVerificationError('signature-mismatch', 'the signature does not match this body and secret');
}

