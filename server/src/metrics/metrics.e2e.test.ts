import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue, type PromSample } from '../../test/prometheus-text.js';
import { freePort, startSttLive, type SidecarProcess } from '../../test/sidecar-process.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { waitFor } from '../../test/wait.js';
import { startReceiver } from '../../test/webhook-receiver.js';
import { RecordingsStore } from '../recordings/recordings-store.js';
import { TranscriptionsStore } from '../transcriptions/transcriptions-store.js';
import { WebhooksStore } from '../webhooks/webhooks-store.js';

const TOKEN = randomBytes(24).toString('base64url');

async function scrape(t: TestApp): Promise<{ text: string; samples: PromSample[]; ms: number }> {
  const start = performance.now();
  const res = await request(t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
  const ms = performance.now() - start;
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: res.text, samples: parsePrometheus(res.text), ms };
}

function expectProblem(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: 'https://rtcstack.dev/errors/unauthorized' });
}

describe('GET /metrics on the real stack', () => {
  let t: TestApp;
  const logs: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    t = await createTestApp(
      // Cache 0: every scrape reads Postgres again, so a test sees its own inserts at once.
      { METRICS_TOKEN: TOKEN, METRICS_CACHE_MS: '0', STT_LIVE_URL: `http://127.0.0.1:${await freePort()}`, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50' },
      { logger },
    );
  });
  afterAll(() => t.close());

  it('refuses a scrape without the token, with a wrong one, or with the API key (401 problem+json)', async () => {
    expectProblem(await request(t.app).get('/metrics'), 401);
    expectProblem(await request(t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`), 401);
    expectProblem(await request(t.app).get('/metrics').set('X-API-Key', t.apiKey), 401);
  });

  it('without METRICS_TOKEN refuses every scrape', async () => {
    const off = await createTestApp({}, { replicaOf: t });
    try {
      const res = await request(off.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
      expectProblem(res, 401);
      expect(res.body.detail).toMatch(/METRICS_TOKEN/);
    } finally {
      await off.close();
    }
  });

  it('times requests by route template and status code, never by raw URL', async () => {
    await t.api.get(`/v1/rooms/${t.prefix}-no-such-room`).expect(404);
    await t.api.get(`/v1/rooms/${t.prefix}-no-such-room-either`).expect(404);
    await t.api.get(`/v1/${t.prefix}-no-such-route`).expect(404);
    const { text, samples } = await scrape(t);
    expect(sampleValue(samples, 'http_request_duration_seconds_count', { method: 'GET', route: '/v1/rooms/:roomId', status_code: '404' })).toBe(2);
    expect(sampleValue(samples, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(sampleValue(samples, 'http_request_duration_seconds_bucket', { route: '/v1/rooms/:roomId', status_code: '404', le: '+Inf' })).toBe(2);
    expect(text).not.toContain(t.prefix);
  });

  it('reports recordings and transcriptions by status, and live transcription sessions, from Postgres', async () => {
    const before = await scrape(t);
    for (const status of ['starting', 'recording', 'completed', 'failed']) expect(sampleValue(before.samples, 'rtcstack_recordings', { status })).toBe(0);
    expect(sampleValue(before.samples, 'rtcstack_transcriptions', { kind: 'post', status: 'queued' })).toBe(0);
    expect(sampleValue(before.samples, 'rtcstack_live_transcription_sessions')).toBe(0);

    const recordings = new RecordingsStore(t.deps.db);
    const rec = (await recordings.insertStarting({ id: `rec_${t.prefix}`, roomName: `${t.prefix}-a`, objectKey: `${t.prefix}/a.mp4`, bucket: 'b' }))!;
    await recordings.insertStarting({ id: `rec_${t.prefix}_b`, roomName: `${t.prefix}-b`, objectKey: `${t.prefix}/b.mp4`, bucket: 'b' });
    await recordings.update(rec.id, { status: 'completed' }, { evenIfTerminal: true });
    const transcriptions = new TranscriptionsStore(t.deps.db);
    const base = { language: 'en', options: {}, participants: {}, recordingId: null, startedAt: new Date().toISOString() };
    await transcriptions.insert({ ...base, id: `tr_${t.prefix}_live`, kind: 'live', roomName: `${t.prefix}-a`, status: 'active' });
    await transcriptions.insert({ ...base, id: `tr_${t.prefix}_post`, kind: 'post', roomName: null, recordingId: rec.id, status: 'queued' });

    const after = await scrape(t);
    expect(sampleValue(after.samples, 'rtcstack_recordings', { status: 'starting' })).toBe(1);
    expect(sampleValue(after.samples, 'rtcstack_recordings', { status: 'completed' })).toBe(1);
    expect(sampleValue(after.samples, 'rtcstack_transcriptions', { kind: 'live', status: 'active' })).toBe(1);
    expect(sampleValue(after.samples, 'rtcstack_transcriptions', { kind: 'post', status: 'queued' })).toBe(1);
    expect(sampleValue(after.samples, 'rtcstack_live_transcription_sessions')).toBe(1);
  });

  it('reports the webhook outbox depth, then the delivery attempt latency once the worker has sent it', { timeout: 30_000 }, async () => {
    const rx = await startReceiver();
    try {
      await scrape(t); // the first scrape notes where webhook_attempts ends: a histogram starts at zero
      await t.api.post('/v1/webhooks', { url: rx.url, events: ['room_created'] }).expect(201);
      const eventId = `ev_${t.prefix}`;
      await new WebhooksStore(t.deps.db).enqueue({ id: eventId, type: 'room_created', body: { id: eventId, type: 'room_created', data: { room: { name: `${t.prefix}-hooked` } } } });

      const queued = await scrape(t);
      expect(sampleValue(queued.samples, 'rtcstack_webhook_outbox_deliveries', { status: 'pending' })).toBe(1);
      expect(sampleValue(queued.samples, 'rtcstack_webhook_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);

      await t.services.deliveryWorker.start();
      await waitFor('the delivery', async () => rx.received.length > 0);
      const sent = await waitFor('the attempt in /metrics', async () => {
        const s = await scrape(t);
        return sampleValue(s.samples, 'rtcstack_webhook_attempt_duration_seconds_count', { outcome: '2xx' }) === 1 && s;
      });
      expect(sampleValue(sent.samples, 'rtcstack_webhook_attempt_duration_seconds_bucket', { outcome: '2xx', le: '+Inf' })).toBe(1);
      expect(sampleValue(sent.samples, 'rtcstack_webhook_outbox_deliveries', { status: 'pending' })).toBe(0);
      expect(sampleValue(sent.samples, 'rtcstack_webhook_outbox_oldest_age_seconds')).toBe(0);
    } finally {
      await t.services.deliveryWorker.stop();
      await rx.close();
    }
  });

  it('reports sidecar health, LiveKit rooms, rate-limit counters and process metrics', async () => {
    const { samples } = await scrape(t);
    // stt-live is configured but nothing answers; stt-post is not configured.
    expect(sampleValue(samples, 'rtcstack_sidecar_up', { sidecar: 'stt-live' })).toBe(0);
    expect(sampleValue(samples, 'rtcstack_sidecar_up', { sidecar: 'stt-post' })).toBe(0);
    expect(sampleValue(samples, 'rtcstack_scrape_source_up', { source: 'livekit' })).toBe(1);
    expect(sampleValue(samples, 'rtcstack_livekit_rooms')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'rtcstack_rate_limit_rejections_total')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'rtcstack_rate_limit_fail_open_total')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'rtcstack_build_info', { version: t.config.version })).toBe(1);
  });

  it('counts rate-limit rejections, and requests let through while Redis is down', async () => {
    const limited = await createTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_BOOTSTRAP_PER_MINUTE: '1', RATE_LIMIT_KEY_PREFIX: `rtcstack-test:${t.prefix}:metrics` }, { replicaOf: t });
    const noRedis = await createTestApp({ METRICS_TOKEN: TOKEN, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, { replicaOf: t });
    try {
      await limited.api.get('/v1/rooms').expect(200);
      await limited.api.get('/v1/rooms').expect(429);
      const l = (await scrape(limited)).samples;
      expect(sampleValue(l, 'rtcstack_rate_limit_rejections_total')).toBe(1);
      expect(sampleValue(l, 'rtcstack_rate_limit_redis_up')).toBe(1);

      await noRedis.api.get('/v1/rooms').expect(200);
      const n = (await scrape(noRedis)).samples;
      expect(sampleValue(n, 'rtcstack_rate_limit_fail_open_total')).toBe(1);
      expect(sampleValue(n, 'rtcstack_rate_limit_redis_up')).toBe(0);
    } finally {
      await noRedis.close();
      await limited.close();
    }
  });

  it('logs each request with its request id and, once authenticated, its key id', async () => {
    const authed = await t.api.get('/v1/rooms').expect(200);
    const anonymous = await request(t.app).get('/v1/rooms').expect(401);
    const line = (res: request.Response) => waitFor('the log line', async () => logs.find((l) => l.msg === 'request completed' && l.reqId === res.headers['x-request-id']));
    expect(await line(authed)).toMatchObject({ keyId: 'bootstrap', method: 'GET', url: '/v1/rooms', status: 200 });
    const refused = await line(anonymous);
    expect(refused).toMatchObject({ status: 401 });
    expect(refused).not.toHaveProperty('keyId');
  });
});

describe('GET /metrics while Postgres is down', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN: TOKEN, METRICS_CACHE_MS: '0', DATABASE_URL: `postgres://rtcstack:x@127.0.0.1:${await freePort()}/rtcstack` });
  });
  afterAll(() => t.close());

  it('still answers, fast, leaving out the Postgres gauges and counting the error', async () => {
    await request(t.app).get('/v1/health');
    const first = await scrape(t);
    const second = await scrape(t);
    expect(first.ms).toBeLessThan(3000);
    expect(sampleValue(second.samples, 'rtcstack_scrape_source_up', { source: 'postgres' })).toBe(0);
    expect(sampleValue(second.samples, 'rtcstack_scrape_errors_total', { source: 'postgres' })).toBe(2);
    expect(second.samples.filter((s) => s.name === 'rtcstack_recordings' || s.name === 'rtcstack_webhook_outbox_deliveries')).toEqual([]);
    // What does not come from Postgres is still there.
    expect(sampleValue(second.samples, 'http_request_duration_seconds_count', { route: '/v1/health', status_code: '200' })).toBe(1);
    expect(sampleValue(second.samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });
});

describe('GET /metrics with a live stt-live sidecar', () => {
  let sidecar: SidecarProcess;
  let t: TestApp;
  beforeAll(async () => {
    sidecar = await startSttLive();
    t = await createTestApp({ METRICS_TOKEN: TOKEN, STT_LIVE_URL: sidecar.url, SIDECAR_HEALTH_CACHE_MS: '0' });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await sidecar?.stop();
  });

  it('reports it up, and down once it dies', { timeout: 30_000 }, async () => {
    expect(sampleValue((await scrape(t)).samples, 'rtcstack_sidecar_up', { sidecar: 'stt-live' })).toBe(1);
    await sidecar.kill();
    // METRICS_CACHE_MS is the default here (2 s): the next fresh reading comes after it.
    await waitFor('stt-live down in /metrics', async () => sampleValue((await scrape(t)).samples, 'rtcstack_sidecar_up', { sidecar: 'stt-live' }) === 0);
  });
});
