import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { waitFor } from '../../test/wait.js';
import { ApiKeyListSchema, ApiKeySchema, ApiKeyWithSecretSchema, UsageSchema, WhoAmISchema } from './api-keys-schemas.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

/** supertest calls made with `key` as X-API-Key, on `on` (this file's app unless told). */
const as = (key: string, on: TestApp = t) => ({
  get: (path: string) => request(on.app).get(path).set('X-API-Key', key),
  post: (path: string, body: object = {}) => request(on.app).post(path).set('X-API-Key', key).send(body),
  del: (path: string) => request(on.app).delete(path).set('X-API-Key', key),
});

/** Creates a key with the bootstrap key (or `by`); returns its plaintext and stored view. */
async function createKey(body: Record<string, unknown>, by = t.apiKey) {
  const res = await as(by).post('/v1/api-keys', { name: `${t.prefix}-key`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return ApiKeyWithSecretSchema.parse(res.body);
}

function expectProblem(res: request.Response, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

describe('/v1/api-keys and /v1/whoami', () => {
  it('creates a key whose plaintext is shown once and authenticates as itself (whoami)', async () => {
    const created = await createKey({ name: `${t.prefix}-ci`, scopes: ['rooms:read', 'rooms:read'], rateLimitPerMinute: 120 });
    expect(created.key).toMatch(/^rtc_live_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    expect(created).toMatchObject({ name: `${t.prefix}-ci`, scopes: ['rooms:read'], createdBy: 'bootstrap', lastUsedAt: null, expiresAt: null, revokedAt: null });
    expect(created.id).toMatch(/^key_/);

    const me = await as(created.key).get('/v1/whoami');
    expect(me.status).toBe(200);
    expect(WhoAmISchema.parse(me.body)).toEqual({ id: created.id, prefix: created.prefix, name: `${t.prefix}-ci`, scopes: ['rooms:read'], rateLimitPerMinute: 120, bootstrap: false });

    const boot = await as(t.apiKey).get('/v1/whoami');
    expect(boot.body).toEqual({ id: 'bootstrap', prefix: 'bootstrap', name: 'API_SECRET', scopes: ['*'], rateLimitPerMinute: null, bootstrap: true });

    const wrong = await as(`${created.prefix}_${'A'.repeat(43)}`).get('/v1/whoami');
    expectProblem(wrong, 401);
    expectProblem(await request(t.app).get('/v1/whoami'), 401);
  });

  it('lets a rooms:read key list rooms and refuses it rooms:write with 403 problem+json naming the scope', async () => {
    const { key } = await createKey({ scopes: ['rooms:read'] });
    expect((await as(key).get('/v1/rooms')).status).toBe(200);
    const write = await as(key).post('/v1/rooms', { name: `${t.prefix}-refused` });
    expectProblem(write, 403);
    expect(write.body).toMatchObject({ status: 403, requiredScope: 'rooms:write' });
    expect(write.body.detail).toContain('rooms:write');
    expect((await t.api.get(`/v1/rooms/${t.prefix}-refused`)).status).toBe(404);
    const admin = await as(key).get('/v1/api-keys');
    expectProblem(admin, 403);
    expect(admin.body.requiredScope).toBe('keys:admin');
  });

  it('never shows a key or its hash after creation', async () => {
    const created = await createKey({ scopes: ['recordings:*'] });
    const secret = created.key.slice(created.prefix.length + 1);
    const list = await t.api.get('/v1/api-keys?limit=200');
    const one = await t.api.get(`/v1/api-keys/${created.id}`);
    expect(list.status).toBe(200);
    expect(one.status).toBe(200);
    expect(ApiKeyListSchema.parse(list.body).apiKeys.map((k) => k.id)).toContain(created.id);
    expect(ApiKeySchema.strict().parse(one.body)).toMatchObject({ id: created.id, prefix: created.prefix, scopes: ['recordings:*'] });
    for (const res of [list, one]) {
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toMatch(/"key"|secret|hash/i);
    }
    expectProblem(await t.api.get('/v1/api-keys/key_doesnotexist'), 404);
    expectProblem(await t.api.get('/v1/api-keys/not-a-key-id'), 400);
  });

  it('lets a key grant, rotate and revoke only scopes it holds itself (403 naming the scope)', async () => {
    const admin = await createKey({ scopes: ['keys:admin', 'rooms:read'] });
    const minted = await createKey({ scopes: ['rooms:read'] }, admin.key);
    expect(minted.createdBy).toBe(admin.id);
    for (const scopes of [['*'], ['rooms:*'], ['rooms:read', 'webhooks:write']]) {
      const res = await as(admin.key).post('/v1/api-keys', { name: 'escalation', scopes });
      expectProblem(res, 403);
      expect(res.body.requiredScope).toBe(scopes.at(-1));
      expect(res.body.detail).toContain(scopes.at(-1));
    }
    const everything = await createKey({ scopes: ['*'] });
    const rotate = await as(admin.key).post(`/v1/api-keys/${everything.id}/rotate`, {});
    expectProblem(rotate, 403);
    expect(rotate.body.requiredScope).toBe('*');
    expectProblem(await as(admin.key).del(`/v1/api-keys/${everything.id}`), 403);
    expect((await as(everything.key).get('/v1/whoami')).status).toBe(200);
    expect((await as(admin.key).del(`/v1/api-keys/${minted.id}`)).status).toBe(204);
  });

  it('validates the request: scopes non-empty and known, one expiry, in the future', async () => {
    const bad = async (body: object, field: string) => {
      const res = await t.api.post('/v1/api-keys', { name: 'x', scopes: ['rooms:read'], ...body });
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    await bad({ scopes: [] }, 'body.scopes');
    await bad({ scopes: ['rooms:fly'] }, 'body.scopes.0');
    await bad({ expiresAt: '2020-01-01T00:00:00Z' }, 'body.expiresAt');
    await bad({ expiresAt: new Date(Date.now() + 3_600_000).toISOString(), expiresInSeconds: 60 }, 'body.expiresInSeconds');
    await bad({ bogus: true }, 'body');
    await bad({ expiresAt: '9999-12-31T23:59:59-23:59' }, 'body.expiresAt'); // year 10000 in UTC
  });

  it('takes an expiresAt whose offset Postgres refuses (past ±15:59) as the UTC instant it names (found by schemathesis)', async () => {
    const key = await createKey({ scopes: ['rooms:read'], expiresAt: '2100-01-01T00:00:00+23:30' });
    expect(key.expiresAt).toBe('2099-12-31T00:30:00.000Z');
  });

  it('revokes a key at once on every replica: a second app on the same database answers 401 from the next request', async () => {
    const replica = await createTestApp({}, { replicaOf: t });
    try {
      const created = await createKey({ scopes: ['rooms:read'] });
      expect((await as(created.key, replica).get('/v1/whoami')).status).toBe(200);
      expect((await t.api.del(`/v1/api-keys/${created.id}`)).status).toBe(204);
      const refused = await as(created.key, replica).get('/v1/rooms');
      expectProblem(refused, 401);
      expectProblem(await as(created.key).get('/v1/whoami'), 401);
      const shown = await replica.api.get(`/v1/api-keys/${created.id}`);
      expect(shown.body.revokedAt).toEqual(expect.any(String));
      expect((await t.api.del(`/v1/api-keys/${created.id}`)).status).toBe(204); // a no-op
      expect((await t.api.get(`/v1/api-keys/${created.id}`)).body.revokedAt).toBe(shown.body.revokedAt);
      expectProblem(await t.api.post(`/v1/api-keys/${created.id}/rotate`, {}), 409);
      expectProblem(await t.api.del('/v1/api-keys/key_doesnotexist'), 404);
    } finally {
      await replica.close();
    }
  });

  it('stops accepting a key once it expires', async () => {
    const later = await createKey({ scopes: ['rooms:read'], expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await as(later.key).get('/v1/whoami')).status).toBe(200);
    const soon = await createKey({ scopes: ['rooms:read'], expiresInSeconds: 1 });
    expect(Date.parse(soon.expiresAt!)).toBeGreaterThan(Date.parse(soon.createdAt));
    const refused = await waitFor('the key to expire', async () => {
      const res = await as(soon.key).get('/v1/whoami');
      return res.status === 401 && res;
    }, 30_000, 500);
    expectProblem(refused, 401);
    expect((await as(later.key).get('/v1/whoami')).status).toBe(200);
  });

  it('rotates a secret: the old one works during the grace and stops after it; only one old secret is kept', async () => {
    const first = await createKey({ scopes: ['rooms:read'] });
    const second = await t.api.post(`/v1/api-keys/${first.id}/rotate`, { graceSeconds: 3600 });
    expect(second.status).toBe(200);
    const rotated = ApiKeyWithSecretSchema.parse(second.body);
    expect(rotated).toMatchObject({ id: first.id, prefix: first.prefix, scopes: ['rooms:read'] });
    expect(rotated.key).not.toBe(first.key);
    expect(Date.parse(rotated.previousKeyExpiresAt!) - Date.now()).toBeGreaterThan(3000_000);
    expect((await as(first.key).get('/v1/whoami')).body.id).toBe(first.id); // within its grace
    expect((await as(rotated.key).get('/v1/whoami')).body.id).toBe(first.id);

    // A short grace: the second secret stops once it runs out; the first stops at once (one previous secret).
    const third = ApiKeyWithSecretSchema.parse((await t.api.post(`/v1/api-keys/${first.id}/rotate`, { graceSeconds: 2 })).body);
    expectProblem(await as(first.key).get('/v1/whoami'), 401);
    await waitFor('the rotated-out secret to stop working', async () => (await as(rotated.key).get('/v1/whoami')).status === 401, 30_000, 500);
    expect((await as(third.key).get('/v1/whoami')).status).toBe(200);

    // No grace: the old secret stops at once; the default grace is a day.
    const fourth = ApiKeyWithSecretSchema.parse((await t.api.post(`/v1/api-keys/${first.id}/rotate`, { graceSeconds: 0 })).body);
    expectProblem(await as(third.key).get('/v1/whoami'), 401);
    const fifth = await t.api.post(`/v1/api-keys/${first.id}/rotate`);
    expect(fifth.status).toBe(200);
    expect(Date.parse(fifth.body.previousKeyExpiresAt) - Date.now()).toBeGreaterThan(86_000_000);
    expect((await as(fourth.key).get('/v1/whoami')).status).toBe(200);
    expectProblem(await t.api.post(`/v1/api-keys/${first.id}/rotate`, { graceSeconds: 8 * 24 * 3600 }), 400);
  });

  it('counts a key’s requests by day and status class, and its last use', async () => {
    const created = await createKey({ scopes: ['rooms:read'] });
    expect((await as(created.key).get('/v1/rooms')).status).toBe(200);
    expect((await as(created.key).get('/v1/whoami')).status).toBe(200);
    expect((await as(created.key).post('/v1/rooms', { name: `${t.prefix}-counted` })).status).toBe(403);
    expect((await as(created.key).get(`/v1/rooms/${t.prefix}-absent`)).status).toBe(404);
    await t.api.get('/v1/whoami'); // the bootstrap key is not counted
    const usage = await waitFor('the counts to be written', async () => {
      const res = await t.api.get(`/v1/api-keys/${created.id}/usage`);
      return res.status === 200 && res.body.usage[0]?.total === 4 && UsageSchema.parse(res.body);
    }, 30_000, 500);
    const today = new Date().toISOString().slice(0, 10);
    expect(usage).toEqual({ keyId: created.id, usage: [{ day: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), total: 4, byStatusClass: { '1xx': 0, '2xx': 2, '3xx': 0, '4xx': 2, '5xx': 0 } }] });
    expect([today, new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)]).toContain(usage.usage[0]!.day);
    const shown = await t.api.get(`/v1/api-keys/${created.id}`);
    expect(Date.parse(shown.body.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(created.createdAt));

    const unused = await createKey({ scopes: ['rooms:read'] });
    expect((await t.api.get(`/v1/api-keys/${unused.id}/usage?days=7`)).body).toEqual({ keyId: unused.id, usage: [] });
    expectProblem(await t.api.get(`/v1/api-keys/${created.id}/usage?days=0`), 400);
    expectProblem(await t.api.get('/v1/api-keys/key_doesnotexist/usage'), 404);
  });

  it('pages through keys newest first with a stable cursor, unshaken by keys created meanwhile', async () => {
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push((await createKey({ name: `${t.prefix}-page-${i}`, scopes: ['rooms:read'] })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.api.get(`/v1/api-keys?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const page = ApiKeyListSchema.parse(res.body);
      expect(page.apiKeys.length).toBeLessThanOrEqual(2);
      seen.push(...page.apiKeys.map((k) => k.id));
      cursor = page.nextCursor;
      // A key created while paging is newer than the cursor: it never lands in a later page.
      if (pages++ === 0) await createKey({ name: `${t.prefix}-meanwhile`, scopes: ['rooms:read'] });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 5)).toEqual([...mine].reverse());
    const all = ApiKeyListSchema.parse((await t.api.get('/v1/api-keys?limit=200')).body).apiKeys.map((k) => k.id);
    expect(all.slice(1)).toEqual(seen);
    expectProblem(await t.api.get('/v1/api-keys?cursor=bm90LWEtY3Vyc29y'), 400);
    // A well-formed cursor from before every key is an empty page, not an error.
    const forged = Buffer.from(JSON.stringify({ createdAtUs: '1', id: 'key_x' })).toString('base64url');
    expect((await t.api.get(`/v1/api-keys?cursor=${forged}`)).body).toEqual({ apiKeys: [], nextCursor: null });
    expectProblem(await t.api.get('/v1/api-keys?limit=201'), 400);
  });

  it('answers 503, not 401, for a stored key while Postgres is down; API_SECRET keeps working', async () => {
    const dead = await createTestApp({ DATABASE_URL: 'postgres://rtcstack:x@127.0.0.1:1/rtcstack' });
    try {
      const { key } = await createKey({ scopes: ['rooms:read'] });
      expectProblem(await as(key, dead).get('/v1/whoami'), 503);
      expect((await as(t.apiKey, dead).get('/v1/whoami')).status).toBe(200);
    } finally {
      await dead.close();
    }
  });

  it('lists every operation’s scope in the OpenAPI document', async () => {
    const doc = (await request(t.app).get('/v1/openapi.json')).body as { paths: Record<string, Record<string, { security?: Array<Record<string, string[]>>; 'x-required-scope'?: string }>> };
    expect(doc.paths['/v1/api-keys']!.post!['x-required-scope']).toBe('keys:admin');
    expect(doc.paths['/v1/api-keys/{keyId}/rotate']!.post!['x-required-scope']).toBe('keys:admin');
    expect(doc.paths['/v1/rooms']!.post!['x-required-scope']).toBe('rooms:write');
    expect(doc.paths['/v1/whoami']!.get!).not.toHaveProperty('x-required-scope');
    expect(doc.paths['/v1/whoami']!.get!.security).toEqual([{ apiKey: [] }]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const needed = op.security?.find((s) => s.apiKey)?.apiKey;
        if (needed?.length) expect(op['x-required-scope'], `${method} ${path}`).toBe(needed[0]);
      }
    }
  });
});
