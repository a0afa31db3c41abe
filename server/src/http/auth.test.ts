import { describe, expect, it } from 'vitest';
import { hasValidApiKey, secretsEqual } from './auth.js';

describe('secretsEqual', () => {
  it('compares by value, whatever the lengths', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abd')).toBe(false);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
  });
  it('never accepts an absent or empty header', () => {
    expect(hasValidApiKey(undefined, 'x')).toBe(false);
    expect(hasValidApiKey('', '')).toBe(false);
  });
});
