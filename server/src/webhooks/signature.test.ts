import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './delivery-worker.js';
import { isPrivateAddress } from './destination-guard.js';
import { signWebhook, verifyWebhook } from './signature.js';

describe('webhook signatures', () => {
  const body = '{"id":"EV_1","type":"room_created"}';
  it('round-trips, and rejects another secret, another body or a stale timestamp', () => {
    const now = 1_700_000_000;
    const sig = signWebhook('s3cret-s3cret-s3cret', body, now);
    expect(sig).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook('s3cret-s3cret-s3cret', sig, body, 300, now + 10)).toBe(true);
    expect(verifyWebhook('other-secret-other', sig, body, 300, now)).toBe(false);
    expect(verifyWebhook('s3cret-s3cret-s3cret', sig, `${body} `, 300, now)).toBe(false);
    expect(verifyWebhook('s3cret-s3cret-s3cret', sig, body, 300, now + 301)).toBe(false);
    expect(verifyWebhook('s3cret-s3cret-s3cret', undefined, body)).toBe(false);
    expect(verifyWebhook('s3cret-s3cret-s3cret', 't=abc,v1=00', body)).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially, is capped, and jitters within [ceiling/2, ceiling]', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(retryDelayMs(3, 1000, 60_000, () => 0)).toBe(2000);
    expect(retryDelayMs(20, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('isPrivateAddress', () => {
  it('refuses loopback, private, link-local and mapped private addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '0.0.0.0']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
  });
  it('allows public addresses', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isPrivateAddress(a), a).toBe(false);
  });
});
