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

  it('reports the expiry that the token carries', async () => {
    const svc = new TokensService(opts, () => Date.parse('2025-01-01T12:00:00.400Z'));
    const { expiresAt } = await svc.issue({ roomId: 'r', userId: 'u', name: 'n', role: 'viewer' });
    expect(expiresAt).toBe('2025-01-01T12:10:00.000Z');
  });
});
