import { randomBytes, randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrently, expectOneRun } from '../../test/concurrent-duplicates.js';
import { startPostCallRig, type PostCallRig } from '../../test/post-call.js';
import { freePort } from '../../test/sidecar-process.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { waitFor } from '../../test/wait.js';
import { IdempotencyStore } from './idempotency-store.js';
import { fingerprint } from './request-fingerprint.js';
import { keyHash } from './response-seal.js';
// After the app's modules: they extend zod with .openapi() before the contracts' schemas are built.
import { PGBOSS_SCHEMA } from '@rtcstack/contracts';

/**
 * Idempotency-Key on the real stack: Postgres for the keys, LiveKit for rooms, the webhook outbox,
 * and post-call transcription through real pg-boss with a real stt-post (its health gates the
 * route). Two control planes share one database, as two replicas do, so that concurrent duplicates
 * race across processes' pools too. Recording (egress) is in idempotency.egress.test.ts.
 */
let rig: PostCallRig;
let t: TestApp;
let replica: TestApp;

beforeAll(async () => {
  rig = await startPostCallRig({ UPSTREAM_TIMEOUT_MS: '10000' });
  t = rig.t;
  replica = await createTestApp(
    { STT_POST_URL: t.config.sidecars.sttPostUrl!, INTERNAL_URL: t.config.sidecars.internalUrl, SIDECAR_HEALTH_CACHE_MS: '0', WEBHOOK_ALLOW_PRIVATE: 'true', UPSTREAM_TIMEOUT_MS: '10000' },
    { replicaOf: t },
  );
}, 150_000);

afterAll(async () => {
  await replica?.close();
  await rig?.close();
});

/** A POST as API_SECRET (or `apiKey`) with an Idempotency-Key. */
function post(path: string, key: string, body: object = {}, opts: { app?: Express; apiKey?: string } = {}) {
  return request(opts.app ?? t.app)
    .post(path)
    .set('X-API-Key', opts.apiKey ?? t.apiKey)
    .set('Idempotency-Key', key)
    .send(body);
}

const hookBody = (tag: string) => ({ url: `${rig.receiver.url}?case=${tag}-${randomBytes(3).toString('hex')}`, events: ['room_created'] });

async function webhooksAt(url: string) {
  const res = await t.api.get('/v1/webhooks?limit=200').expect(200);
  return (res.body.webhooks as { id: string; url: string }[]).filter((w) => w.url === url);
}

const replicas = () => [t.app, replica.app];

describe('Idempotency-Key', () => {
  it('replays the first response (same ids, same secret) without doing the work again', async () => {
    const key = randomUUID();
    const body = hookBody('replay');
    const first = await post('/v1/webhooks', key, body).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('/v1/webhooks', key, { events: body.events, url: body.url }, { app: replica.app }).expect(201); // other replica, keys reordered
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.body).toEqual(first.body);
    expect(again.body.secret).toMatch(/^whsec_/);
    expect(await webhooksAt(body.url)).toHaveLength(1);

    // Stored under the key's hash, the body sealed: the signing secret is not readable from the table.
    const rows = await t.deps.db('idempotency_keys').where({ key_id: 'bootstrap', key_hash: keyHash(key) });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'completed', response_status: 201, request_method: 'POST', request_path: '/v1/webhooks' });
    expect(JSON.stringify(rows[0])).not.toContain(key);
    expect((rows[0].response_body as Buffer).includes(Buffer.from(first.body.secret))).toBe(false);
    expect(new Date(rows[0].expires_at).getTime() - new Date(rows[0].created_at).getTime()).toBe(86_400_000);
  });

  it('answers 409 problem+json for the same key with a different body or on another route', async () => {
    const key = randomUUID();
    const body = hookBody('mismatch');
    await post('/v1/webhooks', key, body).expect(201);
    const other = await post('/v1/webhooks', key, { ...body, events: ['room_closed'] }).expect(409);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ status: 409, type: 'https://rtcstack.dev/errors/idempotency-key-reused', header: 'Idempotency-Key' });
    const route = await post('/v1/rooms', key, { name: `${t.prefix}-mismatch` }).expect(409);
    expect(route.body.detail).toContain('POST /v1/webhooks');
    expect(await webhooksAt(body.url)).toHaveLength(1);
  });

  it('answers 400 problem+json naming the header for a key over 200 characters, empty or not printable', async () => {
    for (const bad of ['k'.repeat(201), '', 'schl\u00fcssel']) {
      const res = await post('/v1/rooms', bad, { name: `${t.prefix}-badkey` }).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'https://rtcstack.dev/errors/invalid-idempotency-key', header: 'Idempotency-Key' });
      expect(res.body.detail).toMatch(/Idempotency-Key/);
    }
    expect(await t.services.rooms.find(`${t.prefix}-badkey`)).toBeUndefined();
    await post('/v1/rooms', 'k'.repeat(200), { name: `${t.prefix}-longkey` }).expect(201);
    await t.api.del(`/v1/rooms/${t.prefix}-longkey`).expect(204);
  });

  it('answers 409 with Retry-After while the first request is still running, then replays it', async () => {
    const key = randomUUID();
    const body = hookBody('inflight');
    // Hold the first request inside its handler: its INSERT waits on a lock this test holds.
    const trx = await t.deps.db.transaction();
    await trx.raw('LOCK TABLE webhooks IN EXCLUSIVE MODE');
    let first: Promise<request.Response> | undefined;
    try {
      first = post('/v1/webhooks', key, body).then((r) => r);
      await waitFor('the first request to claim its key', async () => (await t.deps.db('idempotency_keys').where({ key_hash: keyHash(key) }).first())?.state === 'in_flight', 8000, 20);
      const dup = await post('/v1/webhooks', key, body, { app: replica.app }).expect(409);
      expect(dup.headers['retry-after']).toBe('1');
      expect(dup.body).toMatchObject({ type: 'https://rtcstack.dev/errors/idempotency-key-in-flight', header: 'Idempotency-Key' });
    } finally {
      await trx.commit();
    }
    const done = await first!;
    expect(done.status).toBe(201);
    const replayed = await post('/v1/webhooks', key, body).expect(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body.id).toBe(done.body.id);
    expect(await webhooksAt(body.url)).toHaveLength(1);
  });

  it('lets a retry take over the key of a request that crashed in flight (its lock passed)', async () => {
    const key = randomUUID();
    const body = hookBody('crashed');
    const store = new IdempotencyStore(t.deps.db);
    // A replica claimed the key and died before answering.
    const claim = await store.claim({ keyId: 'bootstrap', keyHash: keyHash(key), fingerprint: fingerprint('POST', '/v1/webhooks', body), lockSeconds: 60, ttlSeconds: 86_400 });
    expect(claim.claimed).toBe(true);
    await post('/v1/webhooks', key, body).expect(409);
    await t.deps.db('idempotency_keys').where({ key_hash: keyHash(key) }).update({ locked_until: t.deps.db.raw(`now() - interval '1 second'`) });
    // A different request may not take it over, only the same one.
    await post('/v1/webhooks', key, { ...body, events: ['room_closed'] }).expect(409);
    const retried = await post('/v1/webhooks', key, body).expect(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    // The dead request's claim can no longer store anything over the retry's response.
    expect(await store.complete('bootstrap', keyHash(key), (claim as { claimId: string }).claimId, { status: 500, headers: {}, sealedBody: Buffer.alloc(0) })).toBe(false);
    expect((await post('/v1/webhooks', key, body).expect(201)).body.id).toBe(retried.body.id);
  });

  it('keeps no error: after a 4xx the same key may carry a corrected request', async () => {
    const key = randomUUID();
    await post('/v1/webhooks', key, { url: 'not a url', events: ['room_created'] }).expect(400);
    await post(`/v1/rooms/${t.prefix}-nowhere/recording/start`, key).expect(404);
    const body = hookBody('after-error');
    await post('/v1/webhooks', key, body).expect(201);
    expect((await post('/v1/webhooks', key, body).expect(201)).headers['idempotent-replayed']).toBe('true');
  });

  it('scopes keys per API key: two keys use one Idempotency-Key independently', async () => {
    const created = await t.api.post('/v1/api-keys', { name: `${t.prefix}-second`, scopes: ['webhooks:*', 'keys:admin', 'rooms:read'] }).expect(201);
    const second: string = created.body.key;
    const key = randomUUID();
    const body = hookBody('scoped');
    const a = await post('/v1/webhooks', key, body).expect(201);
    const b = await post('/v1/webhooks', key, body, { apiKey: second }).expect(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
    expect((await post('/v1/webhooks', key, body, { apiKey: second }).expect(201)).body.id).toBe(b.body.id);
    expect(await webhooksAt(body.url)).toHaveLength(2);

    // A key created with an Idempotency-Key replays its plaintext to its creator, and the table holds it sealed.
    const keyKey = randomUUID();
    const made = await post('/v1/api-keys', keyKey, { name: `${t.prefix}-third`, scopes: ['rooms:read'] }, { apiKey: second }).expect(201);
    expect((await post('/v1/api-keys', keyKey, { name: `${t.prefix}-third`, scopes: ['rooms:read'] }, { apiKey: second }).expect(201)).body.key).toBe(made.body.key);
    const row = await t.deps.db('idempotency_keys').where({ key_id: created.body.id, key_hash: keyHash(keyKey) }).first();
    expect((row.response_body as Buffer).includes(Buffer.from(made.body.key))).toBe(false);
  });

  it('the store keeps two API keys apart under one Idempotency-Key', async () => {
    const store = new IdempotencyStore(t.deps.db);
    const claim = (keyId: string) => store.claim({ keyId, keyHash: keyHash('shared'), fingerprint: fingerprint('POST', '/v1/rooms', {}), lockSeconds: 60, ttlSeconds: 60 });
    expect((await claim('key_a')).claimed).toBe(true);
    expect((await claim('key_b')).claimed).toBe(true);
    expect((await claim('key_a')).claimed).toBe(false);
  });
});

describe('concurrent duplicates (10 at once, across two replicas) do the work once', () => {
  it('one room in LiveKit', async () => {
    const name = `${t.prefix}-concurrent`;
    const key = randomUUID();
    const responses = await concurrently(10, replicas(), (app) => post('/v1/rooms', key, { name, metadata: 'once' }, { app }));
    // A second run would have found the room and answered 200.
    const ran = expectOneRun(responses, 201);
    expect(responses.some((r) => r.status === 200)).toBe(false);
    const rooms = await t.deps.livekit.rooms.listRooms([name]);
    expect(rooms).toHaveLength(1);
    expect(rooms[0]!.sid).toBe(ran.body.sid);
    const later = await post('/v1/rooms', key, { name, metadata: 'once' }).expect(201);
    expect(later.body.sid).toBe(ran.body.sid);
    await t.api.del(`/v1/rooms/${name}`).expect(204);
  });

  it('one webhook', async () => {
    const key = randomUUID();
    const body = hookBody('concurrent');
    const responses = await concurrently(10, replicas(), (app) => post('/v1/webhooks', key, body, { app }));
    const ran = expectOneRun(responses, 201);
    const hooks = await webhooksAt(body.url);
    expect(hooks.map((h) => h.id)).toEqual([ran.body.id]);
  });

  it('one transcription and one pg-boss job', async () => {
    const recordingId = `rec_${randomBytes(6).toString('hex')}`;
    await t.deps.db('recordings').insert({
      id: recordingId,
      room_name: `${t.prefix}-call`,
      egress_id: `EG_${recordingId}`,
      status: 'completed',
      started_at: new Date(Date.now() - 60_000),
      ended_at: new Date(),
      duration_ms: 60_000,
      object_key: `recordings/${t.prefix}-call/${recordingId}.ogg`,
      bucket: t.config.s3.bucket,
    });
    const key = randomUUID();
    const responses = await concurrently(10, replicas(), (app) => post(`/v1/recordings/${recordingId}/transcribe`, key, { language: 'en' }, { app }));
    // A second run would have met the first's row: a 409 of the handler's own ("already queued").
    const ran = expectOneRun(responses, 202);
    const list = await t.api.get(`/v1/transcriptions?recordingId=${recordingId}`).expect(200);
    expect(list.body.transcriptions.map((x: { transcriptionId: string }) => x.transcriptionId)).toEqual([ran.body.transcriptionId]);
    const jobs = await t.deps.db(`${PGBOSS_SCHEMA}.job`).whereRaw(`data->>'recordingId' = ?`, [recordingId]).count<{ count: string }[]>('* as count');
    expect(Number(jobs[0]!.count)).toBe(1);
  });
});

describe('expiry', () => {
  it('an expired key is not replayed, and the sweep deletes it', async () => {
    const key = randomUUID();
    const body = hookBody('expired');
    const first = await post('/v1/webhooks', key, body).expect(201);
    const kept = randomUUID();
    await post('/v1/webhooks', kept, hookBody('kept')).expect(201);
    await t.deps.db('idempotency_keys').where({ key_hash: keyHash(key) }).update({ expires_at: t.deps.db.raw(`now() - interval '1 second'`) });

    // Past its 24 hours the key is free again, before any sweep: the request runs anew.
    const renewed = await post('/v1/webhooks', key, body).expect(201);
    expect(renewed.headers['idempotent-replayed']).toBeUndefined();
    expect(renewed.body.id).not.toBe(first.body.id);

    await t.deps.db('idempotency_keys').where({ key_hash: keyHash(key) }).update({ expires_at: t.deps.db.raw(`now() - interval '1 second'`) });
    expect(await t.services.idempotencySweeper.sweep()).toBeGreaterThanOrEqual(1);
    expect(await t.deps.db('idempotency_keys').where({ key_hash: keyHash(key) })).toHaveLength(0);
    expect(await t.deps.db('idempotency_keys').where({ key_hash: keyHash(kept) })).toHaveLength(1);
  });

  it('one replica sweeps at a time (an advisory lock); the other skips the round', async () => {
    const store = new IdempotencyStore(replica.deps.db);
    const trx = await t.deps.db.transaction();
    try {
      await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('rtcstack.idempotency-sweep'))`);
      expect(await store.deleteExpired(10)).toEqual({ swept: false, deleted: 0 });
    } finally {
      await trx.rollback();
    }
    expect((await store.deleteExpired(10)).swept).toBe(true);
  });
});

describe('when Postgres is down', () => {
  let dead: TestApp;
  beforeAll(async () => {
    dead = await createTestApp({ DATABASE_URL: `postgres://rtcstack:x@127.0.0.1:${await freePort()}/rtcstack`, UPSTREAM_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => {
    await dead?.close();
  });

  it('a keyed POST is a fast 503 and does no work; without the key it proceeds', async () => {
    const name = `${t.prefix}-pgdown`;
    const started = Date.now();
    const res = await post('/v1/rooms', randomUUID(), { name }, { app: dead.app }).expect(503);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body.detail).toMatch(/Postgres/);
    expect(await t.services.rooms.find(name)).toBeUndefined();
    await request(dead.app).post('/v1/rooms').set('X-API-Key', t.apiKey).send({ name }).expect(201);
    await t.api.del(`/v1/rooms/${name}`).expect(204);
  });
});

describe('OpenAPI', () => {
  it('documents Idempotency-Key on every POST an API key calls, its 409 and Idempotent-Replayed', async () => {
    const doc = (await request(t.app).get('/v1/openapi.json').expect(200)).body;
    const posts = Object.entries(doc.paths as Record<string, Record<string, { security?: Record<string, unknown>[]; parameters?: { in: string; name: string; schema: { maxLength: number } }[]; responses: Record<string, { headers?: Record<string, unknown> }> }>>)
      .flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => m === 'post').map(([, op]) => ({ path, op })));
    const keyed = posts.filter(({ op }) => op.security?.some((s) => 'apiKey' in s));
    expect(keyed.length).toBeGreaterThan(10);
    for (const { path, op } of keyed) {
      const header = op.parameters?.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
      expect(header, path).toBeDefined();
      expect(header!.schema.maxLength).toBe(200);
      expect(op.responses['409'], path).toBeDefined();
      const success = Object.entries(op.responses).find(([s]) => s.startsWith('2'))!;
      expect(success[1].headers?.['Idempotent-Replayed'], path).toBeDefined();
    }
    // Not on internal (sidecar) routes nor on GETs.
    const internal = posts.filter(({ path }) => path.startsWith('/internal/'));
    expect(internal.length).toBeGreaterThan(0);
    for (const { op } of internal) expect(op.parameters?.some((p) => p.name === 'Idempotency-Key') ?? false).toBe(false);
    expect(doc.paths['/v1/rooms'].get.parameters?.some((p: { name: string }) => p.name === 'Idempotency-Key') ?? false).toBe(false);
  });
});
