import { randomBytes } from 'node:crypto';
import * as Minio from 'minio';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingTracksStore } from '../recordings/recording-tracks-store.js';
import { expectValidVtt, startPostCallRig, transcriptionFinished, type PostCallRig } from '../../test/post-call.js';
import { encodeOggOpus, mix, placeSpeech, synthesize, wordErrorRate } from '../../test/speech.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { TranscriptionsStore } from '../transcriptions/transcriptions-store.js';
import { waitFor } from '../../test/wait.js';
import { verifyWebhook } from '../webhooks/signature.js';

/** Word error rate the post-call transcript (whisper base) must stay within, per speaker. */
const MAX_WER = 0.15;

const ALICE = [
  { atMs: 500, text: 'The quick brown fox jumps over the lazy dog.' },
  { atMs: 9_000, text: 'Please send the quarterly report to the finance team by Friday.' },
];
const BOB = [
  { atMs: 4_500, text: 'Our video platform records every meeting in high quality.' },
  { atMs: 13_500, text: 'The weather today is sunny with a light breeze from the west.' },
];
const LENGTH_MS = 19_000;

interface SegmentJson {
  speaker: string | null;
  participantIdentity: string | null;
  text: string;
  startMs: number;
  endMs: number;
}

/**
 * Post-call transcription through the real control plane, the real stt-post worker (faster-whisper),
 * real pg-boss in Postgres and real MinIO. The recording's files are laid out exactly as egress
 * writes them (per-participant Opus/Ogg tracks beside the composite) and its rows as egress's
 * webhooks leave them, because egress itself cannot be built on these machines (README, "Recording
 * in CI"); `post-transcription.egress.test.ts` runs the same path from a real egress recording.
 */
describe('post-call transcription of a recording with per-participant audio', () => {
  let rig: PostCallRig;
  let t: TestApp;
  let s3: Minio.Client;
  const keys: string[] = [];

  async function put(key: string, body: Buffer) {
    await s3.putObject(t.config.s3.bucket, key, body);
    keys.push(key);
  }

  /** A completed recording as egress leaves it: composite file, optional track files, rows. */
  async function recording(opts: { tracks: boolean; composite?: Buffer }) {
    const id = `rec_${randomBytes(6).toString('hex')}`;
    const room = `${t.prefix}-call`;
    const startedAt = new Date(Date.now() - LENGTH_MS - 5_000);
    const [aliceTrack, bobTrack] = await Promise.all([
      Promise.all(ALICE.map(async (u) => ({ atMs: u.atMs, pcm: await synthesize(u.text) }))).then((p) => placeSpeech(LENGTH_MS, p)),
      Promise.all(BOB.map(async (u) => ({ atMs: u.atMs, pcm: await synthesize(u.text) }))).then((p) => placeSpeech(LENGTH_MS, p)),
    ]);
    const objectKey = `recordings/${room}/${id}.ogg`;
    await put(objectKey, opts.composite ?? (await encodeOggOpus(mix(aliceTrack, bobTrack))));
    await t.deps.db('recordings').insert({
      id,
      room_name: room,
      egress_id: `EG_${id}`,
      status: 'completed',
      started_at: startedAt,
      ended_at: new Date(startedAt.getTime() + LENGTH_MS),
      duration_ms: LENGTH_MS,
      object_key: objectKey,
      bucket: t.config.s3.bucket,
    });
    if (opts.tracks) {
      const tracks = new RecordingTracksStore(t.deps.db);
      for (const [who, pcm, sid] of [['alice', aliceTrack, 'TR_alice'], ['bob', bobTrack, 'TR_bob']] as const) {
        const key = `recordings/${room}/${id}/${t.prefix}-${who}-${sid}.ogg`;
        await put(key, await encodeOggOpus(pcm));
        await tracks.insert({ egressId: `EG_${id}_${who}`, recordingId: id, participantIdentity: `${t.prefix}-${who}`, participantName: who === 'alice' ? 'Alice' : 'Bob', trackSid: sid, objectKey: key, status: 'completed', startedAt: startedAt.toISOString() });
      }
    }
    return id;
  }

  const finished = (id: string, seen?: Set<string>) => transcriptionFinished(t, id, seen);

  beforeAll(async () => {
    rig = await startPostCallRig({ STT_POST_JOB_EXPIRE_SECONDS: '20', STT_POST_MAINTENANCE_SECONDS: '2', STT_POST_RETRY_LIMIT: '3' });
    t = rig.t;
    const u = new URL(t.config.s3.endpoint);
    s3 = new Minio.Client({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: t.config.s3.accessKey, secretKey: t.config.s3.secretKey, region: t.config.s3.region, pathStyle: true });
  }, 150_000);

  afterAll(async () => {
    await Promise.all(keys.map((k) => s3.removeObject(t.config.s3.bucket, k).catch(() => undefined)));
    await rig?.close();
  });

  it('transcribes each track, merges by time with the right speakers, exports VTT, and sends the webhook', async () => {
    const recordingId = await recording({ tracks: true });
    const queued = await t.api.post(`/v1/recordings/${recordingId}/transcribe`, { language: 'en-US', participants: { TR_bob: 'Robert' } }).expect(202);
    expect(queued.body).toMatchObject({ recordingId, status: 'queued' });
    // One at a time per recording.
    const again = await t.api.post(`/v1/recordings/${recordingId}/transcribe`, {}).expect(409);
    expect(again.headers['content-type']).toMatch(/problem\+json/);

    const seen = new Set<string>();
    const done = await finished(queued.body.transcriptionId, seen);
    expect(done.status).toBe('completed');
    expect([...seen].some((s) => s.startsWith('processing'))).toBe(true); // progress visible while it ran

    const segments = done.segments as SegmentJson[];
    const said = (who: string) => segments.filter((s) => s.participantIdentity === `${t.prefix}-${who}`).map((s) => s.text).join(' ');
    const werAlice = wordErrorRate(ALICE.map((u) => u.text).join(' '), said('alice'));
    const werBob = wordErrorRate(BOB.map((u) => u.text).join(' '), said('bob'));
    console.info(`post-call WER: alice ${werAlice.toFixed(3)} ("${said('alice')}"), bob ${werBob.toFixed(3)} ("${said('bob')}")`);
    expect(werAlice).toBeLessThanOrEqual(MAX_WER);
    expect(werBob).toBeLessThanOrEqual(MAX_WER);
    // Speakers: names from the request's map first, then the names they joined with.
    expect(new Set(segments.map((s) => s.speaker))).toEqual(new Set(['Alice', 'Robert']));
    // Merged by time: Alice, Bob, Alice, Bob, at the times they spoke (±1.5 s).
    const firstOf = (who: string, fromMs: number) => segments.find((s) => s.participantIdentity === `${t.prefix}-${who}` && s.startMs >= fromMs - 1500)!;
    expect(Math.abs(firstOf('bob', BOB[0]!.atMs).startMs - BOB[0]!.atMs)).toBeLessThan(1500);
    expect(Math.abs(firstOf('alice', ALICE[1]!.atMs).startMs - ALICE[1]!.atMs)).toBeLessThan(1500);
    expect(segments.map((s) => s.startMs)).toEqual([...segments.map((s) => s.startMs)].sort((a, b) => a - b));

    // Exports: VTT parses (header, cues with increasing times, voice spans), SRT and text too.
    const vtt = await t.api.get(`/v1/transcriptions/${done.transcriptionId}?format=vtt`).expect(200);
    expect(vtt.headers['content-type']).toMatch(/^text\/vtt/);
    const cues = expectValidVtt(vtt.text, segments.length);
    expect(cues[0]!.text).toMatch(/^<v (Alice|Robert)>/);
    const srt = await t.api.get(`/v1/transcriptions/${done.transcriptionId}?format=srt`).expect(200);
    expect(srt.text).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n(Alice|Robert): /);
    const text = await t.api.get(`/v1/transcriptions/${done.transcriptionId}?format=text`).expect(200);
    expect(text.text.trim().split('\n')).toHaveLength(segments.length);

    // transcription_completed arrived through the outbox, signed.
    const hook = await waitFor('the transcription_completed webhook', async () => rig.receiver.received.find((r) => r.body.includes(done.transcriptionId)), 15_000);
    const event = JSON.parse(hook.body);
    expect(event).toMatchObject({ type: 'transcription_completed', data: { transcriptionId: done.transcriptionId, recordingId, segmentCount: segments.length } });
    expect(verifyWebhook(rig.hookSecret, String(hook.headers['x-rtcstack-signature']), hook.body)).toBe(true);

    // Listed, filtered by recording and status; deleted with its segments.
    const list = await t.api.get(`/v1/transcriptions?recordingId=${recordingId}&status=completed`).expect(200);
    expect(list.body.transcriptions.map((x: { transcriptionId: string }) => x.transcriptionId)).toEqual([done.transcriptionId]);
    await t.api.del(`/v1/transcriptions/${done.transcriptionId}`).expect(204);
    await t.api.get(`/v1/transcriptions/${done.transcriptionId}`).expect(404);
  });

  it('without per-participant tracks, transcribes the composite: segments without speakers', async () => {
    const recordingId = await recording({ tracks: false });
    const queued = await t.api.post(`/v1/recordings/${recordingId}/transcribe`, {}).expect(202);
    const done = await finished(queued.body.transcriptionId);
    expect(done.status).toBe('completed');
    const segments = done.segments as SegmentJson[];
    const all = [...ALICE, ...BOB].sort((a, b) => a.atMs - b.atMs).map((u) => u.text).join(' ');
    expect(wordErrorRate(all, segments.map((s) => s.text).join(' '))).toBeLessThanOrEqual(MAX_WER);
    expect(segments.every((s) => s.speaker === null && s.participantIdentity === null)).toBe(true);
  });

  it('a corrupt or missing recording fails the job with a clear reason', async () => {
    const corrupt = await recording({ tracks: false, composite: randomBytes(50_000) });
    const q1 = await t.api.post(`/v1/recordings/${corrupt}/transcribe`, {}).expect(202);
    const missing = await recording({ tracks: false });
    await s3.removeObject(t.config.s3.bucket, (await t.api.get(`/v1/recordings/${missing}`).expect(200)).body.objectKey);
    const q2 = await t.api.post(`/v1/recordings/${missing}/transcribe`, {}).expect(202);
    const [f1, f2] = await Promise.all([finished(q1.body.transcriptionId), finished(q2.body.transcriptionId)]);
    expect(f1).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/decode|audio/i) });
    expect(f2).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/not found/i) });
    await t.api.post(`/v1/recordings/rec_nope/transcribe`, {}).expect(404);
  });

  it('a worker that crashes mid-job does not lose it: the job is retried and completes once', async () => {
    const recordingId = await recording({ tracks: true });
    const queued = await t.api.post(`/v1/recordings/${recordingId}/transcribe`, {}).expect(202);
    await waitFor('the job to be running', async () => (await t.api.get(`/v1/transcriptions/${queued.body.transcriptionId}`)).body.status === 'processing', 60_000, 50);
    await rig.worker.kill();
    expect((await t.api.get(`/v1/transcriptions/${queued.body.transcriptionId}`)).body.status).toBe('processing');
    await rig.restartWorker();
    const done = await finished(queued.body.transcriptionId);
    expect(done.status).toBe('completed');
    const texts = (done.segments as SegmentJson[]).map((s) => s.text);
    expect(new Set(texts).size).toBe(texts.length); // not transcribed twice into one result
  }, 150_000);

  it('answers 503 when stt-post is not running', async () => {
    const recordingId = await recording({ tracks: false });
    await rig.worker.stop();
    const res = await t.api.post(`/v1/recordings/${recordingId}/transcribe`, {}).expect(503);
    expect(res.body.detail).toMatch(/stt-post/);
    expect((await request(t.app).get('/v1/health')).body.capabilities.transcriptionPost).toBe(false);
  });
});

describe('post-call results and exports at the edges (found by schemathesis)', () => {
  let t: TestApp;
  const id = `tr_edges${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    t = await createTestApp();
    await new TranscriptionsStore(t.deps.db).insert({ id, kind: 'post', roomName: `${t.prefix}-call`, recordingId: null, status: 'processing', language: 'en-US', options: {}, participants: {}, startedAt: new Date().toISOString() });
  });
  afterAll(() => t.close());

  const result = (body: object) => request(t.app).post(`/internal/v1/transcriptions/${id}/result`).set('Authorization', `Bearer ${t.config.sidecars.internalSecret}`).send(body);
  const segment = (startMs: number, endMs: number) => ({ key: `s${startMs}`, speakerIdentity: null, speakerName: null, trackSid: null, text: 'hello', language: 'en', startMs, endMs });

  it('answers 400, not 500, for a segment time past any recording (no date can hold it)', async () => {
    const res = await result({ language: 'en', durationMs: 1000, segments: [segment(0, 1e16)] }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.segments.0.endMs']);
    await result({ language: 'en', durationMs: 1e16, segments: [] }).expect(400);
    await result({ language: 'en', durationMs: 1000, segments: [segment(0, 1000)] }).expect(204);
  });

  it('documents every export content type it answers with', async () => {
    const doc = (await request(t.app).get('/v1/openapi.json').expect(200)).body;
    const documented = Object.keys(doc.paths['/v1/transcriptions/{transcriptionId}'].get.responses['200'].content);
    for (const format of ['text', 'vtt', 'srt']) {
      const res = await t.api.get(`/v1/transcriptions/${id}?format=${format}`).expect(200);
      expect(documented).toContain(res.headers['content-type']!.split(';')[0]);
    }
  });
});
