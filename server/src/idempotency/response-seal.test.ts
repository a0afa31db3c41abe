import { describe, expect, it } from 'vitest';
import { keyHash, open, seal } from './response-seal.js';

describe('response seal', () => {
  const body = Buffer.from('{"key":"rtc_live_secret"}');

  it('opens with the same Idempotency-Key and key id, and hides the body', () => {
    const sealed = seal('idem-1', 'key_a', body);
    expect(sealed.includes(Buffer.from('rtc_live_secret'))).toBe(false);
    expect(open('idem-1', 'key_a', sealed)).toEqual(body);
    expect(seal('idem-1', 'key_a', body)).not.toEqual(sealed); // a fresh IV each time
  });

  it('refuses another Idempotency-Key, another key id, or an altered body', () => {
    const sealed = seal('idem-1', 'key_a', body);
    expect(() => open('idem-2', 'key_a', sealed)).toThrow();
    expect(() => open('idem-1', 'key_b', sealed)).toThrow();
    const altered = Buffer.from(sealed);
    altered[altered.length - 1]! ^= 1;
    expect(() => open('idem-1', 'key_a', altered)).toThrow();
    expect(() => open('idem-1', 'key_a', Buffer.alloc(3))).toThrow();
  });

  it('names a key by its SHA-256, never the key itself', () => {
    expect(keyHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
