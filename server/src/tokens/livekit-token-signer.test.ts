import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AccessToken, TokenVerifier } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import { LiveKitTokenSigner } from './livekit-token-signer.js';

const API_KEY = 'APIunit';
const API_SECRET = 'unit-secret-0123456789abcdef0123456789abcdef';
const video = { room: 'r1', roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true, roomAdmin: false };

describe('LiveKitTokenSigner', () => {
  it('writes the header and claims AccessToken writes, and TokenVerifier accepts its signature', async () => {
    const at = new AccessToken(API_KEY, API_SECRET, { identity: 'user-1', name: 'Ada', ttl: 600, metadata: '{"team":"blue"}', attributes: { role: 'host' } });
    at.addGrant(video);
    const theirs = await at.toJwt();
    const ours = new LiveKitTokenSigner(API_KEY, API_SECRET).sign({
      identity: 'user-1',
      ttlSeconds: 600,
      grants: { name: 'Ada', metadata: '{"team":"blue"}', attributes: { role: 'host' }, video },
    });
    expect(decodeProtectedHeader(ours.token)).toEqual(decodeProtectedHeader(theirs));
    const [a, b] = [decodeJwt(ours.token), decodeJwt(theirs)];
    // Signed a moment apart: the times may differ by the second boundary crossed between them.
    expect(Math.abs(a.nbf! - b.nbf!)).toBeLessThanOrEqual(1);
    expect({ ...a, nbf: 0, exp: 0 }).toEqual({ ...b, nbf: 0, exp: 0 });
    expect(a.exp! - a.nbf!).toBe(600);
    expect(ours.exp).toBe(a.exp);
    const verified = await new TokenVerifier(API_KEY, API_SECRET).verify(ours.token);
    expect(verified).toMatchObject({ sub: 'user-1', name: 'Ada', video, attributes: { role: 'host' } });
  });

  it('makes tokens that another secret does not verify', async () => {
    const { token } = new LiveKitTokenSigner(API_KEY, API_SECRET).sign({ identity: 'u', ttlSeconds: 60, grants: { video } });
    await expect(new TokenVerifier(API_KEY, `${API_SECRET}x`).verify(token)).rejects.toThrow();
  });
});
