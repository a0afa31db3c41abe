import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { BOOTSTRAP_PRINCIPAL, type Principal } from '../http/principal.js';
import { RateLimits } from './rate-limits.js';

const opened: TestApp[] = [];
afterAll(async () => {
  // Replicas first: they share their primary's database, which the primary drops.
  for (const t of opened.reverse()) await t.close();
});

async function app(env: Record<string, string> = {}, replicaOf?: TestApp): Promise<TestApp> {
  const t = await createTestApp(env, { replicaOf });
  opened.push(t);
  return t;
}

/** POST /v1/token: the benchmarked endpoint, and one that needs nothing but the control plane. */
function token(t: TestApp) {
  return request(t.app).post('/v1/token').set('X-API-Key', t.apiKey).send({ roomId: `${t.prefix}-room`, userId: 'alice', name: 'Alice', role: 'viewer' });
}

/** A TCP port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('rate limits on the real Redis', () => {
  it('sends the RateLimit fields and the X-RateLimit trio on a normal response', async () => {
    const t = await app();
    const before = Math.floor(Date.now() / 1000);
    const res = await token(t).expect(200);
    // API_SECRET is counted in a bucket of its own, by default at the default limit.
    expect(res.headers['ratelimit-policy']).toBe('"bootstrap";q=600;w=60');
    expect(res.headers['ratelimit']).toMatch(/^"bootstrap";r=599;t=(60|59|58)$/);
    expect(res.headers['x-ratelimit-limit']).toBe('600');
    expect(res.headers['x-ratelimit-remaining']).toBe('599');
    const reset = Number(res.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(before + 55);
    expect(reset).toBeLessThanOrEqual(before + 62);
  });

  it('answers a request over the limit with a 429 problem and Retry-After, and keeps refusing', async () => {
    const t = await app({ RATE_LIMIT_PER_MINUTE: '3' });
    for (const remaining of [2, 1, 0]) {
      const ok = await token(t).expect(200);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(remaining));
    }
    for (let i = 0; i < 2; i++) {
      const res = await token(t).expect(429);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(res.headers['ratelimit']).toBe(`"bootstrap";r=0;t=${retryAfter}`);
      expect(res.headers['x-ratelimit-remaining']).toBe('0');
      expect(res.body).toMatchObject({ status: 429, type: 'https://rtcstack.dev/errors/rate-limited', policy: 'bootstrap', limit: 3 });
    }
    expect(t.services.rateLimits.stats()).toMatchObject({ rejected: 2, failOpen: 0, redisDown: false });
    // Public routes are not counted.
    await request(t.app).get('/v1/health').expect((r) => expect(r.headers['ratelimit']).toBeUndefined());
  });

  it('shares one count between two replicas', async () => {
    const a = await app({ RATE_LIMIT_PER_MINUTE: '4' });
    const b = await app({ RATE_LIMIT_PER_MINUTE: '4' }, a);
    expect(b.config.rateLimits.keyPrefix).toBe(a.config.rateLimits.keyPrefix);
    const seen: string[] = [];
    for (const t of [a, b, a, b]) seen.push((await token(t).expect(200)).headers['x-ratelimit-remaining']!);
    expect(seen).toEqual(['3', '2', '1', '0']);
    await token(a).expect(429);
    await token(b).expect(429);
  });

  it('counts a stored key at its own limit, or the default, each in a bucket of its own', async () => {
    const t = await app({ RATE_LIMIT_PER_MINUTE: '100' });
    const create = async (body: object) => (await t.api.post('/v1/api-keys', { name: `${t.prefix}-k`, scopes: ['tokens:create'], ...body }).expect(201)).body.key as string;
    const limited = await create({ rateLimitPerMinute: 2 });
    const plain = await create({});
    const call = (key: string) => request(t.app).post('/v1/token').set('X-API-Key', key).send({ roomId: `${t.prefix}-room`, userId: 'bob', name: 'Bob', role: 'viewer' });
    const first = await call(limited).expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"key";q=2;w=60');
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    await call(limited).expect(200);
    const refused = await call(limited).expect(429);
    expect(refused.body).toMatchObject({ policy: 'key', limit: 2 });
    const other = await call(plain).expect(200);
    expect(other.headers['ratelimit-policy']).toBe('"default";q=100;w=60');
    expect(other.headers['x-ratelimit-remaining']).toBe('99');
    // API_SECRET made two requests (the keys), counted apart from both.
    expect((await token(t).expect(200)).headers['x-ratelimit-remaining']).toBe('97');
  });

  it('applies a principal’s own limit directly, and 0 as unlimited', async () => {
    const t = await app({ RATE_LIMIT_PER_MINUTE: '100' });
    const limits = t.services.rateLimits;
    const own: Principal = { keyId: `${t.prefix}-own`, prefix: 'rtc_live_own', name: 'own', scopes: ['*'], rateLimitPerMinute: 2, bootstrap: false };
    const other: Principal = { ...own, keyId: `${t.prefix}-other`, rateLimitPerMinute: undefined };
    expect(await limits.check(own)).toMatchObject({ kind: 'allowed', remaining: 1, policy: { name: 'key', policyHeader: '"key";q=2;w=60' } });
    expect(await limits.check(own)).toMatchObject({ kind: 'allowed', remaining: 0 });
    expect(await limits.check(own)).toMatchObject({ kind: 'rejected', remaining: 0 });
    expect(await limits.check(other)).toMatchObject({ kind: 'allowed', remaining: 99, policy: { name: 'default' } });
    expect(await limits.check({ ...own, keyId: `${t.prefix}-free`, rateLimitPerMinute: 0 })).toBeUndefined();
  });

  it('documents the 429 and the rate-limit headers on every API-key operation, and neither on public ones', async () => {
    const t = await app();
    const doc = (await request(t.app).get('/v1/openapi.json').expect(200)).body;
    expect(Object.keys(doc.components.headers)).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After']));
    const token = doc.paths['/v1/token'].post;
    expect(token.responses['429'].headers['Retry-After']).toEqual({ $ref: '#/components/headers/Retry-After' });
    expect(token.responses['200'].headers.RateLimit).toEqual({ $ref: '#/components/headers/RateLimit' });
    expect(doc.paths['/v1/health'].get.responses['429']).toBeUndefined();
  });

  it('fails open while Redis is down: requests succeed without waiting, the outage is logged once and counted', async () => {
    // A command timeout far above the bound below: a request that waited on Redis would show.
    const t = await app({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, REDIS_TIMEOUT_MS: '5000' });
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const res = await token(t).expect(200);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(res.headers['ratelimit-policy']).toBe('"bootstrap";q=600;w=60');
      expect(res.headers['ratelimit']).toBeUndefined();
      expect(res.headers['x-ratelimit-remaining']).toBeUndefined();
    }
    expect(t.services.rateLimits.stats()).toEqual({ rejected: 0, failOpen: 10, redisDown: true });

    // The same client, checked by a limiter whose log we read: one warning for the whole outage.
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const limits = new RateLimits(t.deps.redis, t.config.rateLimits, logger);
    const started = performance.now();
    for (let i = 0; i < 200; i++) expect(await limits.check({ ...BOOTSTRAP_PRINCIPAL, keyId: 'down' })).toMatchObject({ kind: 'unenforced' });
    const perCheckMs = (performance.now() - started) / 200;
    expect(perCheckMs).toBeLessThan(5);
    expect(limits.stats().failOpen).toBe(200);
    expect(lines.filter((l) => l.includes('"level":40'))).toHaveLength(1);
  });
});
