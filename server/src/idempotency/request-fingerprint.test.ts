import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint } from './request-fingerprint.js';

describe('fingerprint', () => {
  it('ignores key order and whitespace, not values or array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    const one = fingerprint('post', '/v1/rooms', { name: 'r', maxParticipants: 2 });
    expect(fingerprint('POST', '/v1/rooms', { maxParticipants: 2, name: 'r' })).toEqual(one);
    expect(fingerprint('POST', '/v1/rooms', { maxParticipants: 3, name: 'r' }).bodySha256).not.toBe(one.bodySha256);
    expect(fingerprint('POST', '/v1/x', { a: [1, 2] }).bodySha256).not.toBe(fingerprint('POST', '/v1/x', { a: [2, 1] }).bodySha256);
  });

  it('keeps the query, drops a trailing slash, and tells no body from an empty one', () => {
    expect(fingerprint('POST', '/v1/rooms/', undefined).path).toBe('/v1/rooms');
    expect(fingerprint('POST', '/v1/rooms/?a=1', undefined).path).toBe('/v1/rooms?a=1');
    expect(fingerprint('POST', '/', undefined).path).toBe('/');
    expect(fingerprint('POST', '/v1/x', undefined).bodySha256).not.toBe(fingerprint('POST', '/v1/x', {}).bodySha256);
  });
});
