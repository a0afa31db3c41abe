import { describe, expect, it } from 'vitest';
import { keyAuthenticator, secretsEqual } from './auth.js';
import { grants } from './scopes.js';

describe('secretsEqual', () => {
  it('compares by value, whatever the lengths', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abd')).toBe(false);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
  });
});

describe('keyAuthenticator', () => {
  const stored = { keyId: 'key_1', prefix: 'rtc_live_x', name: 'ci', scopes: ['rooms:read'], bootstrap: false };
  const authenticate = keyAuthenticator('the-bootstrap-secret', async (k) => (k === 'rtc_live_x_s' ? stored : undefined));
  it('accepts API_SECRET as the bootstrap key with every scope', async () => {
    expect(await authenticate('the-bootstrap-secret')).toMatchObject({ bootstrap: true, scopes: ['*'] });
  });
  it('asks the store only for values that look like stored keys', async () => {
    expect(await authenticate('rtc_live_x_s')).toBe(stored);
    expect(await authenticate('something-else')).toBeUndefined();
  });
  it('never accepts an absent or empty header', async () => {
    expect(await authenticate(undefined)).toBeUndefined();
    expect(await authenticate('')).toBeUndefined();
  });
});

describe('grants', () => {
  it('matches a scope directly, through its resource wildcard, or through *', () => {
    expect(grants(['rooms:read'], 'rooms:read')).toBe(true);
    expect(grants(['rooms:read'], 'rooms:write')).toBe(false);
    expect(grants(['rooms:*'], 'rooms:write')).toBe(true);
    expect(grants(['recordings:*'], 'rooms:write')).toBe(false);
    expect(grants(['*'], 'keys:admin')).toBe(true);
    expect(grants([], 'rooms:read')).toBe(false);
  });
});
