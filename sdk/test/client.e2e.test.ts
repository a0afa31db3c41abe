import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createClient, RtcstackError, type Fetch } from '../src/index.js';

const { url, apiKey } = inject('controlPlane');
const prefix = `sdk${randomBytes(3).toString('hex')}`;
const rtc = createClient({ baseUrl: url, apiKey });

describe('the typed client against the real control plane', () => {
  const rooms: string[] = [];
  afterAll(async () => {
    for (const name of rooms) await rtc.DELETE('/v1/rooms/{roomId}', { params: { path: { roomId: name } } }).catch(() => undefined);
  });

  it('creates a room, reads it back and finds it in the list', async () => {
    const name = `${prefix}-room`;
    rooms.push(name);
    const { data: room, response } = await rtc.POST('/v1/rooms', { body: { name, maxParticipants: 5 } });
    expect(response.status).toBe(201);
    expect(room).toMatchObject({ name, maxParticipants: 5 });

    const { data: got } = await rtc.GET('/v1/rooms/{roomId}', { params: { path: { roomId: name } } });
    expect(got.name).toBe(name);
    const { data: list } = await rtc.GET('/v1/rooms');
    expect(list.rooms.map((r) => r.name)).toContain(name);
  });

  it('mints a participant token', async () => {
    const { data } = await rtc.POST('/v1/token', { body: { roomId: `${prefix}-token`, userId: 'ada', name: 'Ada', role: 'participant' } });
    expect(data.token.split('.')).toHaveLength(3);
    expect(new Date(data.expiresAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('registers a webhook and gets its secret once', async () => {
    const { data: hook } = await rtc.POST('/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['room_created'] } });
    expect(hook.secret).toMatch(/^whsec_/);
    const { data: again } = await rtc.GET('/v1/webhooks/{webhookId}', { params: { path: { webhookId: hook.id } } });
    expect(again.secret).toBe('***');
    await rtc.DELETE('/v1/webhooks/{webhookId}', { params: { path: { webhookId: hook.id } } });
  });

  it('turns a problem+json answer into an RtcstackError with status, type, detail and request id', async () => {
    const err = await rtc.GET('/v1/rooms/{roomId}', { params: { path: { roomId: `${prefix}-absent` } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RtcstackError);
    const e = err as RtcstackError;
    expect(e.status).toBe(404);
    expect(e.type).toBe('https://rtcstack.dev/errors/not-found');
    expect(e.title).toBe('Not Found');
    expect(e.detail).toContain(`${prefix}-absent`);
    expect(e.requestId).toMatch(/\S+/);
    expect(e.problem?.requestId).toBe(e.requestId);
  });

  it('reports a field that failed validation, and a wrong key as 401', async () => {
    const invalid = (await rtc.POST('/v1/rooms', { body: { name: '' } }).catch((e: unknown) => e)) as RtcstackError;
    expect(invalid.status).toBe(400);
    expect(invalid.type).toBe('https://rtcstack.dev/errors/validation');
    expect(invalid.problem?.errors?.[0]?.field).toBe('body.name');

    const stranger = createClient({ baseUrl: url, apiKey: 'not-a-key-of-this-deployment' });
    const denied = (await stranger.GET('/v1/rooms').catch((e: unknown) => e)) as RtcstackError;
    expect(denied).toBeInstanceOf(RtcstackError);
    expect(denied.status).toBe(401);
  });

  it('gives each POST its own Idempotency-Key and keeps one the caller chose', async () => {
    const seen: (string | null)[] = [];
    const spy: Fetch = (req) => {
      seen.push(req.headers.get('idempotency-key'));
      return fetch(req);
    };
    const c = createClient({ baseUrl: url, apiKey, fetch: spy });
    await c.POST('/v1/token', { body: { roomId: `${prefix}-k`, userId: 'a', name: 'A', role: 'viewer' } });
    await c.POST('/v1/token', { body: { roomId: `${prefix}-k`, userId: 'b', name: 'B', role: 'viewer' } });
    await c.POST('/v1/token', { body: { roomId: `${prefix}-k`, userId: 'c', name: 'C', role: 'viewer' }, headers: { 'Idempotency-Key': `${prefix}-mine` } });
    await c.GET('/v1/rooms');
    expect(seen[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]).not.toBe(seen[0]);
    expect(seen[2]).toBe(`${prefix}-mine`);
    expect(seen[3]).toBeNull();
  });

  it('a POST whose answer was lost is retried with its key, and the server did the work once', async () => {
    const hookUrl = `http://127.0.0.1:9/${prefix}-once`;
    let attempts = 0;
    // The first answer is dropped after the server has acted on it, as a connection reset would.
    const lossy: Fetch = async (req) => {
      attempts++;
      const res = await fetch(req);
      if (attempts > 1) return res;
      await res.body?.cancel();
      throw new TypeError('fetch failed (the connection was reset)');
    };
    const c = createClient({ baseUrl: url, apiKey, fetch: lossy, retry: { baseDelayMs: 10 } });
    const { data: hook } = await c.POST('/v1/webhooks', { body: { url: hookUrl, events: ['*'] } });
    expect(attempts).toBe(2);
    const { data: all } = await rtc.GET('/v1/webhooks');
    const mine = all.webhooks.filter((w) => w.url === hookUrl);
    expect(mine.map((w) => w.id)).toEqual([hook.id]);
  });
});
