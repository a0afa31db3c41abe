import { createHash, createHmac } from 'node:crypto';
import { EgressInfo, EgressStatus, FileInfo, WebhookEvent } from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { RecordingsStore } from '../recordings/recordings-store.js';
import { dispose } from '@livekit/rtc-node';
import type { Server } from 'node:http';
import { RtcParticipant } from '../../test/rtc-participant.js';
import { waitFor } from '../../test/wait.js';
import { startReceiver } from '../../test/webhook-receiver.js';
import { SIGNATURE_HEADER, verifyWebhook } from '../webhooks/signature.js';
import { LIVEKIT_WEBHOOK_PATH } from './livekit-events-routes.js';
import { LiveKitEventsStore } from './livekit-events-store.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50' });
});
afterAll(async () => {
  await dispose();
  await t.close();
});

/** Signs a body the way livekit-server does: a JWT from the API key whose sha256 claim is the body's hash. */
async function sign(body: string, secret = t.config.livekit.apiSecret, issuedAgoSeconds = 0): Promise<string> {
  const at = new AccessToken(t.config.livekit.apiKey, secret, { ttl: 600 - issuedAgoSeconds });
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return at.toJwt();
}

function post(body: string, auth?: string) {
  const req = request(t.app).post(LIVEKIT_WEBHOOK_PATH).set('Content-Type', 'application/webhook+json');
  if (auth) req.set('Authorization', auth);
  return req.send(body);
}

describe('livekit-server webhooks', () => {
  it('an egress_ended event completes the recording it belongs to', async () => {
    const store = new RecordingsStore(t.deps.db);
    const id = `rec_${t.prefix}abc`;
    await store.insertStarting({ id, roomName: `${t.prefix}-room`, objectKey: `recordings/x/${id}.mp4`, bucket: 'b' });
    await store.update(id, { egressId: `EG_${t.prefix}`, status: 'recording' });

    const event = new WebhookEvent({
      event: 'egress_ended',
      id: `EV_${t.prefix}`,
      createdAt: BigInt(Math.floor(Date.now() / 1000)),
      egressInfo: new EgressInfo({
        egressId: `EG_${t.prefix}`,
        roomName: `${t.prefix}-room`,
        status: EgressStatus.EGRESS_COMPLETE,
        endedAt: BigInt(Date.now()) * 1_000_000n,
        fileResults: [new FileInfo({ filename: `recordings/x/${id}.mp4`, duration: 5_000_000_000n, size: 4242n })],
      }),
    });
    const body = event.toJsonString();
    const res = await post(body, await sign(body));
    expect(res.status).toBe(200);
    expect(await store.get(id)).toMatchObject({ status: 'completed', durationMs: 5000, sizeBytes: 4242 });

    expect(res.body).toEqual({ received: true, duplicate: false });

    // Delivered again (LiveKit retries): stored once, acted on once.
    const again = await post(body, await sign(body));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    const stored = await new LiveKitEventsStore(t.deps.db).listForRoom(`${t.prefix}-room`);
    expect(stored.map((e) => [e.id, e.event, e.type])).toEqual([[`EV_${t.prefix}`, 'egress_ended', 'recording_stopped']]);
  });

  it('an event whose recordings update fails is not marked seen: LiveKit\'s retry applies it', async () => {
    const store = new RecordingsStore(t.deps.db);
    const id = `rec_${t.prefix}retry`;
    await store.insertStarting({ id, roomName: `${t.prefix}-retry`, objectKey: `recordings/x/${id}.mp4`, bucket: 'b' });
    await store.update(id, { egressId: `EG_${t.prefix}retry` });
    const event = new WebhookEvent({
      event: 'egress_updated',
      id: `EV_${t.prefix}retry`,
      createdAt: BigInt(Math.floor(Date.now() / 1000)),
      egressInfo: new EgressInfo({ egressId: `EG_${t.prefix}retry`, roomName: `${t.prefix}-retry`, status: EgressStatus.EGRESS_ACTIVE, startedAt: BigInt(Date.now()) * 1_000_000n }),
    });
    const body = event.toJsonString();
    // A real failure inside Postgres while the update is applied (a trigger that raises), once.
    await t.deps.db.raw(`CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await t.deps.db.raw(`CREATE TRIGGER fail_once BEFORE UPDATE ON recordings FOR EACH ROW WHEN (NEW.id = '${id}') EXECUTE FUNCTION fail_once()`);
    try {
      const failed = await post(body, await sign(body));
      expect(failed.status).toBeGreaterThanOrEqual(500); // LiveKit retries anything but a 2xx
      expect(failed.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await t.deps.db.raw('DROP TRIGGER fail_once ON recordings');
      await t.deps.db.raw('DROP FUNCTION fail_once()');
    }
    // Nothing of the failed attempt was kept: no event row, so the retry is not a duplicate.
    expect(await new LiveKitEventsStore(t.deps.db).listForRoom(`${t.prefix}-retry`)).toEqual([]);
    const retried = await post(body, await sign(body));
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ received: true, duplicate: false });
    expect(await store.get(id)).toMatchObject({ status: 'recording' });
  });

  it('rejects a forged, tampered or unsigned webhook with a problem+json 401', async () => {
    const body = new WebhookEvent({ event: 'room_started', id: 'EV_forged' }).toJsonString();
    for (const auth of [await sign(body, 'x'.repeat(48)), await sign(`${body} `), undefined]) {
      const res = await post(body, auth);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toMatch(/^LiveKit webhook rejected/);
    }
  });

  it('rejects a stale webhook (its token has expired)', async () => {
    const body = new WebhookEvent({ event: 'room_started', id: 'EV_stale' }).toJsonString();
    // Correctly signed, but it expired a minute ago (beyond the verifier's 10 s clock tolerance).
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
      iss: t.config.livekit.apiKey,
      nbf: now - 600,
      exp: now - 60,
      sha256: createHash('sha256').update(body).digest('base64'),
    })}`;
    const jwt = `${unsigned}.${createHmac('sha256', t.config.livekit.apiSecret).update(unsigned).digest('base64url')}`;
    const res = await post(body, jwt);
    expect(res.status).toBe(401);
  });
});

describe('webhooks from the real livekit-server', () => {
  // scripts/stack points livekit-server's webhook at http://127.0.0.1:$PORT/v1/livekit/webhook.
  const port = Number(process.env.PORT ?? 3000);
  let server: Server;
  beforeAll(async () => {
    server = t.app.listen(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', (err) => reject(new Error(`port ${port} must be free for livekit's webhooks (stop scripts/run while testing): ${err.message}`)));
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a real participant joining a real room arrives as a verified participant_joined, stored once and delivered signed', async () => {
    const room = `${t.prefix}-joined`;
    const rx = await startReceiver();
    const hook = (await t.api.post('/v1/webhooks', { url: rx.url, events: ['participant_joined'] })).body;
    await t.services.deliveryWorker.start();
    const tok = await request(t.app)
      .post('/v1/token')
      .set('X-API-Key', t.apiKey)
      .send({ roomId: room, userId: 'june', name: 'June', role: 'participant' });
    const june = await new RtcParticipant().join(tok.body.url, tok.body.token);
    try {
      const store = new LiveKitEventsStore(t.deps.db);
      const events = await waitFor('participant_joined from livekit-server', async () => {
        const evs = await store.listForRoom(room);
        return evs.some((e) => e.type === 'participant_joined') ? evs : undefined;
      }, 20_000);
      const joined = events.filter((e) => e.type === 'participant_joined');
      expect(joined).toHaveLength(1);
      expect(joined[0]).toMatchObject({ event: 'participant_joined', participantIdentity: 'june', roomName: room });
      expect(joined[0]!.id).toMatch(/^EV_/);
      expect(events.map((e) => e.type)).toContain('room_created');

      // …and reaches the customer's endpoint, signed, with the event id for idempotency.
      const got = await waitFor('participant_joined at the receiver', async () => rx.received.find((r) => JSON.parse(r.body).data?.room?.name === room), 10_000);
      expect(verifyWebhook(hook.secret, got.headers[SIGNATURE_HEADER.toLowerCase()] as string, got.body)).toBe(true);
      const body = JSON.parse(got.body);
      expect(body).toMatchObject({ id: joined[0]!.id, type: 'participant_joined', data: { participant: { identity: 'june' } } });
      expect(got.headers['x-rtcstack-event-id']).toBe(joined[0]!.id);
    } finally {
      await june.leave();
      await rx.close();
    }
  });
});
