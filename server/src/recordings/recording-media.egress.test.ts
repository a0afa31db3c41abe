// Needs a running LiveKit egress (room composite). Runs in the `egress` vitest project: scripts/test
// includes it whenever the egress binary is installed (see README, "Recording in CI").
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe } from '../../test/media.js';
import { streamLikeObs } from '../../test/obs-stream.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { waitFor } from '../../test/wait.js';
import { RecordingListSchema, RecordingSchema, RecordingStartedSchema } from './recordings-schemas.js';

let t: TestApp;
let pusher: { stop: () => Promise<void> } | undefined;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await pusher?.stop();
  await t.close();
});

const api = () => t.api;

async function getRecording(id: string) {
  const res = await api().get(`/v1/recordings/${id}`);
  expect(res.status).toBe(200);
  return RecordingSchema.parse(res.body);
}

describe('recording a room fed by OBS-style RTMP, on real ingress, egress and MinIO', () => {
  it('records an MP4 into the bucket that ffprobe accepts and the download URL returns byte for byte', async () => {
    const room = `${t.prefix}-rec`;
    expect((await api().post('/v1/rooms', { name: room })).status).toBe(201);

    // 1. An RTMP ingress, fed by ffmpeg as OBS would be.
    const obs = await streamLikeObs(t, room, 90);
    pusher = obs.pusher;
    const { ingress } = obs;
    expect(obs.participant.name).toBe('OBS');

    // 2. Start (and start again: idempotent), wait until egress is really recording.
    const start = await api().post(`/v1/rooms/${room}/recording/start`);
    expect(start.status).toBe(201);
    const started = RecordingStartedSchema.parse(start.body);
    expect(started).toMatchObject({ roomId: room, status: 'recording' });
    expect(started.egressId).toMatch(/^EG_/);
    const again = await api().post(`/v1/rooms/${room}/recording/start`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'already_recording', egressId: started.egressId, recordingId: started.recordingId });
    expect((await api().get(`/v1/rooms/${room}/recording`)).body).toMatchObject({ isRecording: true, egressId: started.egressId });

    await waitFor('egress to go active', async () => {
      const r = await getRecording(started.recordingId);
      return r.status === 'recording' && r.startedAt ? r : undefined;
    }, 45_000, 100);
    // The recorded time, by our clock: from egress reporting active to our stop request.
    const activeAt = Date.now();

    // 3. Record for a while, stop, and wait until the file is complete in the bucket.
    await new Promise((r) => setTimeout(r, 8000));
    const recordedMs = Date.now() - activeAt;
    const stop = await api().post(`/v1/rooms/${room}/recording/stop`);
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ status: 'stopped', egressId: started.egressId });
    expect((await api().get(`/v1/rooms/${room}/recording`)).body.isRecording).toBe(false);
    expect((await api().post(`/v1/rooms/${room}/recording/stop`)).status).toBe(404);

    const done = await waitFor('the recording to complete', async () => {
      const r = await getRecording(started.recordingId);
      if (r.status === 'failed' || r.status === 'aborted') throw new Error(`recording ${r.status}: ${r.failureReason}`);
      return r.status === 'completed' ? r : undefined;
    }, 60_000);
    expect(done.sizeBytes).toBeGreaterThan(10_000);
    expect(done.objectKey).toBe(`recordings/${room}/${started.recordingId}.mp4`);

    // 4. The download URL returns exactly the object that is in MinIO.
    const dl = await api().get(`/v1/recordings/${started.recordingId}/download`);
    expect(dl.status).toBe(200);
    expect(Date.parse(dl.body.expiresAt)).toBeGreaterThan(Date.now());
    const viaUrl = Buffer.from(await (await fetch(dl.body.url)).arrayBuffer());
    const inBucket = await t.deps.storage.stat(done.objectKey);
    expect(viaUrl.length).toBe(inBucket!.size);
    expect(viaUrl.length).toBe(done.sizeBytes);
    const direct = await fetch(await t.deps.storage.presignGet(done.objectKey, 60));
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(viaUrl)).toBe(sha(Buffer.from(await direct.arrayBuffer())));

    // 5. ffprobe: a video and an audio stream, and the duration we recorded (within 2 s).
    const file = join(await mkdtemp(join(tmpdir(), 'rtcstack-rec-')), 'recording.mp4');
    await writeFile(file, viaUrl);
    const probe = await ffprobe(file);
    expect(probe.format.format_name).toMatch(/mp4/);
    const video = probe.streams.find((s) => s.codec_type === 'video');
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    expect(video?.codec_name).toBe('h264');
    expect(['aac', 'opus']).toContain(audio?.codec_name);
    expect(Math.abs(Number(probe.format.duration) * 1000 - recordedMs)).toBeLessThan(2000);

    // 6. The index lists it; deleting removes the object and the row.
    const list = RecordingListSchema.parse((await api().get(`/v1/recordings?roomId=${room}&status=completed`)).body);
    expect(list.recordings.map((r) => r.id)).toEqual([started.recordingId]);
    expect(list).toMatchObject({ total: 1, page: 1, pageSize: 20 });
    expect((await api().del(`/v1/recordings/${started.recordingId}`)).status).toBe(204);
    expect(await t.deps.storage.stat(done.objectKey)).toBeUndefined();
    expect((await api().get(`/v1/recordings/${started.recordingId}`)).status).toBe(404);

    await pusher.stop();
    expect((await api().del(`/v1/rooms/${room}/ingress/${ingress.ingressId}`)).status).toBe(204);
    expect((await api().del(`/v1/rooms/${room}/ingress/${ingress.ingressId}`)).status).toBe(404);
  }, 240_000);

});
