import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isUnstorableText } from './db-errors.js';

describe('isDatabaseUnavailable', () => {
  it('recognises connection failures and pool timeouts', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { name: 'KnexTimeoutError' }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([Object.assign(new Error('v6'), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Query read timeout'))).toBe(true);
  });
  it('does not mistake query errors for an outage', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('isUnstorableText', () => {
  it('recognises a NUL character refused in text or JSON', () => {
    expect(isUnstorableText(Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }))).toBe(true);
    expect(isUnstorableText(Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }))).toBe(true);
    expect(isUnstorableText(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });
});
