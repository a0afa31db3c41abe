import { describe, expect, it } from 'vitest';
import { TokensService } from './tokens-service.js';

const opts = { apiKey: 'APIkey', apiSecret: 's'.repeat(32), publicUrl: 'wss://lk.example', ttlSeconds: 600 };

describe('TokensService', () => {
  it('round-trips a token it issued to its bearer', async () => {
    const svc = new TokensService(opts);
    const { token, url } = await svc.issue({ roomId: 'room', userId: 'u1', name: 'U', role: 'moderator' });
    expect(url).toBe('wss://lk.example');
    expect(await svc.verify(token)).toEqual({ identity: 'u1', room: 'room', role: 'moderator' });
  });

  it('does not accept a token signed with another secret, or garbage', async () => {
    const other = new TokensService({ ...opts, apiSecret: 'x'.repeat(32) });
    const { token } = await other.issue({ roomId: 'room', userId: 'u1', name: 'U', role: 'host' });
    const svc = new TokensService(opts);
    expect(await svc.verify(token)).toBeUndefined();
    expect(await svc.verify('not.a.jwt')).toBeUndefined();
  });

  it('reports the expiry that the token carries, ttl from now', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { token, expiresAt } = await new TokensService(opts).issue({ roomId: 'r', userId: 'u', name: 'n', role: 'viewer' });
    const exp = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
    expect(expiresAt).toBe(new Date(exp * 1000).toISOString());
    expect(exp - before).toBeGreaterThanOrEqual(600);
    expect(exp - before).toBeLessThanOrEqual(601);
  });
});
