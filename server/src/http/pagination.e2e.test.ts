import { randomBytes } from 'node:crypto';
import { dispose } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtcParticipant } from '../../test/rtc-participant.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { AuditStore } from '../audit/audit-store.js';
import { RecordingListSchema } from '../recordings/recordings-schemas.js';
import { PostTranscriptionListSchema } from '../post-transcription/post-transcription-schemas.js';
import { TranscriptionsStore } from '../transcriptions/transcriptions-store.js';
import { WebhooksStore } from '../webhooks/webhooks-store.js';
import { encodeCursor, MAX_PAGE_LIMIT } from './pagination.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
});
const joined: RtcParticipant[] = [];
afterAll(async () => {
  await Promise.all(joined.map((p) => p.leave()));
  await dispose();
  await t.close();
});

const id = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/**
 * Follows `nextCursor` from the first page to the last, calling `between` after every page (to
 * insert rows while the client pages); returns every id served, in order, and the pages' sizes.
 */
async function walk(path: string, field: string, key: string, limit: number, between: () => Promise<void> = async () => {}) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const res = await t.api.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const items = res.body[field] as Array<Record<string, string>>;
    expect(items.length).toBeLessThanOrEqual(limit);
    ids.push(...items.map((i) => i[key]!));
    sizes.push(items.length);
    cursor = res.body.nextCursor as string | null;
    await between();
  } while (cursor);
  return { ids, sizes };
}

/** Every id of `existing` once, and no id twice. */
function expectEachOnce(served: string[], existing: string[]) {
  expect(new Set(served).size).toBe(served.length);
  for (const e of existing) expect(served.filter((s) => s === e)).toHaveLength(1);
}

/** A list's answers to limits out of bounds and to cursors it never issued: 400 naming the field. */
async function expectBoundsAndTamperRefused(path: string, foreignCursor: string) {
  const sep = path.includes('?') ? '&' : '?';
  for (const limit of [0, MAX_PAGE_LIMIT + 1]) {
    const res = await t.api.get(`${path}${sep}limit=${limit}`);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['query.limit']);
  }
  expect((await t.api.get(`${path}${sep}limit=${MAX_PAGE_LIMIT}`)).status).toBe(200);
  const first = await t.api.get(`${path}${sep}limit=1`);
  const issued = first.body.nextCursor as string;
  expect(issued).toEqual(expect.any(String));
  const tampered = [
    'bogus',
    issued.slice(0, -4),
    Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(issued, 'base64url').toString()), extra: 1 })).toString('base64url'),
    foreignCursor,
  ];
  for (const cursor of tampered) {
    const res = await t.api.get(`${path}${sep}cursor=${encodeURIComponent(cursor)}`);
    expect(res.status, cursor).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: 'query.cursor', message: 'invalid cursor' }]);
  }
}

describe('GET /v1/recordings pages by cursor', () => {
  const room = () => `${t.prefix}-rec`;
  const insert = (n: number, createdAt?: Date) =>
    t.deps
      .db('recordings')
      .insert(
        Array.from({ length: n }, () => {
          const rec = id('rec');
          return { id: rec, room_name: room(), status: 'completed', object_key: `recordings/${room()}/${rec}.mp4`, bucket: t.config.s3.bucket, ...(createdAt ? { created_at: createdAt } : {}) };
        }),
      )
      .returning('id')
      .then((rows: Array<{ id: string }>) => rows.map((r) => r.id));

  it('serves every recording once, newest first, while others are inserted between pages', async () => {
    // One insert is one transaction: these share created_at to the microsecond, so only the id orders them.
    const tied = await insert(5);
    const older = await insert(3, new Date(Date.now() - 60_000));
    const existing = [...tied, ...older];
    const { ids, sizes } = await walk(`/v1/recordings?roomId=${room()}`, 'recordings', 'id', 3, async () => void (await insert(2)));
    expectEachOnce(ids, existing);
    expect(sizes.slice(0, -1).every((s) => s === 3)).toBe(true);
    // Newest first: the tied rows (inserted later) before the older ones, each group by id descending.
    expect(ids.filter((i) => existing.includes(i))).toEqual([...[...tied].sort().reverse(), ...[...older].sort().reverse()]);
  });

  it('keeps page/pageSize working, answering total and a nextCursor to switch over', async () => {
    const path = `/v1/recordings?roomId=${room()}`;
    const all = RecordingListSchema.parse((await t.api.get(`${path}&limit=${MAX_PAGE_LIMIT}`)).body);
    expect(all.page).toBeUndefined();
    expect(all.total).toBe(all.recordings.length);
    const p1 = RecordingListSchema.parse((await t.api.get(`${path}&page=1&pageSize=4`)).body);
    const p2 = RecordingListSchema.parse((await t.api.get(`${path}&page=2&pageSize=4`)).body);
    expect(p1).toMatchObject({ page: 1, pageSize: 4, total: all.total });
    expect(p1.recordings.map((r) => r.id)).toEqual(all.recordings.slice(0, 4).map((r) => r.id));
    expect(p2.recordings.map((r) => r.id)).toEqual(all.recordings.slice(4, 8).map((r) => r.id));
    const switched = RecordingListSchema.parse((await t.api.get(`${path}&limit=4&cursor=${p1.nextCursor}`)).body);
    expect(switched.recordings.map((r) => r.id)).toEqual(p2.recordings.map((r) => r.id));
    // No parameters: page 1 of 20, as before cursors.
    expect((await t.api.get(path)).body).toMatchObject({ page: 1, pageSize: 20, total: all.total });
    const mixed = await t.api.get(`${path}&page=2&limit=4`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.errors[0].field).toBe('query.page');
  });

  it('refuses limits out of bounds and cursors it never issued', async () => {
    const ofTranscriptions = encodeCursor({ createdAt: '2026-01-01T00:00:00.000000Z', id: 'tr_abcdef' });
    await expectBoundsAndTamperRefused(`/v1/recordings?roomId=${room()}`, ofTranscriptions);
    const feb30 = encodeCursor({ createdAt: '2026-02-30T00:00:00.000000Z', id: 'rec_abcdef' });
    expect((await t.api.get(`/v1/recordings?cursor=${feb30}`)).status).toBe(400);
  });
});

describe('GET /v1/transcriptions pages by cursor', () => {
  let recordingId: string;
  beforeAll(async () => {
    recordingId = id('rec');
    await t.deps.db('recordings').insert({ id: recordingId, room_name: `${t.prefix}-tr`, status: 'completed', object_key: `recordings/x/${recordingId}.mp4`, bucket: t.config.s3.bucket });
  });
  const insert = async (n: number) => {
    const store = new TranscriptionsStore(t.deps.db);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const tr = await store.insert({ id: id('tr'), kind: 'post', roomName: null, recordingId, status: 'completed', language: 'en-US', options: {}, participants: {}, startedAt: null });
      ids.push(tr!.id);
    }
    return ids;
  };

  it('serves every transcription once while others are queued between pages', async () => {
    const existing = await insert(7);
    const { ids } = await walk(`/v1/transcriptions?recordingId=${recordingId}`, 'transcriptions', 'transcriptionId', 2, async () => void (await insert(1)));
    expectEachOnce(ids, existing);
    expect(ids.slice(0, existing.length)).toEqual([...existing].reverse());
  });

  it('keeps page/pageSize working', async () => {
    const path = `/v1/transcriptions?recordingId=${recordingId}`;
    const all = PostTranscriptionListSchema.parse((await t.api.get(`${path}&limit=${MAX_PAGE_LIMIT}`)).body);
    const p2 = PostTranscriptionListSchema.parse((await t.api.get(`${path}&page=2&pageSize=3`)).body);
    expect(p2).toMatchObject({ page: 2, pageSize: 3, total: all.total });
    expect(p2.transcriptions.map((x) => x.transcriptionId)).toEqual(all.transcriptions.slice(3, 6).map((x) => x.transcriptionId));
    expect((await t.api.get(`${path}&pageSize=3&cursor=${p2.nextCursor}`)).status).toBe(400);
  });

  it('refuses limits out of bounds and cursors it never issued', async () => {
    await expectBoundsAndTamperRefused(`/v1/transcriptions?recordingId=${recordingId}`, encodeCursor({ createdAt: '2026-01-01T00:00:00.000000Z', id: 'rec_abcdef' }));
  });
});

describe('GET /v1/webhooks and its deliveries page by cursor', () => {
  const register = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await t.api.post('/v1/webhooks', { url: `http://127.0.0.1:9/${t.prefix}/${i}` }).expect(201)).body.id);
    return ids;
  };

  it('serves every webhook once, oldest first, while others are registered between pages', async () => {
    const existing = await register(5);
    const { ids } = await walk('/v1/webhooks', 'webhooks', 'id', 2, async () => void (await register(1)));
    expectEachOnce(ids, existing);
    expect(ids.slice(0, existing.length)).toEqual(existing);
    // Without a limit, one page holds them all, as before pagination.
    const all = await t.api.get('/v1/webhooks').expect(200);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.webhooks.map((w: { id: string }) => w.id)).toEqual(expect.arrayContaining(ids));
  });

  it('serves every delivery once, newest first, while events are queued between pages', async () => {
    const [hook] = await register(1);
    const outbox = new WebhooksStore(t.deps.db);
    const queue = async (n: number) => {
      for (let i = 0; i < n; i++) await outbox.enqueue({ id: id('EV'), type: 'room_started', body: {} });
    };
    await queue(7);
    const existing = (await t.api.get(`/v1/webhooks/${hook}/deliveries`).expect(200)).body.deliveries.map((d: { id: string }) => d.id) as string[];
    expect(existing).toHaveLength(7);
    const { ids } = await walk(`/v1/webhooks/${hook}/deliveries`, 'deliveries', 'id', 3, () => queue(2));
    expectEachOnce(ids, existing);
    expect(ids.slice(-existing.length)).toEqual(existing);
  });

  it('refuses limits out of bounds and cursors they never issued', async () => {
    const [hook] = await register(2);
    await new WebhooksStore(t.deps.db).enqueue({ id: id('EV'), type: 'room_started', body: {} });
    await new WebhooksStore(t.deps.db).enqueue({ id: id('EV'), type: 'room_started', body: {} });
    await expectBoundsAndTamperRefused('/v1/webhooks', encodeCursor({ createdAt: '2026-01-01T00:00:00.000000Z', id: 'dl_abcdef' }));
    await expectBoundsAndTamperRefused(`/v1/webhooks/${hook}/deliveries`, encodeCursor({ createdAt: '2026-01-01T00:00:00.000000Z', id: 'wh_abcdef' }));
  });
});

describe('GET /v1/audit pages by cursor', () => {
  const room = () => `${t.prefix}-audit`;
  const record = async (n: number) => {
    const store = new AuditStore(t.deps.db);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await store.insert({ action: 'room.deleted', roomName: room(), actor: 'api-key' }));
    return ids;
  };

  it('serves every entry once, newest first, while others are recorded between pages', async () => {
    const existing = await record(7);
    const { ids } = await walk(`/v1/audit?roomId=${room()}`, 'entries', 'id', 2, async () => void (await record(1)));
    expectEachOnce(ids, existing);
    expect(ids).toEqual([...existing].reverse());
  });

  it('refuses limits out of bounds and cursors it never issued', async () => {
    await expectBoundsAndTamperRefused(`/v1/audit?roomId=${room()}`, encodeCursor({ createdAt: '2026-01-01T00:00:00.000000Z', id: 'rec_abcdef' }));
    expect((await t.api.get(`/v1/audit?cursor=${encodeCursor({ seq: '9'.repeat(19) })}`)).status).toBe(400);
  });
});

/** Strictly increasing in code-unit order: each page follows the last, and nothing came twice. */
function expectAscending(keys: string[]) {
  for (let i = 1; i < keys.length; i++) expect(keys[i - 1]! < keys[i]!, `${keys[i - 1]} before ${keys[i]}`).toBe(true);
}

describe('LiveKit lists page by their unique key', () => {
  it('GET /v1/rooms serves every room once, by name, while rooms are created between pages', async () => {
    const names = ['m', 'c', 'x', 'a', 'q'].map((s) => `${t.prefix}-pg-${s}`);
    for (const name of names) await t.api.post('/v1/rooms', { name }).expect(201);
    let n = 0;
    // Other test files share livekit-server, so their rooms come and go in this list too.
    const { ids } = await walk('/v1/rooms', 'rooms', 'name', 3, async () => void (await t.api.post('/v1/rooms', { name: `${t.prefix}-pg-${'bnz'[n++ % 3]}${n}` })));
    expectEachOnce(ids, names);
    expectAscending(ids);
    const all = await t.api.get('/v1/rooms').expect(200);
    expect(all.body.rooms.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(names));
    await expectBoundsAndTamperRefused('/v1/rooms', encodeCursor({ identity: 'someone' }));
  });

  it('GET /v1/rooms/:roomId/participants serves everyone once, by identity, while others join between pages', async () => {
    const room = `${t.prefix}-pg-people`;
    const join = async (identity: string) => {
      const { body } = await t.api.post('/v1/token', { roomId: room, userId: identity, name: identity, role: 'participant' }).expect(200);
      const p = new RtcParticipant();
      joined.push(p);
      await p.join(body.url, body.token);
    };
    const existing = ['dora', 'bob', 'eve', 'alice'];
    for (const who of existing) await join(who);
    const late = ['carol', 'zed'];
    const path = `/v1/rooms/${room}/participants`;
    const { ids } = await walk(path, 'participants', 'identity', 2, async () => {
      const who = late.shift();
      if (who) await join(who);
    });
    expectEachOnce(ids, existing);
    expectAscending(ids);
    // carol joined after the first page (alice, bob) and sorts after it, so she is served; zed too.
    expect(ids).toEqual(['alice', 'bob', 'carol', 'dora', 'eve', 'zed']);
    await expectBoundsAndTamperRefused(path, encodeCursor({ room: 'alice' }));
  }, 90_000);

  it('GET /v1/rooms/:roomId/ingress serves every endpoint once, by ingressId, while others are created between pages', async () => {
    const room = `${t.prefix}-pg-ingress`;
    const created: string[] = [];
    const create = async () => created.push((await t.api.post(`/v1/rooms/${room}/ingress`, { type: 'whip' }).expect(201)).body.ingressId);
    try {
      for (let i = 0; i < 4; i++) await create();
      const existing = [...created];
      let extra = 2;
      const path = `/v1/rooms/${room}/ingress`;
      const { ids } = await walk(path, 'ingress', 'ingressId', 1, async () => void (extra-- > 0 && (await create())));
      expectEachOnce(ids, existing);
      expectAscending(ids);
      expect((await t.api.get(path).expect(200)).body.ingress.map((i: { ingressId: string }) => i.ingressId).sort()).toEqual([...created].sort());
      await expectBoundsAndTamperRefused(path, encodeCursor({ room: 'x' }));
    } finally {
      for (const ingressId of created) await t.api.del(`/v1/rooms/${room}/ingress/${ingressId}`);
    }
  }, 60_000);
});
