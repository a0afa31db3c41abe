import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_PRINCIPAL, type Principal } from '../http/principal.js';
import { problemHandler } from '../http/problem-middleware.js';
import { rateLimitMiddleware } from './rate-limit-middleware.js';
import { policyLimit, type RateLimitOutcome, type RateLimitPolicy, type RateLimits } from './rate-limits.js';

const limits = { perMinute: 600, bootstrapPerMinute: 1200, keyPrefix: 'x' };
const key: Principal = { keyId: 'k1', prefix: 'rtc_live_ab12cd34', name: 'ci', scopes: ['rooms:read'], bootstrap: false };

describe('policyLimit', () => {
  it('gives a stored key the default, its own limit when it has one, and API_SECRET the bootstrap limit', () => {
    expect(policyLimit(key, limits)).toEqual({ name: 'default', limit: 600 });
    expect(policyLimit({ ...key, rateLimitPerMinute: 5 }, limits)).toEqual({ name: 'key', limit: 5 });
    expect(policyLimit(BOOTSTRAP_PRINCIPAL, limits)).toEqual({ name: 'bootstrap', limit: 1200 });
  });

  it('treats 0 as unlimited, for the default, a key and the bootstrap key alike', () => {
    expect(policyLimit(key, { ...limits, perMinute: 0 })).toBeUndefined();
    expect(policyLimit({ ...key, rateLimitPerMinute: 0 }, limits)).toBeUndefined();
    expect(policyLimit(BOOTSTRAP_PRINCIPAL, { ...limits, bootstrapPerMinute: 0 })).toBeUndefined();
    // A key's own limit wins over a default of 0.
    expect(policyLimit({ ...key, rateLimitPerMinute: 7 }, { ...limits, perMinute: 0 })).toEqual({ name: 'key', limit: 7 });
  });
});

const policy: RateLimitPolicy = { name: 'default', limit: 600, item: '"default"', policyHeader: '"default";q=600;w=60', limitHeader: '600' };

/** An app whose one route sits behind the middleware, with a limiter that always answers `outcome`. */
function appWith(outcome: RateLimitOutcome | undefined, principal: Principal | null = key) {
  const fake = { check: async () => outcome } as unknown as RateLimits;
  const authenticate: RequestHandler = (req, _res, next) => {
    req.principal = principal ?? undefined;
    next();
  };
  const app = express();
  app.get('/thing', authenticate, rateLimitMiddleware(fake), (_req, res) => void res.json({ ok: true }));
  app.use(problemHandler);
  return app;
}

describe('rateLimitMiddleware', () => {
  it('sends the IETF fields and the X-RateLimit trio on an allowed request', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await request(appWith({ kind: 'allowed', policy, remaining: 599, msBeforeReset: 41_200 })).get('/thing').expect(200);
    expect(res.headers['ratelimit-policy']).toBe('"default";q=600;w=60');
    expect(res.headers['ratelimit']).toBe('"default";r=599;t=42');
    expect(res.headers['x-ratelimit-limit']).toBe('600');
    expect(res.headers['x-ratelimit-remaining']).toBe('599');
    const reset = Number(res.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(before + 41);
    expect(reset).toBeLessThanOrEqual(before + 44);
  });

  it('answers a request over the limit with a 429 problem and Retry-After at the end of the window', async () => {
    const res = await request(appWith({ kind: 'rejected', policy, remaining: 0, msBeforeReset: 12_001 })).get('/thing').expect(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('13');
    expect(res.headers['ratelimit']).toBe('"default";r=0;t=13');
    expect(res.body).toMatchObject({ status: 429, title: 'Too Many Requests', type: 'https://rtcstack.dev/errors/rate-limited', policy: 'default', limit: 600 });
  });

  it('never sends Retry-After: 0', async () => {
    const res = await request(appWith({ kind: 'rejected', policy, remaining: 0, msBeforeReset: 0 })).get('/thing').expect(429);
    expect(res.headers['retry-after']).toBe('1');
  });

  it('lets the request through with only the policy while the limit cannot be enforced', async () => {
    const res = await request(appWith({ kind: 'unenforced', policy })).get('/thing').expect(200);
    expect(res.headers['ratelimit-policy']).toBe('"default";q=600;w=60');
    expect(res.headers['x-ratelimit-limit']).toBe('600');
    expect(res.headers['ratelimit']).toBeUndefined();
    expect(res.headers['x-ratelimit-remaining']).toBeUndefined();
  });

  it('is a no-op for an unlimited key and without a principal', async () => {
    for (const app of [appWith(undefined), appWith({ kind: 'rejected', policy, remaining: 0, msBeforeReset: 1000 }, null)]) {
      const res = await request(app).get('/thing').expect(200);
      expect(res.headers['ratelimit-policy']).toBeUndefined();
    }
  });
});
