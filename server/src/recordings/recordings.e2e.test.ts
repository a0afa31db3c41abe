import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamLikeObs } from '../../test/obs-stream.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { createWhipOffer } from '../../test/whip-offer.js';
import { IngressInfoSchema } from '../ingress/ingress-schemas.js';
import { RecordingListSchema } from './recordings-schemas.js';

const sh = promisify(execFile);
const STACK = join(import.meta.dirname, '../../../scripts/stack');

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

describe('ingress and recording endpoints on the real stack', () => {
  it('an RTMP push from ffmpeg (as OBS) joins the room as the ingress participant', async () => {
    const room = `${t.prefix}-rtmp`;
    const obs = await streamLikeObs(t, room, 60);
    pusher = obs.pusher;
    const { ingress } = obs;
    const listed = await api().get(`/v1/rooms/${room}/ingress`);
    expect(listed.body.ingress.map((i: { ingressId: string }) => i.ingressId)).toEqual([ingress.ingressId]);
    expect(obs.participant.tracks.map((tr) => tr.type).sort()).toEqual(['AUDIO', 'VIDEO']);
    await pusher.stop();
    expect((await api().del(`/v1/rooms/${room}/ingress/${ingress.ingressId}`)).status).toBe(204);
    expect((await api().del(`/v1/rooms/${room}/ingress/${ingress.ingressId}`)).status).toBe(404);
  }, 90_000);

  it('a WHIP ingress URL answers a real SDP offer with 201 and an SDP answer', async () => {
    const room = `${t.prefix}-whip`;
    const created = await api().post(`/v1/rooms/${room}/ingress`, { type: 'whip' });
    expect(created.status).toBe(201);
    const ingress = IngressInfoSchema.parse(created.body);
    expect(ingress.inputType).toBe('WHIP_INPUT');
    expect(ingress.participantName).toBe('Ingress Stream');
    const offer = await createWhipOffer();
    try {
      const res = await fetch(ingress.url.endsWith(ingress.streamKey) ? ingress.url : `${ingress.url}/${ingress.streamKey}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${ingress.streamKey}` },
        body: offer.sdp,
      });
      const answer = await res.text();
      expect(res.status, answer).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/application\/sdp/);
      expect(answer).toMatch(/^v=0/);
      expect(answer).toMatch(/a=fingerprint:/);
      expect(res.headers.get('location')).toBeTruthy();
    } finally {
      await offer.close();
    }
    expect((await api().del(`/v1/rooms/${room}/ingress/${ingress.ingressId}`)).status).toBe(204);
  }, 60_000);

  it('validates input and answers 404 for what is not there', async () => {
    expect((await api().post(`/v1/rooms/${t.prefix}-none/recording/start`)).status).toBe(404);
    expect((await api().post(`/v1/rooms/${t.prefix}-none/recording/stop`)).status).toBe(404);
    expect((await api().get(`/v1/rooms/${t.prefix}-none/recording`)).body).toEqual({ isRecording: false, recordingId: null, egressId: null, startedAt: null });
    expect((await api().get('/v1/recordings/rec_doesnotexist')).status).toBe(404);
    expect((await api().get('/v1/recordings/not-an-id')).status).toBe(400);
    expect((await api().get('/v1/recordings?status=bogus')).status).toBe(400);
    expect((await api().post(`/v1/rooms/${t.prefix}-x/ingress`, { type: 'srt' })).status).toBe(400);
    expect((await api().del(`/v1/rooms/${t.prefix}-x/ingress/IN_nothere`)).status).toBe(404);
  });

  it('with egress down, starting a recording is a fast 503 that loses nothing', async () => {
    const room = `${t.prefix}-noegress`;
    await api().post('/v1/rooms', { name: room });
    await sh(STACK, ['kill', 'egress']);
    try {
      const begin = performance.now();
      const res = await api().post(`/v1/rooms/${room}/recording/start`);
      expect(performance.now() - begin).toBeLessThan(2500);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toMatch(/^No egress took the recording: is egress running\?/);
      // The attempt is in the index as failed, and the room is free to record once egress is back.
      const list = RecordingListSchema.parse((await api().get(`/v1/recordings?roomId=${room}`)).body);
      expect(list.recordings).toHaveLength(1);
      expect(list.recordings[0]).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/egress/) });
      expect((await api().get(`/v1/rooms/${room}/recording`)).body.isRecording).toBe(false);
    } finally {
      await sh(STACK, ['up'], { timeout: 120_000 });
    }
  }, 180_000);
});
