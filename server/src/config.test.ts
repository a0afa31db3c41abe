import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const valid = {
  API_SECRET: 'a'.repeat(32),
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  LIVEKIT_URL: 'http://127.0.0.1:7880/',
  LIVEKIT_API_KEY: 'APIkey',
  LIVEKIT_API_SECRET: 's'.repeat(32),
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_BUCKET: 'recordings',
  S3_ACCESS_KEY: 'minio',
  S3_SECRET_KEY: 'minio-secret',
};

describe('loadConfig', () => {
  it('parses a minimal environment with defaults, frozen', () => {
    const c = loadConfig(valid);
    expect(c.http.port).toBe(3000);
    expect(c.livekit.url).toBe('http://127.0.0.1:7880');
    expect(c.livekit.publicUrl).toBe('ws://127.0.0.1:7880');
    expect(c.tokenTtlSeconds).toBe(3600);
    expect(c.sidecars.sttLiveUrl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.livekit)).toBe(true);
  });

  it('names every missing or bad variable, and secrets have no default', () => {
    try {
      loadConfig({ ...valid, API_SECRET: undefined, PORT: 'eighty', LIVEKIT_URL: 'ftp://x', LIVEKIT_API_SECRET: 'short' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).issues.map((i) => i.split(':')[0]);
      expect(names.sort()).toEqual(['API_SECRET', 'LIVEKIT_API_SECRET', 'LIVEKIT_URL', 'PORT']);
      expect((err as ConfigError).message).toMatch(/API_SECRET is required/);
    }
  });

  it('rate-limits every key at 600 a minute by default; API_SECRET follows RATE_LIMIT_PER_MINUTE unless set', () => {
    expect(loadConfig(valid).rateLimits).toEqual({ perMinute: 600, bootstrapPerMinute: 600, keyPrefix: 'rtcstack:rl' });
    expect(loadConfig({ ...valid, RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_BOOTSTRAP_PER_MINUTE: '' }).rateLimits).toMatchObject({ perMinute: 0, bootstrapPerMinute: 0 });
    expect(loadConfig({ ...valid, RATE_LIMIT_BOOTSTRAP_PER_MINUTE: '5000' }).rateLimits).toMatchObject({ perMinute: 600, bootstrapPerMinute: 5000 });
    expect(() => loadConfig({ ...valid, RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });

  it('treats an empty sidecar URL as not configured', () => {
    expect(loadConfig({ ...valid, STT_LIVE_URL: '', STT_POST_URL: 'http://127.0.0.1:3102', STT_INTERNAL_SECRET: 'x'.repeat(16) }).sidecars).toMatchObject({
      sttLiveUrl: undefined,
      sttPostUrl: 'http://127.0.0.1:3102',
    });
  });
});
