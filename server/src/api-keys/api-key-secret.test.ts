import { describe, expect, it } from 'vitest';
import { hashApiKey, hashesEqual, keyPrefix, lookupIdOf, mintApiKey } from './api-key-secret.js';
import { firstUngrantable } from './grantable-scopes.js';

describe('API key text', () => {
  it('mints rtc_live_<lookup id>_<secret> and finds the lookup id again', () => {
    const minted = mintApiKey();
    expect(minted.key).toMatch(/^rtc_live_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(lookupIdOf(minted.key)).toBe(minted.lookupId);
    expect(minted.key.startsWith(`${keyPrefix(minted.lookupId)}_`)).toBe(true);
    expect(hashesEqual(minted.hash, hashApiKey(minted.key))).toBe(true);
  });

  it('refuses text that is not shaped like a key, without touching storage', () => {
    const { key } = mintApiKey();
    expect(lookupIdOf(`${key}x`)).toBeUndefined();
    expect(lookupIdOf(key.replace('rtc_live_', 'rtc_test_'))).toBeUndefined();
    expect(lookupIdOf('rtc_live_')).toBeUndefined();
    expect(lookupIdOf('rtc_live_0123456789abcdef_short')).toBeUndefined();
  });

  it('compares hashes by value and never throws on a length mismatch', () => {
    const a = hashApiKey('a');
    expect(hashesEqual(a, hashApiKey('a'))).toBe(true);
    expect(hashesEqual(a, hashApiKey('b'))).toBe(false);
    expect(hashesEqual(a, Buffer.alloc(3))).toBe(false);
  });
});

describe('firstUngrantable', () => {
  it('lets a key hand on what it holds, directly or through a wildcard', () => {
    expect(firstUngrantable(['rooms:read', 'keys:admin'], ['rooms:read'])).toBeUndefined();
    expect(firstUngrantable(['rooms:*'], ['rooms:write', 'rooms:*'])).toBeUndefined();
    expect(firstUngrantable(['*'], ['*', 'webhooks:*', 'keys:admin'])).toBeUndefined();
  });

  it('names the first scope the key does not hold', () => {
    expect(firstUngrantable(['keys:admin'], ['keys:admin', '*'])).toBe('*');
    expect(firstUngrantable(['rooms:read'], ['rooms:write'])).toBe('rooms:write');
    // Holding both verbs is not holding the wildcard, which would also cover verbs added later.
    expect(firstUngrantable(['rooms:read', 'rooms:write'], ['rooms:*'])).toBe('rooms:*');
  });
});
