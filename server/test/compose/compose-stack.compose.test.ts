import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { promisify } from 'node:util';
import { AudioStream, type RemoteTrack } from '@livekit/rtc-node';
import knexFactory, { type Knex } from 'knex';
import * as Minio from 'minio';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe, pushRtmp } from '../media.js';
import { RtcParticipant } from '../rtc-participant.js';
import { encodeOggOpus, Microphone, mix, placeSpeech, synthesize, wordErrorRate } from '../speech.js';
import { waitFor } from '../wait.js';

const run = promisify(execFile);

/** Word error rate bounds, as in the native e2e tests (whisper base on espeak-ng speech). */
const MAX_LIVE_WER = 0.25;
const MAX_POST_WER = 0.15;

/**
 * The compose stack as a user runs it, under a real Docker engine (scripts/test-compose brings it
 * up with `docker compose up --wait` and both sidecar profiles): every API and signalling call goes
 * through Caddy's HTTPS on the test domain, media and RTMP to their own published ports.
 * scripts/test-compose passes the env file it wrote with scripts/init and the compose command.
 */
const envFile = required('RTCSTACK_COMPOSE_ENV_FILE');
const composeCmd = JSON.parse(required('RTCSTACK_COMPOSE_CMD')) as string[];
const services = required('RTCSTACK_COMPOSE_SERVICES').split(/\s+/).filter(Boolean);
const withEgress = process.env.RTCSTACK_COMPOSE_EGRESS === '1';
const env = Object.fromEntries(
  readFileSync(envFile, 'utf8').split('\n').filter((l) => /^[A-Za-z_]\w*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
) as Record<string, string>;
const origin = `https://${env.RTCSTACK_DOMAIN}${env.HTTPS_PORT === '443' ? '' : `:${env.HTTPS_PORT}`}`;

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through scripts/test-compose`);
  return v;
}

const api = {
  get: (path: string) => request(origin).get(path).set('X-API-Key', env.API_SECRET!),
  post: (path: string, body: object = {}) => request(origin).post(path).set('X-API-Key', env.API_SECRET!).send(body),
  del: (path: string) => request(origin).delete(path).set('X-API-Key', env.API_SECRET!),
};

const compose = (...args: string[]) => run(composeCmd[0]!, [...composeCmd.slice(1), ...args], { timeout: 600_000, maxBuffer: 16 << 20 });

/** A participant of `room` joined over wss:// through Caddy with a token from the API. */
async function join(room: string, identity: string, role = 'participant') {
  const res = await api.post('/v1/token', { roomId: room, userId: identity, name: identity, role }).expect(200);
  expect(res.body.url).toBe(`wss://${origin.slice('https://'.length)}`);
  return new RtcParticipant().join(res.body.url, res.body.token);
}

/** The loudest sample among the first `frames` audio frames of a subscribed track. */
async function peakOf(track: RemoteTrack, frames = 50): Promise<number> {
  let peak = 0;
  let n = 0;
  for await (const frame of new AudioStream(track)) {
    for (const s of frame.data) peak = Math.max(peak, Math.abs(s));
    if (++n >= frames) break;
  }
  return peak;
}

describe('the compose stack, through Caddy HTTPS', () => {
  const prefix = `c${randomBytes(3).toString('hex')}`;
  let db: Knex;
  let s3: Minio.Client;
  const people: RtcParticipant[] = [];

  beforeAll(async () => {
    // Postgres and MinIO listen on the host's loopback (host networking): the test lays out what
    // egress would have written there, exactly as the native post-call test does.
    db = knexFactory({ client: 'pg', connection: `postgres://rtcstack:${env.POSTGRES_PASSWORD}@127.0.0.1:5432/rtcstack` });
    s3 = new Minio.Client({ endPoint: '127.0.0.1', port: 9000, useSSL: false, accessKey: env.MINIO_APP_USER!, secretKey: env.MINIO_APP_PASSWORD!, region: 'us-east-1', pathStyle: true });
  });

  afterAll(async () => {
    await Promise.all(people.map((p) => p.leave()));
    await db?.destroy();
  });

  it('reports every dependency and both sidecars healthy', async () => {
    const health = await waitFor('both capabilities', async () => {
      const res = await request(origin).get('/v1/health');
      return res.status === 200 && res.body.capabilities.transcriptionLive && res.body.capabilities.transcriptionPost ? res.body : undefined;
    }, 60_000, 1000);
    expect(health).toMatchObject({ status: 'ok', dependencies: { postgres: { ok: true }, livekit: { ok: true } } });
    // HTTP redirects to HTTPS, and the security headers survive the proxy.
    const plain = await request(`http://${env.RTCSTACK_DOMAIN}:${env.HTTP_PORT}`).get('/v1/health').redirects(0);
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`${origin}/v1/health`);
    const problem = await request(origin).get('/v1/rooms').expect(401);
    expect(problem.headers['content-type']).toMatch(/problem\+json/);
  });

  it('two participants exchange audio over wss://', async () => {
    const room = `${prefix}-call`;
    const alice = await join(room, `${prefix}-alice`);
    const bob = await join(room, `${prefix}-bob`);
    people.push(alice, bob);
    const heard = bob.next('trackSubscribed', 20_000);
    await alice.publishTone();
    const [track] = await heard;
    expect(await peakOf(track)).toBeGreaterThan(1000); // the 440 Hz tone, not silence
    const listed = await api.get(`/v1/rooms/${room}/participants`).expect(200);
    expect(listed.body.participants.map((p: { identity: string }) => p.identity).sort()).toEqual([`${prefix}-alice`, `${prefix}-bob`]);
  }, 60_000);

  it('an RTMP push (as OBS) appears in the room through the ingress container', async () => {
    const room = `${prefix}-obs`;
    await api.post('/v1/rooms', { name: room }).expect(201);
    const created = await api.post(`/v1/rooms/${room}/ingress`, { type: 'rtmp', participantName: 'OBS' }).expect(201);
    expect(created.body.url).toBe(`rtmp://${env.RTCSTACK_DOMAIN}:1935/live`);
    const pusher = pushRtmp(`${created.body.url}/${created.body.streamKey}`, 40);
    try {
      await waitFor('the ingress participant to publish audio and video', async () => {
        const res = await api.get(`/v1/rooms/${room}/participants`);
        const p = res.body.participants?.find((x: { identity: string }) => x.identity === created.body.participantIdentity);
        return p?.tracks?.length >= 2 ? p : undefined;
      }, 60_000).catch((err: Error) => { throw new Error(`${err.message}\nffmpeg: ${pusher.log()}`); });
    } finally {
      await pusher.stop();
    }
    await api.del(`/v1/rooms/${room}/ingress/${created.body.ingressId}`).expect(204);
  }, 90_000);

  it('transcribes live speech through the stt-live container', async () => {
    const room = `${prefix}-live`;
    const speaker = await join(room, `${prefix}-speaker`);
    people.push(speaker);
    const mic = new Microphone();
    await mic.publish(speaker.room);
    const sentence = 'Please send the quarterly report to the finance team by Friday.';
    const pcm = await synthesize(sentence);
    const started = await api.post(`/v1/rooms/${room}/transcription/start`, { language: 'en-US' }).expect(201);
    expect(started.body.status).toBe('active');
    await new Promise((r) => setTimeout(r, 1500)); // the transcriber joins and subscribes
    await mic.say(pcm);
    const text = await waitFor('the sentence as final segments', async () => {
      const res = await api.get(`/v1/rooms/${room}/transcription`).expect(200);
      const said = (res.body.segments as { text: string }[]).map((s) => s.text).join(' ');
      return said.split(/\s+/).length >= 9 ? said : undefined;
    }, 60_000, 500);
    const wer = wordErrorRate(sentence, text);
    console.info(`compose live WER ${wer.toFixed(3)} ("${text}")`);
    expect(wer).toBeLessThanOrEqual(MAX_LIVE_WER);
    await api.post(`/v1/rooms/${room}/transcription/stop`).expect(200);
    await mic.close();
  }, 120_000);

  let recordingId = '';
  let transcriptionId = '';
  let objectBytes: Buffer;

  it('transcribes a recording through the stt-post container, and downloads it through its public URL', async () => {
    const room = `${prefix}-rec`;
    recordingId = `rec_${randomBytes(6).toString('hex')}`;
    const lines = [{ atMs: 500, text: 'The quick brown fox jumps over the lazy dog.' }, { atMs: 5_000, text: 'Our video platform records every meeting in high quality.' }];
    const pcm = placeSpeech(10_000, await Promise.all(lines.map(async (l) => ({ atMs: l.atMs, pcm: await synthesize(l.text) }))));
    // What egress leaves behind: the file in the bucket, and the row its webhooks complete.
    objectBytes = await encodeOggOpus(mix(pcm));
    const objectKey = `recordings/${room}/${recordingId}.ogg`;
    await s3.putObject(env.MINIO_BUCKET!, objectKey, objectBytes);
    const startedAt = new Date(Date.now() - 15_000);
    await db('recordings').insert({ id: recordingId, room_name: room, egress_id: `EG_${recordingId}`, status: 'completed', started_at: startedAt, ended_at: new Date(startedAt.getTime() + 10_000), duration_ms: 10_000, object_key: objectKey, bucket: env.MINIO_BUCKET });

    const queued = await api.post(`/v1/recordings/${recordingId}/transcribe`, { language: 'en-US' }).expect(202);
    transcriptionId = queued.body.transcriptionId;
    const done = await waitFor('the post-call transcription', async () => {
      const res = await api.get(`/v1/transcriptions/${transcriptionId}`).expect(200);
      return ['completed', 'failed'].includes(res.body.status) ? res.body : undefined;
    }, 180_000, 1000);
    expect(done.status).toBe('completed');
    const text = (done.segments as { text: string }[]).map((s) => s.text).join(' ');
    const wer = wordErrorRate(lines.map((l) => l.text).join(' '), text);
    console.info(`compose post-call WER ${wer.toFixed(3)} ("${text}")`);
    expect(wer).toBeLessThanOrEqual(MAX_POST_WER);

    // The presigned URL names the public origin; Caddy routes the bucket's path to MinIO.
    const link = await api.get(`/v1/recordings/${recordingId}/download`).expect(200);
    expect(link.body.url.startsWith(`${origin}/${env.MINIO_BUCKET}/`)).toBe(true);
    const file = await fetch(link.body.url);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(objectBytes)).toBe(true);
    const tampered = await fetch(link.body.url.replace(/X-Amz-Signature=\w/, 'X-Amz-Signature=0'));
    expect(tampered.status).toBe(403);
  }, 240_000);

  // Egress cannot be built in CI (README, "Recording in CI"): there the stack runs without it and
  // the API must say so clearly; wherever egress is installed, the egress container records.
  it(withEgress ? 'records a room with the egress container into MinIO' : 'without egress, starting a recording is a clear 503', async () => {
    if (!withEgress) {
      const room = `${prefix}-noegress`;
      await api.post('/v1/rooms', { name: room }).expect(201);
      const res = await api.post(`/v1/rooms/${room}/recording/start`);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.detail).toMatch(/egress/);
      return;
    }
    const room = `${prefix}-egress`;
    const host = await join(room, `${prefix}-host`, 'host');
    people.push(host);
    await host.publishTone();
    const started = await api.post(`/v1/rooms/${room}/recording/start`).expect(201);
    const id = started.body.recordingId as string;
    const status = async () => {
      const r = (await api.get(`/v1/recordings/${id}`).expect(200)).body;
      if (r.status === 'failed') throw new Error(`the recording failed: ${r.failureReason}`);
      return r.status as string;
    };
    await waitFor('the recording to be active', async () => (await status()) === 'recording', 60_000, 500);
    await new Promise((r) => setTimeout(r, 5_000));
    await api.post(`/v1/rooms/${room}/recording/stop`).expect(200);
    await waitFor('the recording to complete', async () => (await status()) === 'completed', 120_000, 1000);
    const link = await api.get(`/v1/recordings/${id}/download`).expect(200);
    const file = await fetch(link.body.url);
    expect(file.status).toBe(200);
    const mp4 = Buffer.from(await file.arrayBuffer());
    const path = joinPath(tmpdir(), `${id}.mp4`);
    await writeFile(path, mp4);
    const probe = await ffprobe(path);
    await rm(path, { force: true });
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(Number(probe.format.duration)).toBeGreaterThan(3);
  }, 240_000);

  it('keeps its data across `docker compose down` and `up`', async () => {
    await Promise.all(people.splice(0).map((p) => p.leave()));
    await db.destroy();
    await compose('down');
    await compose('up', '--wait', '--wait-timeout', '300', ...services);
    db = knexFactory({ client: 'pg', connection: `postgres://rtcstack:${env.POSTGRES_PASSWORD}@127.0.0.1:5432/rtcstack` });
    const recording = await api.get(`/v1/recordings/${recordingId}`).expect(200);
    expect(recording.body.status).toBe('completed');
    const transcript = await api.get(`/v1/transcriptions/${transcriptionId}?format=text`).expect(200);
    expect(transcript.text).toMatch(/quick brown fox/i);
    const link = await api.get(`/v1/recordings/${recordingId}/download`).expect(200);
    expect(Buffer.from(await (await fetch(link.body.url)).arrayBuffer()).equals(objectBytes)).toBe(true);
  }, 600_000);
});
