import { expect } from 'vitest';
import { IngressInfoSchema } from '../src/ingress/ingress-schemas.js';
import { pushRtmp } from './media.js';
import type { TestApp } from './test-app.js';
import { waitFor } from './wait.js';

/**
 * Does what an OBS user does: creates an RTMP ingress for the room through the API and streams
 * a test pattern with a tone to it with ffmpeg, then waits until the ingress participant
 * publishes audio and video in the room. Returns the ingress, that participant and the pusher.
 */
export async function streamLikeObs(t: TestApp, room: string, seconds: number) {
  const created = await t.api.post(`/v1/rooms/${room}/ingress`, { type: 'rtmp', participantName: 'OBS' });
  expect(created.status).toBe(201);
  const ingress = IngressInfoSchema.parse(created.body);
  expect(ingress).toMatchObject({ inputType: 'RTMP_INPUT', roomName: room, participantName: 'OBS' });
  expect(ingress.url).toMatch(/^rtmp:\/\//);
  expect(ingress.streamKey).not.toBe('');

  const pusher = pushRtmp(`${ingress.url}/${ingress.streamKey}`, seconds);
  const participant = await waitFor(
    'the ingress participant to publish audio and video',
    async () => {
      const res = await t.api.get(`/v1/rooms/${room}/participants`);
      const p = res.body.participants?.find((x: { identity: string }) => x.identity === ingress.participantIdentity);
      return p?.tracks?.length >= 2 ? (p as { name: string; tracks: Array<{ type: string }> }) : undefined;
    },
    45_000,
  ).catch(async (err: Error) => {
    await pusher.stop();
    throw new Error(`${err.message}\nffmpeg: ${pusher.log()}`);
  });
  return { ingress, participant, pusher };
}
