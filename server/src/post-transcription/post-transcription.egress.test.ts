// Needs a running LiveKit egress (room composite + track egress). Runs in the `egress` vitest project:
// scripts/test includes it whenever the egress binary is installed (see README, "Recording in CI").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidVtt, startPostCallRig, transcriptionFinished, type PostCallRig } from '../../test/post-call.js';
import { RtcParticipant } from '../../test/rtc-participant.js';
import { Microphone, synthesize, wordErrorRate } from '../../test/speech.js';
import { waitFor } from '../../test/wait.js';
import { verifyWebhook } from '../webhooks/signature.js';

/** Word error rate the post-call transcript (whisper base) must stay within, per speaker. */
const MAX_WER = 0.15;
const ALICE = ['The quick brown fox jumps over the lazy dog.', 'Please send the quarterly report to the finance team by Friday.'];
const BOB = ['Our video platform records every meeting in high quality.', 'The weather today is sunny with a light breeze from the west.'];

describe('a real call, recorded by real egress with per-participant audio, transcribed by stt-post', () => {
  let rig: PostCallRig;
  const people: { rtc: RtcParticipant; mic: Microphone }[] = [];

  beforeAll(async () => {
    rig = await startPostCallRig();
  }, 150_000);
  afterAll(async () => {
    await Promise.all(people.map(async (p) => (await p.mic.close(), await p.rtc.leave())));
    await rig?.close();
  });

  it('records each microphone, transcribes each track with its speaker, and sends the webhook', async () => {
    const { t } = rig;
    const room = `${t.prefix}-call`;
    await t.api.post('/v1/rooms', { name: room }).expect(201);
    const join = async (who: string, name: string) => {
      const { body } = await t.api.post('/v1/token', { roomId: room, userId: `${t.prefix}-${who}`, name, role: 'participant' }).expect(200);
      const rtc = await new RtcParticipant().join(t.config.livekit.publicUrl, body.token);
      const mic = new Microphone();
      await mic.publish(rtc.room);
      people.push({ rtc, mic });
      return mic;
    };
    const alice = await join('alice', 'Alice');
    const bob = await join('bob', 'Bob');

    const started = await t.api.post(`/v1/rooms/${room}/recording/start`, { perParticipantAudio: true }).expect(201);
    const recordingId = started.body.recordingId as string;
    await waitFor('egress to record the composite and both microphones', async () => {
      const r = (await t.api.get(`/v1/recordings/${recordingId}`)).body;
      return r.status === 'recording' && r.participantAudio?.length === 2 && r.participantAudio.every((p: { status: string }) => p.status === 'recording');
    }, 60_000, 200);

    const [a1, a2, b1, b2] = await Promise.all([synthesize(ALICE[0]!), synthesize(ALICE[1]!), synthesize(BOB[0]!), synthesize(BOB[1]!)]);
    await alice.say(a1);
    await bob.say(b1);
    await alice.say(a2);
    await bob.say(b2);
    await new Promise((r) => setTimeout(r, 1000));

    await t.api.post(`/v1/rooms/${room}/recording/stop`).expect(200);
    const recording = await waitFor('the recording and its tracks to complete', async () => {
      const r = (await t.api.get(`/v1/recordings/${recordingId}`)).body;
      return r.status === 'completed' && r.participantAudio.every((p: { status: string }) => p.status === 'completed') ? r : undefined;
    }, 90_000, 250);
    expect(recording.participantAudio.map((p: { participantIdentity: string }) => p.participantIdentity).sort()).toEqual([`${t.prefix}-alice`, `${t.prefix}-bob`]);

    const queued = await t.api.post(`/v1/recordings/${recordingId}/transcribe`, { language: 'en-US' }).expect(202);
    const done = await transcriptionFinished(t, queued.body.transcriptionId);
    expect(done.status).toBe('completed');
    const segments = done.segments as { speaker: string | null; participantIdentity: string | null; text: string }[];
    const said = (who: string) => segments.filter((s) => s.participantIdentity === `${t.prefix}-${who}`).map((s) => s.text).join(' ');
    const werAlice = wordErrorRate(ALICE.join(' '), said('alice'));
    const werBob = wordErrorRate(BOB.join(' '), said('bob'));
    console.info(`post-call WER from egress: alice ${werAlice.toFixed(3)} ("${said('alice')}"), bob ${werBob.toFixed(3)} ("${said('bob')}")`);
    expect(werAlice).toBeLessThanOrEqual(MAX_WER);
    expect(werBob).toBeLessThanOrEqual(MAX_WER);
    expect(new Set(segments.map((s) => s.speaker))).toEqual(new Set(['Alice', 'Bob']));

    const vtt = await t.api.get(`/v1/transcriptions/${done.transcriptionId}?format=vtt`).expect(200);
    expectValidVtt(vtt.text, segments.length);
    const hook = await waitFor('the transcription_completed webhook', async () => rig.receiver.received.find((r) => r.body.includes(done.transcriptionId)), 15_000);
    expect(verifyWebhook(rig.hookSecret, String(hook.headers['x-rtcstack-signature']), hook.body)).toBe(true);
  });
});
