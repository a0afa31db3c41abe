import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { RoomListSchema } from './rooms-schemas.js';
import { RoomSchema } from '../livekit/livekit-json.js';
import { ParticipantListSchema } from '../participants/participants-schemas.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const api = () => t.api;

describe('/v1/rooms on livekit-server', () => {
  it('creates a room (201), and creating it again returns it unchanged (200)', async () => {
    const name = `${t.prefix}-create`;
    const res = await api().post('/v1/rooms', { name, maxParticipants: 7, emptyTimeout: 120, metadata: 'hello' });
    expect(res.status).toBe(201);
    const room = RoomSchema.parse(res.body);
    expect(room).toMatchObject({ name, maxParticipants: 7, emptyTimeout: 120, metadata: 'hello', numParticipants: 0 });
    expect(room.sid).toMatch(/^RM_/);
    expect(res.body).not.toHaveProperty('turnPassword');

    const again = await api().post('/v1/rooms', { name, maxParticipants: 99 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ sid: room.sid, maxParticipants: 7 });
  });

  it('lists and gets rooms', async () => {
    const name = `${t.prefix}-list`;
    await api().post('/v1/rooms', { name });
    const list = await api().get('/v1/rooms');
    expect(list.status).toBe(200);
    expect(RoomListSchema.parse(list.body).rooms.map((r) => r.name)).toContain(name);
    const one = await api().get(`/v1/rooms/${name}`);
    expect(one.status).toBe(200);
    expect(one.body.name).toBe(name);
  });

  it('answers 404 problem+json for an unknown room', async () => {
    const res = await api().get(`/v1/rooms/${t.prefix}-nope`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'https://rtcstack.dev/errors/not-found', title: 'Not Found', status: 404, detail: `Room ${t.prefix}-nope not found` });
    expect((await api().del(`/v1/rooms/${t.prefix}-nope`)).status).toBe(404);
    expect((await api().get(`/v1/rooms/${t.prefix}-nope/participants`)).status).toBe(404);
  });

  it('deletes a room (204) and records it in the audit log', async () => {
    const name = `${t.prefix}-delete`;
    await api().post('/v1/rooms', { name });
    const res = await api().del(`/v1/rooms/${name}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await api().get(`/v1/rooms/${name}`)).status).toBe(404);
    const audit = await api().get(`/v1/audit?roomId=${name}`);
    expect(audit.body.entries).toEqual([expect.objectContaining({ action: 'room.deleted', actor: 'api-key', outcome: 'succeeded', requestId: res.headers['x-request-id'] })]);
  });

  it('lists the participants of an empty room', async () => {
    const name = `${t.prefix}-empty`;
    await api().post('/v1/rooms', { name });
    const res = await api().get(`/v1/rooms/${name}/participants`);
    expect(res.status).toBe(200);
    expect(ParticipantListSchema.parse(res.body)).toEqual({ participants: [], nextCursor: null });
  });

  it('rejects invalid room input, naming the fields', async () => {
    const res = await api().post('/v1/rooms', { name: 'has space', maxParticipants: -1, emptyTimeout: 'soon' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.emptyTimeout', 'body.maxParticipants', 'body.name']);
    const badPath = await api().get('/v1/rooms/bad%20name');
    expect(badPath.status).toBe(400);
    expect(badPath.body.errors[0].field).toBe('params.roomId');
  });

  it('answers 404 for muting or kicking someone who is not there', async () => {
    const name = `${t.prefix}-ghost`;
    await api().post('/v1/rooms', { name });
    expect((await api().del(`/v1/rooms/${name}/participants/ghost`)).status).toBe(404);
    const mute = await api().post(`/v1/rooms/${name}/participants/ghost/mute`, { trackSid: 'TR_nope' });
    expect(mute.status).toBe(404);
    expect(mute.body.detail).toBe(`Participant ghost not found in room ${name}`);
  });

  it('paginates the audit log with an opaque cursor', async () => {
    const names = [1, 2, 3].map((i) => `${t.prefix}-page${i}`);
    for (const name of names) {
      await api().post('/v1/rooms', { name });
      await api().del(`/v1/rooms/${name}`);
    }
    const first = await api().get('/v1/audit?limit=2');
    expect(first.body.entries.map((e: { roomName: string }) => e.roomName)).toEqual([names[2], names[1]]);
    const second = await api().get(`/v1/audit?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.entries[0].roomName).toBe(names[0]);
    expect((await api().get('/v1/audit?cursor=bogus')).status).toBe(400);
  });
});
