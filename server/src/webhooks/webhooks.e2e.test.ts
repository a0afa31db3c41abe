import { createHash } from 'node:crypto';
import { WebhookEvent } from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { waitFor } from '../../test/wait.js';
import { startReceiver } from '../../test/webhook-receiver.js';
import { LIVEKIT_WEBHOOK_PATH } from '../livekit-events/livekit-events-routes.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifyWebhook } from './signature.js';
import { WebhooksStore } from './webhooks-store.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_RETRY_MAX_MS: '400', WEBHOOK_POLL_MS: '50', WEBHOOK_DISABLE_AFTER: '50' });
  await t.services.deliveryWorker.start();
});
afterAll(() => t.close());

/** Posts a LiveKit-signed event to the control plane, as livekit-server would. */
async function livekitEvent(t: TestApp, event: string, id: string, room: string) {
  const body = new WebhookEvent({ event, id, createdAt: BigInt(Math.floor(Date.now() / 1000)), room: { name: room, sid: 'RM_x' } } as never).toJsonString();
  const at = new AccessToken(t.config.livekit.apiKey, t.config.livekit.apiSecret);
  at.sha256 = createHash('sha256').update(body).digest('base64');
  const res = await request(t.app).post(LIVEKIT_WEBHOOK_PATH).set('Content-Type', 'application/webhook+json').set('Authorization', await at.toJwt()).send(body);
  expect(res.status).toBe(200);
}

describe('/v1/webhooks', () => {
  it('creates (secret shown once), lists and gets (masked), patches and deletes', async () => {
    const created = await t.api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'http://127.0.0.1:9/hook', events: ['*'], enabled: true });
    expect(created.body.secret).toMatch(/^whsec_/);
    const id = created.body.id as string;
    expect((await t.api.get('/v1/webhooks')).body.webhooks.find((w: { id: string }) => w.id === id).secret).toBe('***');
    expect((await t.api.get(`/v1/webhooks/${id}`)).body.secret).toBe('***');
    const patched = await request(t.app).patch(`/v1/webhooks/${id}`).set('X-API-Key', t.apiKey).send({ events: ['room_created', 'participant_joined'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['room_created', 'participant_joined'], secret: '***' });
    expect((await t.api.del(`/v1/webhooks/${id}`)).status).toBe(204);
    expect((await t.api.get(`/v1/webhooks/${id}`)).status).toBe(404);
  });

  it('keeps a given secret and validates input', async () => {
    const res = await t.api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/x', secret: 'my-own-secret-0123456789' });
    expect(res.body.secret).toBe('my-own-secret-0123456789');
    expect((await t.api.post('/v1/webhooks', { url: 'ftp://x' })).status).toBe(400);
    const bad = await t.api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/x', events: ['room_exploded'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toMatch(/^body\.events/);
    expect((await request(t.app).patch(`/v1/webhooks/${res.body.id}`).set('X-API-Key', t.apiKey).send({})).status).toBe(400);
  });

  it('refuses private and loopback destinations unless the operator allows them', async () => {
    const strict = await createTestApp();
    try {
      const res = await strict.api.post('/v1/webhooks', { url: 'http://127.0.0.1:8080/hook' });
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/private or loopback/);
      expect((await strict.api.post('/v1/webhooks', { url: 'http://169.254.169.254/latest' })).status).toBe(400);
    } finally {
      await strict.close();
    }
  });

  it('POST …/test reports a live receiver as delivered, and a dead one quickly as not', async () => {
    const rx = await startReceiver();
    try {
      const live = (await t.api.post('/v1/webhooks', { url: rx.url })).body;
      const ok = await t.api.post(`/v1/webhooks/${live.id}/test`);
      expect(ok.body).toMatchObject({ delivered: true, statusCode: 200 });
      const got = rx.received[0]!;
      expect(verifyWebhook(live.secret, got.headers[SIGNATURE_HEADER.toLowerCase()] as string, got.body)).toBe(true);
    } finally {
      await rx.close();
    }
    const dead = (await t.api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/nothing' })).body;
    const start = performance.now();
    const res = await t.api.post(`/v1/webhooks/${dead.id}/test`);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(res.body).toMatchObject({ delivered: false, statusCode: null });
  });
});

describe('the outbox', () => {
  it('a receiver that fails first and then recovers gets every event exactly once, signed', { timeout: 60_000 }, async () => {
    const failuresPerEvent = new Map<string, number>();
    const rx = await startReceiver((r) => {
      const id = r.headers[EVENT_ID_HEADER.toLowerCase()] as string;
      const n = (failuresPerEvent.get(id) ?? 0) + 1;
      failuresPerEvent.set(id, n);
      return n <= 2 ? 503 : 200; // two 5xx, then success
    });
    try {
      const hook = (await t.api.post('/v1/webhooks', { url: rx.url, events: ['room_created', 'participant_joined'] })).body;
      const room = `${t.prefix}-outbox`;
      const ids = Array.from({ length: 5 }, (_, i) => `EV_${t.prefix}_${i}`);
      for (const id of ids) await livekitEvent(t, 'room_started', id, room);
      await livekitEvent(t, 'room_started', ids[0]!, room); // LiveKit retried one: still one event
      await livekitEvent(t, 'track_unpublished', `EV_${t.prefix}_x`, room); // not in the catalogue

      const deliveries = await waitFor('all deliveries to succeed', async () => {
        const d = (await t.api.get(`/v1/webhooks/${hook.id}/deliveries`)).body.deliveries as Array<{ status: string; attempts: number; eventId: string; lastStatusCode: number }>;
        return d.length === 5 && d.every((x) => x.status === 'succeeded') ? d : undefined;
      }, 45_000);
      expect(deliveries.every((d) => d.attempts === 3 && d.lastStatusCode === 200)).toBe(true);
      const okIds = rx.received
        .filter((r) => verifyWebhook(hook.secret, r.headers[SIGNATURE_HEADER.toLowerCase()] as string, r.body))
        .map((r) => JSON.parse(r.body) as { id: string; type: string });
      expect(okIds).toHaveLength(15); // 5 events × (2 failures + 1 success), every one signed
      expect(okIds.every((b) => b.type === 'room_created')).toBe(true);
      expect([...failuresPerEvent.keys()].sort()).toEqual([...ids].sort());
      expect([...failuresPerEvent.values()]).toEqual([3, 3, 3, 3, 3]); // exactly one successful attempt each
    } finally {
      await rx.close();
    }
  });

  it('does not retry a 4xx, and disables a webhook after repeated failures until PATCH re-enables it', { timeout: 60_000 }, async () => {
    // Its own app, so that the disable threshold is small here and does not pause the other tests' queues.
    const t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_DISABLE_AFTER: '5' });
    await t.services.deliveryWorker.start();
    const rx = await startReceiver(() => 410);
    try {
      const hook = (await t.api.post('/v1/webhooks', { url: rx.url, events: ['room_created'] })).body;
      for (let i = 0; i < 5; i++) await livekitEvent(t, 'room_started', `EV_${t.prefix}_gone${i}`, `${t.prefix}-gone`);
      const d = await waitFor('deliveries to fail', async () => {
        const list = (await t.api.get(`/v1/webhooks/${hook.id}/deliveries`)).body.deliveries as Array<{ status: string; attempts: number }>;
        return list.length === 5 && list.every((x) => x.status === 'failed') ? list : undefined;
      }, 45_000);
      expect(d.every((x) => x.attempts === 1)).toBe(true);
      const disabled = (await t.api.get(`/v1/webhooks/${hook.id}`)).body;
      expect(disabled).toMatchObject({ enabled: false, consecutiveFailures: 5 });
      expect(disabled.disabledReason).toMatch(/disabled after 5 consecutive failed attempts/);

      // Disabled: new events are not queued for it.
      await livekitEvent(t, 'room_started', `EV_${t.prefix}_gone_more`, `${t.prefix}-gone`);
      expect((await t.api.get(`/v1/webhooks/${hook.id}/deliveries`)).body.deliveries).toHaveLength(5);

      const enabled = await request(t.app).patch(`/v1/webhooks/${hook.id}`).set('X-API-Key', t.apiKey).send({ enabled: true });
      expect(enabled.body).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });

      // A failed delivery can be sent again on demand.
      const before = rx.received.length;
      const redeliver = await t.api.post(`/v1/webhooks/${hook.id}/deliveries/${(d[0] as unknown as { id: string }).id}/redeliver`);
      expect(redeliver.status).toBe(202);
      await waitFor('the redelivery', async () => rx.received.length > before, 10_000);
    } finally {
      await rx.close();
      await t.close();
    }
  });
});

describe('the outbox across replicas and crashes', () => {
  const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_CONCURRENCY: '8' };
  /** Queues one room_created event for every subscribed webhook, as LiveKit's webhook would. */
  const queue = (app: TestApp, id: string) =>
    app.services.livekitEvents.receive(new WebhookEvent({ event: 'room_started', id, room: { name: `${app.prefix}-r` } } as never) as never);

  it('two replicas drain one outbox side by side: every event arrives once, every attempt is recorded', { timeout: 90_000 }, async () => {
    const a = await createTestApp(env);
    const b = await createTestApp(env, { replicaOf: a });
    const rx = await startReceiver();
    try {
      const hook = (await a.api.post('/v1/webhooks', { url: rx.url, events: ['room_created'] })).body;
      await Promise.all([a.services.deliveryWorker.start(), b.services.deliveryWorker.start()]);
      const ids = Array.from({ length: 120 }, (_, i) => `EV_${a.prefix}_r${i}`);
      for (let i = 0; i < ids.length; i += 10) await Promise.all(ids.slice(i, i + 10).map((id) => queue(i % 20 === 0 ? a : b, id)));
      await waitFor('every delivery to succeed', async () => {
        const row = await a.deps.db('webhook_deliveries').where({ webhook_id: hook.id }).whereNot({ status: 'succeeded' }).count<{ count: string }[]>({ count: '*' });
        return Number(row[0]!.count) === 0 && rx.received.length >= ids.length;
      }, 60_000);
      const got = rx.received.map((r) => r.headers[EVENT_ID_HEADER.toLowerCase()] as string);
      expect(got.sort()).toEqual([...ids].sort()); // each once: no replica took another's claim
      const deliveries = await a.deps.db('webhook_deliveries').where({ webhook_id: hook.id });
      expect(deliveries).toHaveLength(ids.length);
      expect(deliveries.every((d: { attempts: number }) => d.attempts === 1)).toBe(true);
      const attempts = await a.deps.db('webhook_attempts').whereIn('delivery_id', deliveries.map((d: { id: string }) => d.id));
      expect(attempts).toHaveLength(ids.length);
      expect(attempts.every((x: { status_code: number }) => x.status_code === 200)).toBe(true);
    } finally {
      await rx.close();
      await b.close();
      await a.close();
    }
  });

  it('a claim whose worker died is delivered by another after its lease, and the dead claim cannot undo it', { timeout: 60_000 }, async () => {
    const a = await createTestApp(env);
    const rx = await startReceiver();
    try {
      const hook = (await a.api.post('/v1/webhooks', { url: rx.url, events: ['room_created'] })).body;
      await queue(a, `EV_${a.prefix}_crash`);
      // A replica claims the delivery for 1.5 s and dies before sending it.
      const store = new WebhooksStore(a.deps.db);
      const [dead] = await store.claimDue(10, 1500);
      expect(dead).toMatchObject({ webhookId: hook.id, attempts: 1, status: 'delivering' });
      await a.services.deliveryWorker.start();
      const d = await waitFor('the delivery after the lease', async () => {
        const [row] = await a.deps.db('webhook_deliveries').where({ id: dead!.id });
        return row.status === 'succeeded' ? row : undefined;
      }, 30_000);
      expect(d.attempts).toBe(2);
      expect(rx.received).toHaveLength(1);
      // The dead replica comes back and records its old attempt as a 503: its claim is gone, so the
      // attempt is logged but the delivery stays delivered (and is not retried).
      await store.recordAttempts(
        [{ deliveryId: dead!.id, webhookId: hook.id, attempt: 1, result: { statusCode: 503, latencyMs: 5, error: 'HTTP 503' }, next: { status: 'pending', retryInMs: 0 } }],
        50,
      );
      const [after] = await a.deps.db('webhook_deliveries').where({ id: dead!.id });
      expect(after).toMatchObject({ status: 'succeeded', attempts: 2, last_status_code: 200 });
      const logged = await a.deps.db('webhook_attempts').where({ delivery_id: dead!.id }).orderBy('id');
      expect(logged.map((x: { status_code: number }) => x.status_code)).toEqual([200, 503]);
    } finally {
      await rx.close();
      await a.close();
    }
  });

  it('stop() sends what it claimed and records it before returning', { timeout: 60_000 }, async () => {
    const a = await createTestApp(env);
    const rx = await startReceiver();
    try {
      const hook = (await a.api.post('/v1/webhooks', { url: rx.url, events: ['room_created'] })).body;
      const ids = Array.from({ length: 40 }, (_, i) => `EV_${a.prefix}_stop${i}`);
      for (const id of ids) await queue(a, id);
      await a.services.deliveryWorker.start();
      await waitFor('the first arrival', async () => rx.received.length > 0, 30_000, 5);
      await a.services.deliveryWorker.stop();
      // Nothing is left claimed: each delivery is either untouched or delivered and recorded.
      const rows = await a.deps.db('webhook_deliveries').where({ webhook_id: hook.id });
      expect(rows.filter((r: { status: string }) => r.status === 'delivering')).toEqual([]);
      const delivered = rows.filter((r: { status: string }) => r.status === 'succeeded');
      expect(delivered.length).toBe(rx.received.length);
      await a.services.deliveryWorker.start();
      await waitFor('the rest', async () => rx.received.length === ids.length, 30_000);
    } finally {
      await rx.close();
      await a.close();
    }
  });
});
