import { createServer, type Server } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { HealthSchema } from './health-schemas.js';

/** A TCP server that accepts connections and never answers: the worst kind of dead dependency. */
async function blackhole(): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const { port, server } = await blackhole();
  await new Promise((r) => server.close(r));
  return port;
}

describe('GET /v1/health on the real stack', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ STT_LIVE_URL: `http://127.0.0.1:${await closedPort()}` });
  });
  afterAll(() => t.close());

  it('reports ok, the version, capabilities and the dependencies, without an API key', async () => {
    const res = await request(t.app).get('/v1/health');
    expect(res.status).toBe(200);
    const health = HealthSchema.parse(res.body);
    expect(health).toMatchObject({
      status: 'ok',
      version: '0.1.0',
      // stt-live is configured but not answering; stt-post is not configured at all.
      capabilities: { transcriptionLive: false, transcriptionPost: false },
      dependencies: { postgres: { ok: true }, livekit: { ok: true } },
    });
  });
});

describe('a dependency that is down gives a fast 503, never a hang or a 500', () => {
  let hole: { port: number; server: Server };
  let deadLiveKit: TestApp;
  let hungLiveKit: TestApp;
  let deadPostgres: TestApp;
  let hungPostgres: TestApp;
  beforeAll(async () => {
    hole = await blackhole();
    const dead = await closedPort();
    deadLiveKit = await createTestApp({ LIVEKIT_URL: `http://127.0.0.1:${dead}` });
    hungLiveKit = await createTestApp({ LIVEKIT_URL: `http://127.0.0.1:${hole.port}` });
    deadPostgres = await createTestApp({ DATABASE_URL: `postgres://rtcstack:x@127.0.0.1:${dead}/rtcstack` });
    hungPostgres = await createTestApp({ DATABASE_URL: `postgres://rtcstack:x@127.0.0.1:${hole.port}/rtcstack` });
  });
  afterAll(async () => {
    await Promise.all([deadLiveKit, hungLiveKit, deadPostgres, hungPostgres].map((t) => t.close()));
    hole.server.close();
  });

  async function timed(req: request.Test) {
    const start = performance.now();
    const res = await req;
    return { res, ms: performance.now() - start };
  }

  it.each([
    ['refuses connections', () => deadLiveKit],
    ['accepts but never answers', () => hungLiveKit],
  ])('LiveKit that %s → 503 within 2 s', async (_what, app) => {
    const t = app();
    for (const req of [
      request(t.app).get('/v1/rooms').set('X-API-Key', t.apiKey),
      request(t.app).post('/v1/rooms').set('X-API-Key', t.apiKey).send({ name: 'x' }),
      request(t.app).get('/v1/rooms/x/participants').set('X-API-Key', t.apiKey),
    ]) {
      const { res, ms } = await timed(req);
      expect(ms).toBeLessThan(2000);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.body.detail).toMatch(/^LiveKit (is unreachable|did not answer in time)/);
    }
    const { res, ms } = await timed(request(t.app).get('/v1/health'));
    expect(ms).toBeLessThan(2000);
    expect(res.body).toMatchObject({ status: 'degraded', dependencies: { livekit: { ok: false }, postgres: { ok: true } } });
    // Issuing tokens needs neither LiveKit nor Postgres, so it keeps working.
    const tok = await request(t.app).post('/v1/token').set('X-API-Key', t.apiKey).send({ roomId: 'r', userId: 'u', name: 'n', role: 'host' });
    expect(tok.status).toBe(200);
  });

  it.each([
    ['refuses connections', () => deadPostgres],
    ['accepts but never answers', () => hungPostgres],
  ])('Postgres that %s → 503 within 2 s, and nothing is done unrecorded', async (_what, app) => {
    const t = app();
    const room = `${t.prefix}-pgdown`;
    expect((await request(t.app).post('/v1/rooms').set('X-API-Key', t.apiKey).send({ name: room })).status).toBe(201);
    for (const req of [
      request(t.app).delete(`/v1/rooms/${room}`).set('X-API-Key', t.apiKey),
      request(t.app).get('/v1/audit').set('X-API-Key', t.apiKey),
    ]) {
      const { res, ms } = await timed(req);
      expect(ms).toBeLessThan(2000);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ type: 'https://rtcstack.dev/errors/service-unavailable', detail: expect.stringMatching(/^Postgres is unavailable/) });
    }
    // The delete was refused before it reached LiveKit: the room is still there.
    expect((await request(t.app).get(`/v1/rooms/${room}`).set('X-API-Key', t.apiKey)).status).toBe(200);
    const { res, ms } = await timed(request(t.app).get('/v1/health'));
    expect(ms).toBeLessThan(2000);
    expect(res.body).toMatchObject({ status: 'degraded', dependencies: { postgres: { ok: false }, livekit: { ok: true } } });
  });
});
