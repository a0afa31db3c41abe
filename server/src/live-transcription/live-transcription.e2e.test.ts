import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtcParticipant } from '../../test/rtc-participant.js';
import { Microphone, synthesize, wordErrorRate } from '../../test/speech.js';
import { freePort, startSttLive, type SidecarProcess } from '../../test/sidecar-process.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { waitFor } from '../../test/wait.js';
import { TranscriptionsStore } from '../transcriptions/transcriptions-store.js';

/** Word error rate the live (offline whisper) transcript must stay within, per speaker. */
const MAX_WER = 0.25;

const ALICE = ['The quick brown fox jumps over the lazy dog.', 'Please send the quarterly report to the finance team by Friday.'];
const BOB = ['Our video platform records every meeting in high quality.', 'The weather today is sunny with a light breeze from the west.'];

interface SegmentJson {
  id: string;
  speaker: string | null;
  participantIdentity: string | null;
  trackSid: string | null;
  text: string;
  startTime: string;
  endTime: string;
}

describe('live transcription with real speech, a real room and the real stt-live sidecar', () => {
  let t: TestApp;
  let server: Server;
  let sidecar: SidecarProcess;
  const people: { rtc: RtcParticipant; mic: Microphone }[] = [];
  let room: string;
  let firstSessionId = '';

  beforeAll(async () => {
    sidecar = await startSttLive();
    const port = await freePort();
    t = await createTestApp({ STT_LIVE_URL: sidecar.url, INTERNAL_URL: `http://127.0.0.1:${port}`, SIDECAR_HEALTH_CACHE_MS: '0', STT_LIVE_MONITOR_MS: '500' });
    server = await new Promise<Server>((r) => {
      const s = t.app.listen(port, '127.0.0.1', () => r(s));
    });
    room = `${t.prefix}-standup`;
    await t.api.post('/v1/rooms', { name: room }).expect(201);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(people.map(async (p) => (await p.mic.close(), await p.rtc.leave())));
    await t?.services.liveTranscriptionMonitor.stop();
    await sidecar?.stop();
    server?.close();
    await t?.close();
  });

  async function join(identity: string, name: string) {
    const { body } = await t.api.post('/v1/token', { roomId: room, userId: identity, name, role: 'participant' }).expect(200);
    const rtc = await new RtcParticipant().join(t.config.livekit.publicUrl, body.token);
    const mic = new Microphone();
    await mic.publish(rtc.room);
    people.push({ rtc, mic });
    return { rtc, mic, trackSid: mic.publication!.sid! };
  }

  async function segments(query = ''): Promise<SegmentJson[]> {
    const res = await t.api.get(`/v1/rooms/${room}/transcription${query}`).expect(200);
    return res.body.segments as SegmentJson[];
  }

  /** Waits until `identity`'s final segments hold at least `minWords` words. */
  async function spoken(identity: string, minWords: number): Promise<SegmentJson[]> {
    return waitFor(`${minWords} words from ${identity}`, async () => {
      const mine = (await segments()).filter((s) => s.participantIdentity === identity);
      return mine.map((s) => s.text).join(' ').split(/\s+/).length >= minWords ? mine : undefined;
    }, 45_000);
  }

  it('transcribes each speaker separately, with names that follow the speaker map', async () => {
    const alice = await join(`${t.prefix}-alice`, 'Alice Liddell');
    const bob = await join(`${t.prefix}-bob`, 'Bob Marley');
    const [a1, a2, b1, b2] = await Promise.all([synthesize(ALICE[0]!), synthesize(ALICE[1]!), synthesize(BOB[0]!), synthesize(BOB[1]!, 'en-us+m3')]);

    const captions: { trackSid: string | undefined; text: string; final: string | undefined }[] = [];
    alice.rtc.room.registerTextStreamHandler('lk.transcription', (reader) => {
      const attributes = reader.info.attributes ?? {};
      void reader.readAll().then((text) => captions.push({ trackSid: attributes['lk.transcribed_track_id'], text, final: attributes['lk.transcription_final'] }));
    });

    const started = await t.api
      .post(`/v1/rooms/${room}/transcription/start`, { language: 'en-US', participants: { [`${t.prefix}-alice`]: 'Alice' }, options: { partialResults: true } })
      .expect(201);
    expect(started.body).toMatchObject({ roomId: room, status: 'active', language: 'en-US' });
    expect(started.body.transcriptionId).toMatch(/^tr_/);
    // Idempotent: a second start answers the same session.
    const again = await t.api.post(`/v1/rooms/${room}/transcription/start`, {}).expect(201);
    expect(again.body.transcriptionId).toBe(started.body.transcriptionId);
    // The transcriber is hidden: the people in the room never see it.
    await new Promise((r) => setTimeout(r, 1500)); // and it subscribes to both microphones meanwhile
    expect([...alice.rtc.room.remoteParticipants.values()].map((p) => p.identity)).toEqual([`${t.prefix}-bob`]);
    const listed = async (q = '') => (await t.api.get(`/v1/rooms/${room}/participants${q}`).expect(200)).body.participants.map((p: { identity: string }) => p.identity).sort();
    expect(await listed()).toEqual([`${t.prefix}-alice`, `${t.prefix}-bob`]); // nor does the API, unless asked
    expect(await listed('?includeHidden=true')).toContain(`rtcstack-transcriber-${started.body.transcriptionId}`);

    await alice.mic.say(a1);
    await bob.mic.say(b1);
    await spoken(`${t.prefix}-alice`, 6);
    const bobFirst = await spoken(`${t.prefix}-bob`, 6);
    expect(bobFirst.every((s) => s.speaker === 'Bob Marley')).toBe(true); // no map entry: the participant's name
    const beforeRename = (await segments()).length;

    await request(t.app).patch(`/v1/rooms/${room}/transcription/speakers`).set('X-API-Key', t.apiKey).send({ participants: { [bob.trackSid]: 'Robert' } }).expect(204);
    await alice.mic.say(a2);
    await bob.mic.say(b2);
    await spoken(`${t.prefix}-alice`, 16);
    await spoken(`${t.prefix}-bob`, 16);

    const all = await segments();
    const aliceText = all.filter((s) => s.participantIdentity === `${t.prefix}-alice`).map((s) => s.text).join(' ');
    const bobText = all.filter((s) => s.participantIdentity === `${t.prefix}-bob`).map((s) => s.text).join(' ');
    const werAlice = wordErrorRate(ALICE.join(' '), aliceText);
    const werBob = wordErrorRate(BOB.join(' '), bobText);
    console.info(`live WER: alice ${werAlice.toFixed(3)} ("${aliceText}"), bob ${werBob.toFixed(3)} ("${bobText}")`);
    expect(werAlice).toBeLessThanOrEqual(MAX_WER);
    expect(werBob).toBeLessThanOrEqual(MAX_WER);

    // Speakers: Alice by identity from the start; Bob renamed by track sid mid-session.
    for (const s of all.filter((x) => x.participantIdentity === `${t.prefix}-alice`)) expect(s).toMatchObject({ speaker: 'Alice', trackSid: alice.trackSid });
    const bobLater = all.slice(beforeRename).filter((s) => s.participantIdentity === `${t.prefix}-bob`);
    expect(bobLater.length).toBeGreaterThan(0);
    for (const s of bobLater) expect(s).toMatchObject({ speaker: 'Robert', trackSid: bob.trackSid });
    for (const s of all) expect(Date.parse(s.endTime)).toBeGreaterThanOrEqual(Date.parse(s.startTime));

    // since: only what starts after the given time.
    const cut = all[1]!.startTime;
    const later = await segments(`?since=${encodeURIComponent(cut)}`);
    expect(later.map((s) => s.id)).toEqual(all.filter((s) => s.startTime > cut).map((s) => s.id));

    // format=text: one readable line per segment.
    const text = await t.api.get(`/v1/rooms/${room}/transcription?format=text`).expect(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    const lines = text.text.trim().split('\n');
    expect(lines).toHaveLength(all.length);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] (Alice|Bob Marley): /);
    expect(text.text).toMatch(/\] Robert: /);

    // Captions reached the room on LiveKit's transcription topic, tied to the speaker's track.
    expect(captions.some((c) => c.trackSid === bob.trackSid && c.final === 'true' && /video platform/i.test(c.text))).toBe(true);
    expect(captions.some((c) => c.final === 'false')).toBe(true); // partialResults: interim captions too

    firstSessionId = started.body.transcriptionId;
    const stopped = await t.api.post(`/v1/rooms/${room}/transcription/stop`).expect(200);
    expect(stopped.body).toMatchObject({ transcriptionId: started.body.transcriptionId, status: 'stopped', segmentCount: all.length });
    const after = await t.api.get(`/v1/rooms/${room}/transcription`).expect(200);
    expect(after.body).toMatchObject({ status: 'stopped', transcriptionId: started.body.transcriptionId });
    expect(after.body.segments).toHaveLength(all.length);
  });

  it('bad input is a 400 problem, a stop without a session a 404', async () => {
    const bad = await t.api.post(`/v1/rooms/${room}/transcription/start`, { language: 'not a language!', options: { partialResults: 'yes' } }).expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.language', 'body.options.partialResults']);
    await t.api.post(`/v1/rooms/${room}/transcription/stop`).expect(404);
    await t.api.post(`/v1/rooms/${t.prefix}-nowhere/transcription/start`, {}).expect(404);
  });

  it('a microphone unsubscribed and subscribed again mid-session keeps every later word', async () => {
    const carol = await join(`${t.prefix}-carol`, 'Carol');
    const started = await t.api.post(`/v1/rooms/${room}/transcription/start`, { language: 'en-US' }).expect(201);
    const transcriber = `rtcstack-transcriber-${started.body.transcriptionId}`;
    const [before, after] = await Promise.all([synthesize(ALICE[0]!), synthesize(BOB[0]!)]);
    await new Promise((r) => setTimeout(r, 1500)); // the transcriber joins and subscribes
    await carol.mic.say(before);
    await spoken(`${t.prefix}-carol`, 6);
    // The transcriber loses Carol's track and gets it back (as after a reconnect): a new stream,
    // whose utterance ids must not collide with the first stream's (the store ignores repeats).
    await t.deps.livekit.rooms.updateSubscriptions(room, transcriber, [carol.trackSid], false);
    await new Promise((r) => setTimeout(r, 1000));
    await t.deps.livekit.rooms.updateSubscriptions(room, transcriber, [carol.trackSid], true);
    await new Promise((r) => setTimeout(r, 1500));
    await carol.mic.say(after);
    const reference = `${ALICE[0]} ${BOB[0]}`;
    const mine = await spoken(`${t.prefix}-carol`, reference.split(' ').length - 1);
    const text = mine.map((x) => x.text).join(' ');
    const wer = wordErrorRate(reference, text);
    console.info(`live WER across a resubscribe: ${wer.toFixed(3)} ("${text}")`);
    expect(wer).toBeLessThanOrEqual(MAX_WER);
    expect(new Set(mine.map((x) => x.id)).size).toBe(mine.length);
    await t.api.post(`/v1/rooms/${room}/transcription/stop`).expect(200);
  }, 90_000);

  it('a sidecar that dies mid-session leaves the session failed, not active; it can be started again', async () => {
    const first = await t.api.post(`/v1/rooms/${room}/transcription/start`, {}).expect(201);
    expect((await request(t.app).get('/v1/health').expect(200)).body.capabilities.transcriptionLive).toBe(true);
    await sidecar.kill();
    t.services.liveTranscriptionMonitor.start();
    const failed = await waitFor('the session to be marked failed', async () => {
      const res = await t.api.get(`/v1/rooms/${room}/transcription`).expect(200);
      return res.body.status === 'failed' ? res.body : undefined;
    }, 10_000, 200);
    expect(failed).toMatchObject({ transcriptionId: first.body.transcriptionId, failureReason: expect.stringMatching(/stt-live/) });
    expect((await request(t.app).get('/v1/health').expect(200)).body.capabilities.transcriptionLive).toBe(false);

    const down = await t.api.post(`/v1/rooms/${room}/transcription/start`, {}).expect(503);
    expect(down.body.detail).toMatch(/stt-live/);
    expect(down.headers['retry-after']).toBeDefined();

    // A restarted sidecar takes a new session; the earlier sessions keep their segments.
    sidecar = await startSttLive({}, { port: Number(new URL(sidecar.url).port) });
    const second = await t.api.post(`/v1/rooms/${room}/transcription/start`, {}).expect(201);
    expect(second.body.transcriptionId).not.toBe(first.body.transcriptionId);
    await t.api.post(`/v1/rooms/${room}/transcription/stop`).expect(200);
    await t.services.liveTranscriptionMonitor.stop();
    const earlier = await t.api.get(`/v1/rooms/${room}/transcription?transcriptionId=${firstSessionId}`).expect(200);
    expect(earlier.body.segments.length).toBeGreaterThan(0);
  });
});

describe('live transcription when the stt-live profile is not enabled', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answers 503 problem+json that says how to enable it', async () => {
    const res = await t.api.post(`/v1/rooms/${t.prefix}-any/transcription/start`, {}).expect(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(/stt-live profile/);
  });
});

describe('live transcript times with any RFC 3339 offset (found by schemathesis)', () => {
  let t: TestApp;
  let room: string;
  let id: string;
  beforeAll(async () => {
    t = await createTestApp();
    room = `${t.prefix}-offsets`;
    id = `tr_${t.prefix.replace(/\W/g, '')}`;
    await new TranscriptionsStore(t.deps.db).insert({ id, kind: 'live', roomName: room, recordingId: null, status: 'active', language: 'en-US', options: {}, participants: {}, startedAt: new Date().toISOString() });
  });
  afterAll(() => t.close());

  const segment = (key: string, at: string) => ({ key, speakerIdentity: 'alice', speakerName: 'Alice', trackSid: 'TR_a', text: key, language: 'en', startAt: at, endAt: at });
  const handIn = (segments: object[]) => request(t.app).post(`/internal/v1/transcriptions/${id}/segments`).set('Authorization', `Bearer ${t.config.sidecars.internalSecret}`).send({ segments });

  it('stores a segment time whose offset Postgres refuses (past ±15:59) as the UTC instant it names', async () => {
    // 2000-08-12T07:14:17.8+23:09 is 2000-08-11T08:05:17.800Z.
    expect((await handIn([segment('far-east', '2000-08-12T07:14:17.8+23:09')]).expect(200)).body).toEqual({ stored: 1 });
    const res = await t.api.get(`/v1/rooms/${room}/transcription`).expect(200);
    expect(res.body.segments.map((s: SegmentJson) => s.startTime)).toEqual(['2000-08-11T08:05:17.800Z']);
  });

  it('takes such an offset in `since` too, and answers 400 for a year Postgres cannot hold', async () => {
    // 2000-08-11T23:00:00+18:48 is 2000-08-11T04:12:00Z: before the segment, so it is kept.
    const kept = await t.api.get(`/v1/rooms/${room}/transcription?since=${encodeURIComponent('2000-08-11T23:00:00+18:48')}`).expect(200);
    expect(kept.body.segments).toHaveLength(1);
    const bad = await t.api.get(`/v1/rooms/${room}/transcription?since=${encodeURIComponent('0000-01-01T00:00:00Z')}`).expect(400);
    expect(bad.body.errors).toEqual([{ field: 'query.since', message: expect.stringMatching(/0001 to 9999/) }]);
    await handIn([segment('year-zero', '0000-06-01T00:00:00Z')]).expect(400);
  });

  it('documents the text/plain it answers with format=text', async () => {
    const doc = (await request(t.app).get('/v1/openapi.json').expect(200)).body;
    const text = await t.api.get(`/v1/rooms/${room}/transcription?format=text`).expect(200);
    expect(Object.keys(doc.paths['/v1/rooms/{roomId}/transcription'].get.responses['200'].content)).toContain(text.headers['content-type']!.split(';')[0]);
  });
});
