import { describe, expect, it } from 'vitest';
// The server's own signer: what verifyWebhook must accept is exactly what the server sends.
import { signWebhook } from '../../server/src/webhooks/signature.js';
import { verifyWebhook, verifyWebhookWebCrypto, WebhookVerificationError, type VerifyWebhookOptions } from '../src/index.js';

const secret = 'whsec_0123456789abcdefghijklmnop';
const body = JSON.stringify({ id: 'EV_1', type: 'room_created', createdAt: '2026-03-01T12:00:00.000Z', data: { room: { name: 'r' } } });
const now = 1_772_366_400;
const signed = (b = body, t = now, s = secret) => ({ 'x-rtcstack-signature': signWebhook(s, b, t) });

function reason(opts: VerifyWebhookOptions): string | undefined {
  try {
    verifyWebhook(opts);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookVerificationError);
    return (err as WebhookVerificationError).reason;
  }
}

describe('verifyWebhook', () => {
  it("accepts the server's signature over the raw body and returns the event", () => {
    expect(verifyWebhook({ body, headers: signed(), secret, nowSeconds: now })).toMatchObject({ id: 'EV_1', type: 'room_created' });
    expect(verifyWebhook({ body: Buffer.from(body), headers: signed(), secret, nowSeconds: now + 299 }).id).toBe('EV_1');
  });

  it('reads Node, fetch and mixed-case headers alike', () => {
    const value = signed()['x-rtcstack-signature'];
    expect(verifyWebhook({ body, headers: new Headers({ 'X-Rtcstack-Signature': value }), secret, nowSeconds: now }).id).toBe('EV_1');
    expect(verifyWebhook({ body, headers: { 'X-Rtcstack-Signature': value }, secret, nowSeconds: now }).id).toBe('EV_1');
    expect(verifyWebhook({ body, headers: { 'x-rtcstack-signature': [value] }, secret, nowSeconds: now }).id).toBe('EV_1');
  });

  it('refuses a tampered body, another secret, and a header it cannot read', () => {
    expect(reason({ body: body.replace('"r"', '"s"'), headers: signed(), secret, nowSeconds: now })).toBe('signature-mismatch');
    expect(reason({ body: `${body} `, headers: signed(), secret, nowSeconds: now })).toBe('signature-mismatch');
    expect(reason({ body, headers: signed(body, now, 'whsec_another-secret-entirely'), secret, nowSeconds: now })).toBe('signature-mismatch');
    expect(reason({ body, headers: {}, secret, nowSeconds: now })).toBe('missing-signature');
    expect(reason({ body, headers: { 'x-rtcstack-signature': 'sha256=abc' }, secret, nowSeconds: now })).toBe('malformed-signature');
    expect(reason({ body, headers: { 'x-rtcstack-signature': `t=${now},v1=zz` }, secret, nowSeconds: now })).toBe('malformed-signature');
  });

  it('refuses a signature older (or newer) than the tolerance, a replay', () => {
    expect(reason({ body, headers: signed(body, now - 301), secret, nowSeconds: now })).toBe('stale-timestamp');
    expect(reason({ body, headers: signed(body, now + 301), secret, nowSeconds: now })).toBe('stale-timestamp');
    expect(reason({ body, headers: signed(body, now - 20), secret, nowSeconds: now, toleranceSeconds: 10 })).toBe('stale-timestamp');
  });

  it('accepts any one of several v1 signatures (as while a secret rotates)', () => {
    const good = signWebhook(secret, body, now).split(',')[1];
    const other = signWebhook('whsec_the-old-secret-of-this-hook', body, now).split(',')[1];
    expect(verifyWebhook({ body, headers: { 'x-rtcstack-signature': `t=${now},${other},${good}` }, secret, nowSeconds: now }).id).toBe('EV_1');
  });

  it('gives the same answers with Web Crypto', async () => {
    expect((await verifyWebhookWebCrypto({ body, headers: signed(), secret, nowSeconds: now })).id).toBe('EV_1');
    expect((await verifyWebhookWebCrypto({ body: new TextEncoder().encode(body), headers: signed(), secret, nowSeconds: now })).id).toBe('EV_1');
    await expect(verifyWebhookWebCrypto({ body: `${body} `, headers: signed(), secret, nowSeconds: now })).rejects.toMatchObject({ reason: 'signature-mismatch' });
    await expect(verifyWebhookWebCrypto({ body, headers: signed(body, now - 301), secret, nowSeconds: now })).rejects.toMatchObject({ reason: 'stale-timestamp' });
  });
});
