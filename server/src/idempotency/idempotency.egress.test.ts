// Needs a running LiveKit egress (room composite). Runs in the `egress` vitest project: scripts/test
// includes it whenever the egress binary is installed (see README, "Recording in CI").
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrently, expectOneRun } from '../../test/concurrent-duplicates.js';
import { streamLikeObs } from '../../test/obs-stream.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { waitFor } from '../../test/wait.js';

let t: TestApp;
let replica: TestApp;
let pusher: { stop: () => Promise<void> } | undefined;
beforeAll(async () => {
  // Starting egress takes longer than the default upstream timeout allows on a busy machine.
  t = await createTestApp({ UPSTREAM_TIMEOUT_MS: '10000' });
  replica = await createTestApp({ UPSTREAM_TIMEOUT_MS: '10000' }, { replicaOf: t });
});
afterAll(async () => {
  await pusher?.stop();
  await replica?.close();
  await t?.close();
});

describe('concurrent duplicates of a recording start, on real egress', () => {
  it('10 starts at once with one Idempotency-Key, across two replicas, start one recording', async () => {
    const room = `${t.prefix}-idem-rec`;
    await t.api.post('/v1/rooms', { name: room }).expect(201);
    const obs = await streamLikeObs(t, room, 60);
    pusher = obs.pusher;

    const key = randomUUID();
    const start = (app: typeof t.app) => request(app).post(`/v1/rooms/${room}/recording/start`).set('X-API-Key', t.apiKey).set('Idempotency-Key', key).send({});
    const responses = await concurrently(10, [t.app, replica.app], start);
    // A second run would have found the first's recording and answered 200 already_recording (or 409 being set up).
    const ran = expectOneRun(responses, 201);
    expect(ran.body).toMatchObject({ roomId: room, status: 'recording' });
    expect(responses.some((r) => r.status === 200)).toBe(false);

    const list = await t.api.get(`/v1/recordings?roomId=${room}`).expect(200);
    expect(list.body.recordings.map((r: { id: string }) => r.id)).toEqual([ran.body.recordingId]);
    // Replayed later too, from either replica: the same recording.
    const later = await start(replica.app).expect(201);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.body.recordingId).toBe(ran.body.recordingId);

    await waitFor('egress to go active', async () => (await t.api.get(`/v1/recordings/${ran.body.recordingId}`)).body.status === 'recording', 45_000, 200);
    await t.api.post(`/v1/rooms/${room}/recording/stop`).expect(200);
    await waitFor('the recording to end', async () => ['completed', 'failed', 'aborted'].includes((await t.api.get(`/v1/recordings/${ran.body.recordingId}`)).body.status), 60_000);
    await pusher.stop();
    pusher = undefined;
    await t.api.del(`/v1/rooms/${room}/ingress/${obs.ingress.ingressId}`).expect(204);
    await t.api.del(`/v1/recordings/${ran.body.recordingId}`).expect(204);
  }, 240_000);
});
