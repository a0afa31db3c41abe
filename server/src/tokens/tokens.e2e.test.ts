import { dispose, DisconnectReason, TrackKind } from '@livekit/rtc-node';
import { TokenVerifier } from 'livekit-server-sdk';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { RtcParticipant } from '../../test/rtc-participant.js';
import { TokenResponseSchema } from './tokens-schemas.js';

let t: TestApp;
const joined: RtcParticipant[] = [];

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await Promise.all(joined.map((p) => p.leave()));
  await dispose();
  await t.close();
});

async function token(body: Record<string, unknown>, path = '/v1/token') {
  return request(t.app).post(path).set('X-API-Key', t.apiKey).send(body);
}

async function join(room: string, userId: string, role: string): Promise<RtcParticipant> {
  const res = await token({ roomId: room, userId, name: userId, role });
  expect(res.status).toBe(200);
  const p = new RtcParticipant();
  joined.push(p);
  return p.join(res.body.url, res.body.token);
}

describe('POST /v1/token', () => {
  it('issues a token with the role grants, metadata, url and expiry', async () => {
    const before = Date.now();
    const res = await token({ roomId: `${t.prefix}-a`, userId: 'alice', name: 'Alice', role: 'moderator', metadata: { team: 'blue' } });
    expect(res.status).toBe(200);
    const body = TokenResponseSchema.parse(res.body);
    expect(body.url).toBe(t.config.livekit.publicUrl);
    const expiresAt = Date.parse(body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before - 1000 + t.config.tokenTtlSeconds * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + t.config.tokenTtlSeconds * 1000);

    const claims = await new TokenVerifier(t.config.livekit.apiKey, t.config.livekit.apiSecret).verify(body.token);
    expect(claims.sub).toBe('alice');
    expect(claims.name).toBe('Alice');
    expect(JSON.parse(claims.metadata!)).toEqual({ team: 'blue' });
    expect(claims.attributes).toEqual({ role: 'moderator' });
    expect(claims.video).toMatchObject({ room: `${t.prefix}-a`, roomJoin: true, canPublish: true, canSubscribe: true, roomAdmin: false });
    expect((claims as { exp?: number }).exp! * 1000).toBe(expiresAt);
  });

  it('refresh re-issues with the same body schema', async () => {
    const res = await token({ roomId: `${t.prefix}-a`, userId: 'alice', name: 'Alice', role: 'host' }, '/v1/token/refresh');
    expect(res.status).toBe(200);
    const claims = await new TokenVerifier(t.config.livekit.apiKey, t.config.livekit.apiSecret).verify(TokenResponseSchema.parse(res.body).token);
    expect(claims.video?.roomAdmin).toBe(true);
  });

  it('names every failing field in a problem+json 400', async () => {
    const res = await token({ roomId: '', userId: 'bob', role: 'superuser', extra: true });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('https://rtcstack.dev/errors/validation');
    const fields = [...new Set((res.body.errors as Array<{ field: string }>).map((e) => e.field))].sort();
    expect(fields).toEqual(['body', 'body.name', 'body.role', 'body.roomId']);
  });

  it('refuses a missing or wrong X-API-Key with 401', async () => {
    const body = { roomId: 'r', userId: 'u', name: 'n', role: 'viewer' };
    const none = await request(t.app).post('/v1/token').send(body);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ type: 'https://rtcstack.dev/errors/unauthorized', status: 401 });
    const wrong = await request(t.app).post('/v1/token').set('X-API-Key', `${t.apiKey}x`).send(body);
    expect(wrong.status).toBe(401);
  });
});

describe('role grants, proven by real participants on livekit-server', () => {
  it('a viewer joins but cannot publish', async () => {
    const room = `${t.prefix}-viewer`;
    const viewer = await join(room, 'vera', 'viewer');
    expect(viewer.room.isConnected).toBe(true);
    await expect(viewer.publishTone()).rejects.toThrow();
    const list = await request(t.app).get(`/v1/rooms/${room}/participants`).set('X-API-Key', t.apiKey);
    expect(list.status).toBe(200);
    const vera = list.body.participants.find((p: { identity: string }) => p.identity === 'vera');
    expect(vera.permission).toMatchObject({ canPublish: false, canSubscribe: true });
    expect(vera.tracks).toEqual([]);
  });

  it('a participant publishes audio; a host mutes it and the publisher sees it muted; a kick makes it leave', async () => {
    const room = `${t.prefix}-mod`;
    const host = await join(room, 'hannah', 'host');
    const pat = await join(room, 'pat', 'participant');
    const published = host.next('trackPublished', 10_000, (_pub, p) => p.identity === 'pat');
    const publication = await pat.publishTone();
    await published;
    const list = await request(t.app).get(`/v1/rooms/${room}/participants`).set('X-API-Key', t.apiKey);
    const patInfo = list.body.participants.find((p: { identity: string }) => p.identity === 'pat');
    expect(patInfo.tracks).toHaveLength(1);
    expect(patInfo.tracks[0]).toMatchObject({ sid: publication.sid, type: 'AUDIO', muted: false });
    expect(publication.kind).toBe(TrackKind.KIND_AUDIO);

    // A participant may not mute others, even with a valid token for the room.
    const patToken = (await token({ roomId: room, userId: 'pat2', name: 'pat2', role: 'participant' })).body.token;
    const refused = await request(t.app)
      .post(`/v1/rooms/${room}/participants/pat/mute`)
      .set('Authorization', `Bearer ${patToken}`)
      .send({ trackSid: publication.sid });
    expect(refused.status).toBe(403);

    // The host mutes with its own token (the role table's "Mute others").
    const hostToken = (await token({ roomId: room, userId: 'hannah', name: 'hannah', role: 'host' })).body.token;
    const mutedSeen = pat.next('trackMuted', 10_000, (pub) => pub.sid === publication.sid);
    const mute = await request(t.app)
      .post(`/v1/rooms/${room}/participants/pat/mute`)
      .set('Authorization', `Bearer ${hostToken}`)
      .send({ trackSid: publication.sid });
    expect(mute.status).toBe(204);
    const [pub, who] = await mutedSeen;
    expect(who.identity).toBe('pat');
    expect(pub.muted).toBe(true);

    const audit = await request(t.app).get(`/v1/audit?roomId=${room}`).set('X-API-Key', t.apiKey);
    expect(audit.body.entries[0]).toMatchObject({ action: 'track.muted', actor: 'host:hannah', outcome: 'succeeded', participantIdentity: 'pat' });

    const left = host.next('participantDisconnected', 10_000, (p) => p.identity === 'pat');
    const disconnected = pat.next('disconnected');
    const kick = await request(t.app).delete(`/v1/rooms/${room}/participants/pat`).set('X-API-Key', t.apiKey);
    expect(kick.status).toBe(204);
    const [reason] = await disconnected;
    expect(reason).toBe(DisconnectReason.PARTICIPANT_REMOVED);
    await left;
    const after = await request(t.app).get(`/v1/rooms/${room}/participants`).set('X-API-Key', t.apiKey);
    expect(after.body.participants.map((p: { identity: string }) => p.identity)).toEqual(['hannah']);
  });

  it('a moderator of another room may not mute here', async () => {
    const room = `${t.prefix}-other`;
    const modToken = (await token({ roomId: `${room}-elsewhere`, userId: 'mo', name: 'mo', role: 'moderator' })).body.token;
    const res = await request(t.app)
      .post(`/v1/rooms/${room}/participants/anyone/mute`)
      .set('Authorization', `Bearer ${modToken}`)
      .send({ trackSid: 'TR_x' });
    expect(res.status).toBe(403);
  });
});
