import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { WebhookEvent } from '@livekit/protocol';
import knexFactory, { type Knex } from 'knex';
import { AccessToken } from 'livekit-server-sdk';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startControlPlane, type ControlPlaneProcess } from '../../test/control-plane-process.js';
import { withDatabase } from '../../test/e2e-env.js';
import { SseClient } from '../../test/sse-client.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { waitFor } from '../../test/wait.js';
import { UnitOfWork } from '../db/unit-of-work.js';
import { LIVEKIT_WEBHOOK_PATH } from '../livekit-events/livekit-events-routes.js';
import { WebhooksStore } from '../webhooks/webhooks-store.js';
import { attachWebSocket } from './events-socket.js';
import { EventsStore } from './events-store.js';

let t: TestApp;
let server: Server;
let base: string;
beforeAll(async () => {
  // Heartbeats fast enough to see; the safety-net poll fast enough that an event nobody announced still arrives soon.
  t = await createTestApp({ EVENTS_HEARTBEAT_MS: '300', EVENTS_POLL_MS: '500' });
  server = createServer(t.app);
  attachWebSocket(server, t.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await t.close(); // ends every stream first, so the server can close
  await new Promise((r) => server.close(r));
});

let n = 0;
/** A LiveKit-signed webhook event, posted as livekit-server would; answers the event id. */
async function livekitEvent(target: string | TestApp, event: string, room: string, extra: Record<string, unknown> = {}, id = `EV_${t.prefix}_${++n}`): Promise<string> {
  const body = new WebhookEvent({ event, id, createdAt: BigInt(Math.floor(Date.now() / 1000)), room: { name: room, sid: 'RM_x' }, ...extra } as never).toJsonString();
  const at = new AccessToken(t.config.livekit.apiKey, t.config.livekit.apiSecret);
  at.sha256 = createHash('sha256').update(body).digest('base64');
  const jwt = await at.toJwt();
  if (typeof target === 'string') {
    const res = await fetch(`${target}${LIVEKIT_WEBHOOK_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/webhook+json', Authorization: jwt }, body });
    expect(res.status).toBe(200);
  } else {
    const res = await request(target.app).post(LIVEKIT_WEBHOOK_PATH).set('Content-Type', 'application/webhook+json').set('Authorization', jwt).send(body);
    expect(res.status).toBe(200);
  }
  return id;
}

const joined = (room: string, identity: string, target: string | TestApp = t) => livekitEvent(target, 'participant_joined', room, { participant: { identity, sid: `PA_${identity}` } });
const sse = (query = '', headers: Record<string, string> = {}, url = base) => SseClient.open(`${url}/v1/events${query}`, { 'X-API-Key': t.apiKey, ...headers });

/** A WebSocket that records its messages; resolves once open (or refused, with the HTTP status). */
function ws(query = '', headers: Record<string, string> = { 'X-API-Key': t.apiKey }, url = base) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws${query}`, { headers });
  const messages: Array<Record<string, unknown>> = [];
  socket.on('message', (d) => messages.push(JSON.parse(String(d))));
  const closed = new Promise<number>((r) => socket.on('close', (code) => r(code)));
  const opened = new Promise<{ status: number; body: string }>((resolve, reject) => {
    socket.once('open', () => resolve({ status: 101, body: '' }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.once('error', (err) => reject(err));
  });
  return { socket, messages, closed, opened, waitFor: (k: number) => waitFor(`${k} WebSocket messages (have ${messages.length})`, async () => messages.length >= k && messages, 15_000, 25) };
}

describe('GET /v1/events as Server-Sent Events', () => {
  it('answers an event stream with the right headers, a retry hint and heartbeats', async () => {
    const s = await sse();
    try {
      expect(s.status).toBe(200);
      expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(s.headers['cache-control']).toMatch(/no-cache/);
      expect(s.headers['cache-control']).toMatch(/no-transform/);
      expect(s.headers['x-accel-buffering']).toBe('no');
      expect(s.headers['content-encoding']).toBeUndefined();
      await waitFor('two heartbeats', async () => s.comments.filter((c) => c === 'ping').length >= 2, 10_000, 25);
      expect(s.retry).toBe(3000);
    } finally {
      s.close();
    }
  });

  it('carries each event once, as id: position, event: type, data: the webhook body, filtered by room and type', async () => {
    const [a, b] = [`${t.prefix}-a`, `${t.prefix}-b`];
    const byRoom = await sse(`?room=${a}`);
    const byType = await sse('?type=participant_joined,participant_left');
    const both = await sse(`?room=${b}&type=participant_joined`);
    try {
      const roomA = await livekitEvent(t, 'room_started', a);
      const june = await joined(a, 'june');
      const dup = await joined(b, 'bob');
      await livekitEvent(t, 'participant_joined', b, { participant: { identity: 'bob' } }, dup); // LiveKit redelivers: the same id
      await livekitEvent(t, 'room_started', b);
      await byRoom.waitForFrames(2);
      await byType.waitForFrames(2);
      await both.waitForFrames(1);
      expect(byRoom.events.map((e) => e.id)).toEqual([roomA, june]);
      expect(byRoom.frames.map((f) => f.event)).toEqual(['room_created', 'participant_joined']);
      expect(byRoom.events[1]).toMatchObject({ id: june, type: 'participant_joined', data: { room: { name: a }, participant: { identity: 'june' } } });
      expect(Object.keys(byRoom.events[1]!).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
      expect(byRoom.frames[0]!.id).toMatch(/^\d+-\d+$/);
      expect(byType.events.map((e) => e.id)).toEqual([june, dup]);
      await new Promise((r) => setTimeout(r, 700)); // a poll round later: still nothing repeated
      expect(both.events.map((e) => e.id)).toEqual([dup]);
    } finally {
      for (const s of [byRoom, byType, both]) s.close();
    }
  });

  it('reconnecting with Last-Event-ID (or after) replays exactly the missed events, then goes on live', async () => {
    const room = `${t.prefix}-resume`;
    const first = await sse(`?room=${room}`);
    const e1 = await joined(room, 'p1');
    const [f1] = await first.waitForFrames(1);
    first.close();
    const e2 = await joined(room, 'p2');
    const e3 = await livekitEvent(t, 'participant_left', room, { participant: { identity: 'p1' } });
    await joined(`${t.prefix}-elsewhere`, 'p9');

    const resumed = await sse(`?room=${room}`, { 'Last-Event-ID': f1!.id! });
    await resumed.waitForFrames(2);
    const e4 = await joined(room, 'p3');
    await resumed.waitForFrames(3);
    await new Promise((r) => setTimeout(r, 700));
    resumed.close();
    expect(first.events.map((e) => e.id)).toEqual([e1]);
    expect(resumed.events.map((e) => e.id)).toEqual([e2, e3, e4]);

    // `after` in the query does the same (EventSource's Last-Event-ID, when sent, wins over it).
    const viaQuery = await sse(`?room=${room}&after=${resumed.frames[0]!.id}`);
    await viaQuery.waitForFrames(2);
    viaQuery.close();
    expect(viaQuery.events.map((e) => e.id)).toEqual([e3, e4]);

    const bad = await sse('', { 'Last-Event-ID': 'not-a-position' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('carries rtcstack events too, and an event committed without a wake-up still arrives (the poll)', async () => {
    const room = `${t.prefix}-own`;
    const s = await sse(`?type=transcription_completed&room=${room}`);
    try {
      // Published as the post-call service does, through the outbox in a unit of work, but with no hub to announce it.
      const unit = new UnitOfWork(t.deps.db, (trx) => ({ outbox: new WebhooksStore(trx, new EventsStore(trx)) }));
      await unit.run((u) => u.outbox.publish({ type: 'transcription_completed', data: { transcriptionId: 'tr_e2e', roomId: room, segmentCount: 3 } }));
      const [f] = await s.waitForFrames(1, 10_000);
      expect(f!.event).toBe('transcription_completed');
      expect(s.events[0]).toMatchObject({ type: 'transcription_completed', data: { transcriptionId: 'tr_e2e', roomId: room } });
    } finally {
      s.close();
    }
  });

  it('needs events:read, like the JSON list and the WebSocket', async () => {
    const key = (await t.api.post('/v1/api-keys', { name: 'rooms only', scopes: ['rooms:read'] })).body.key as string;
    const s = await SseClient.open(`${base}/v1/events`, { 'X-API-Key': key });
    expect(s.status).toBe(403);
    expect(JSON.parse(s.body)).toMatchObject({ requiredScope: 'events:read' });
    const refused = ws('', { 'X-API-Key': key });
    expect((await refused.opened).status).toBe(403);
    expect((await SseClient.open(`${base}/v1/events`)).status).toBe(401);
  });
});

describe('GET /v1/events as a JSON list', () => {
  it('pages the stored events oldest first, filters them, and resumes after a position', async () => {
    const room = `${t.prefix}-list`;
    const ids = [await livekitEvent(t, 'room_started', room)];
    for (const who of ['a', 'b', 'c']) ids.push(await joined(room, who));
    ids.push(await livekitEvent(t, 'room_finished', room));

    // An event is listed once every write transaction that began before it has ended: at once, or nearly.
    await waitFor('the five events listed', async () => (await t.api.get(`/v1/events?room=${room}&limit=200`)).body.events.length === 5, 10_000, 50);
    const seen: string[] = [];
    const positions: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.api.get(`/v1/events?room=${room}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.events.map((e: { id: string }) => e.id));
      positions.push(...res.body.events.map((e: { position: string }) => e.position));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);

    const one = (await t.api.get(`/v1/events?room=${room}&type=room_closed`)).body;
    expect(one).toMatchObject({ nextCursor: null, events: [{ id: ids[4], type: 'room_closed', room, position: positions[4] }] });
    const after = (await t.api.get(`/v1/events?room=${room}&after=${positions[2]}`)).body;
    expect(after.events.map((e: { id: string }) => e.id)).toEqual(ids.slice(3));

    const badType = await t.api.get('/v1/events?type=room_exploded');
    expect(badType.status).toBe(400);
    expect(badType.body.errors[0].field).toBe('query.type');
    expect((await t.api.get('/v1/events?after=12')).status).toBe(400);
    expect((await t.api.get(`/v1/events?after=${positions[0]}&cursor=${positions[0]}`)).status).toBe(400);
    expect((await t.api.get('/v1/events?cursor=bm90LW91cnM')).status).toBe(400);
  });

  it('keeps events for the retention period: the prune deletes older ones, one replica at a time', async () => {
    const room = `${t.prefix}-old`;
    const id = await joined(room, 'old');
    await t.deps.db('events').where({ event_id: id }).update({ created_at: t.deps.db.raw(`now() - interval '100 hours'`) });
    // Another replica holds the prune's lock: this one skips its round.
    await t.deps.db.transaction(async (trx) => {
      await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('rtcstack:events:prune'))`);
      expect(await t.services.liveEvents.prune()).toBeUndefined();
    });
    expect((await t.api.get(`/v1/events?room=${room}`)).body.events).toHaveLength(1);
    expect(await t.services.liveEvents.prune()).toBeGreaterThanOrEqual(1);
    expect((await t.api.get(`/v1/events?room=${room}`)).body.events).toEqual([]);
  });

  it('is documented: both content types on GET /v1/events, the WebSocket as GET /v1/ws', async () => {
    const doc = (await request(t.app).get('/v1/openapi.json')).body;
    const events = doc.paths['/v1/events'].get;
    expect(Object.keys(events.responses['200'].content)).toEqual(['application/json', 'text/event-stream']);
    expect(events['x-required-scope']).toBe('events:read');
    expect(doc.paths['/v1/ws'].get.responses['101']).toBeDefined();
    expect(doc.paths['/v1/ws/tickets'].post.responses['201']).toBeDefined();
  });
});

describe('the stream order', () => {
  const append = (db: Knex, id: string, room: string) =>
    new EventsStore(db).append({ id, type: 'room_created', body: { id, type: 'room_created', createdAt: new Date().toISOString(), data: { room: { name: room } } } });

  it('a transaction that took its seq first but commits last is still delivered, after the others, and on resume', async () => {
    const room = `${t.prefix}-late`;
    const s = await sse(`?room=${room}`);
    const gate = () => {
      let open!: () => void;
      return { passed: new Promise<void>((r) => (open = r)), open: () => open() };
    };
    const earlyHasXid = gate();
    const lateInserted = gate();
    const lateMayCommit = gate();
    // "early" takes its transaction id first; "late" then inserts first (the lower seq) and commits last.
    const early = t.deps.db.transaction(async (trx) => {
      await trx.raw('SELECT pg_current_xact_id()');
      earlyHasXid.open();
      await lateInserted.passed;
      await append(trx, `EV_${t.prefix}_early`, room);
    });
    await earlyHasXid.passed;
    const late = t.deps.db.transaction(async (trx) => {
      await append(trx, `EV_${t.prefix}_late`, room);
      lateInserted.open();
      await lateMayCommit.passed;
    });
    await early;
    let f1;
    try {
      [f1] = await s.waitForFrames(1); // early is delivered while late is still open
    } finally {
      lateMayCommit.open();
      await late;
    }
    await s.waitForFrames(2);
    // By seq, late came first: a reader following seq would have stepped past it for good.
    const bySeq = (await t.deps.db('events').whereIn('event_id', [`EV_${t.prefix}_early`, `EV_${t.prefix}_late`]).orderBy('seq').select('event_id')).map((r) => r.event_id);
    expect(bySeq).toEqual([`EV_${t.prefix}_late`, `EV_${t.prefix}_early`]);
    s.close();
    expect(s.events.map((e) => e.id)).toEqual([`EV_${t.prefix}_early`, `EV_${t.prefix}_late`]);
    const resumed = await sse(`?room=${room}`, { 'Last-Event-ID': f1!.id! });
    await resumed.waitForFrames(1);
    resumed.close();
    expect(resumed.events.map((e) => e.id)).toEqual([`EV_${t.prefix}_late`]);
  });

  it('a long write transaction in another database on the server does not hold events back', async () => {
    const other = knexFactory({ client: 'pg', connection: withDatabase(t.config.database.url, 'postgres'), pool: { min: 1, max: 1 } });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let began = false;
    const open = other.transaction(async (trx) => {
      await trx.raw('SELECT pg_current_xact_id()'); // holds a transaction id, as a long write would
      began = true;
      await held;
    });
    try {
      await waitFor('the other transaction', async () => began, 5000, 10);
      const room = `${t.prefix}-other-db`;
      const id = await joined(room, 'x');
      await waitFor('the event listed', async () => (await t.api.get(`/v1/events?room=${room}`)).body.events[0]?.id === id, 5000, 50);
    } finally {
      release();
      await open;
      await other.destroy();
    }
  });
});

describe('GET /v1/ws', () => {
  it('carries the same events as JSON messages, filtered, resumable with after, with a JSON ping', async () => {
    const room = `${t.prefix}-ws`;
    const live = ws(`?room=${room}&type=participant_joined`);
    expect((await live.opened).status).toBe(101);
    await livekitEvent(t, 'room_started', room);
    const e1 = await joined(room, 'w1');
    const e2 = await joined(room, 'w2');
    const [m1] = await live.waitFor(2);
    expect(m1).toMatchObject({ id: e1, type: 'participant_joined', room, data: { participant: { identity: 'w1' } } });
    expect(m1!.position).toMatch(/^\d+-\d+$/);
    live.socket.send(JSON.stringify({ type: 'ping' }));
    await live.waitFor(3);
    expect(live.messages[2]).toEqual({ type: 'pong' });
    live.socket.close();

    const resumed = ws(`?room=${room}&type=participant_joined&after=${m1!.position}`);
    await resumed.waitFor(1);
    const e3 = await joined(room, 'w3');
    await resumed.waitFor(2);
    resumed.socket.close();
    expect(resumed.messages.map((m) => m.id)).toEqual([e2, e3]);
  });

  it('refuses the upgrade with problem+json: 401 without or with bad credentials, 400 for bad filters; a plain GET is a 426', async () => {
    for (const headers of [{}, { 'X-API-Key': 'wrong-key-0123456789' }] as Array<Record<string, string>>) {
      const r = await ws('', headers).opened;
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body)).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
    const bad = await ws('?type=nope').opened;
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).errors[0].field).toBe('query.type');
    const plain = await t.api.get('/v1/ws');
    expect(plain.status).toBe(426);
    expect(plain.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('opens with a single-use ticket, which a browser can put in the URL', async () => {
    const issued = await fetch(`${base}/v1/ws/tickets`, { method: 'POST', headers: { 'X-API-Key': t.apiKey } });
    expect(issued.status).toBe(201);
    const { ticket, url, expiresAt } = (await issued.json()) as { ticket: string; url: string; expiresAt: string };
    expect(url).toBe(`${base.replace(/^http/, 'ws')}/v1/ws?ticket=${ticket}`);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(30_000);
    const room = `${t.prefix}-ticket`;
    const browser = ws(`?ticket=${ticket}&room=${room}`, {});
    expect((await browser.opened).status).toBe(101);
    const id = await joined(room, 'tix');
    await browser.waitFor(1);
    expect(browser.messages[0]).toMatchObject({ id });
    browser.socket.close();

    expect((await ws(`?ticket=${ticket}`, {}).opened).status).toBe(401); // used

    // A ticket limited to one room reads only that room, and may not ask for another.
    const limited = async () =>
      ((await (await fetch(`${base}/v1/ws/tickets`, { method: 'POST', headers: { 'X-API-Key': t.apiKey, 'Content-Type': 'application/json' }, body: JSON.stringify({ rooms: [room] }) })).json()) as { ticket: string }).ticket;
    const beyond = await ws(`?ticket=${await limited()}&room=${room},${t.prefix}-other`, {}).opened;
    expect(beyond.status).toBe(403);
    expect(JSON.parse(beyond.body).detail).toMatch(/limited to the rooms/);
    const mine = ws(`?ticket=${await limited()}`, {});
    expect((await mine.opened).status).toBe(101);
    await joined(`${t.prefix}-other`, 'nosy');
    const own = await joined(room, 'tix2');
    await mine.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    mine.socket.close();
    expect(mine.messages.map((m) => m.id)).toEqual([own]);
    const stale = ((await (await fetch(`${base}/v1/ws/tickets`, { method: 'POST', headers: { 'X-API-Key': t.apiKey } })).json()) as { ticket: string }).ticket;
    await t.deps.db('ws_tickets').update({ expires_at: t.deps.db.raw(`now() - interval '1 second'`) });
    expect((await ws(`?ticket=${stale}`, {}).opened).status).toBe(401); // expired
  });
});

describe('across replicas: two control-plane processes on one database', () => {
  let replica: TestApp;
  let a: ControlPlaneProcess;
  let b: ControlPlaneProcess;
  beforeAll(async () => {
    // A database of their own, cloned from the template; the processes are the deployment's two replicas.
    replica = await createTestApp();
    // No poll worth the name: only a NOTIFY from the other replica can bring an event over in time.
    const env = { DATABASE_URL: replica.config.database.url, NODE_ENV: 'test', EVENTS_POLL_MS: '60000', EVENTS_HEARTBEAT_MS: '1000', RATE_LIMIT_KEY_PREFIX: `rtcstack-test:${randomBytes(6).toString('hex')}` };
    [a, b] = await Promise.all([startControlPlane(env), startControlPlane(env)]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await replica?.close();
  }, 60_000);

  it('an event raised through replica A reaches an SSE stream and a WebSocket on replica B', async () => {
    const room = `${t.prefix}-xr`;
    const onB = await sse(`?room=${room}`, {}, b.url);
    const wsOnB = ws(`?room=${room}`, undefined, b.url);
    expect(onB.status).toBe(200);
    expect((await wsOnB.opened).status).toBe(101);
    const started = Date.now();
    const id = await joined(room, 'cross', a.url);
    await onB.waitForFrames(1, 20_000);
    await wsOnB.waitFor(1);
    expect(Date.now() - started).toBeLessThan(20_000); // far below B's 60 s poll: it came by NOTIFY
    expect(onB.events[0]).toMatchObject({ id, type: 'participant_joined' });
    expect(wsOnB.messages[0]).toMatchObject({ id, room, position: onB.frames[0]!.id });
    onB.close();
    wsOnB.socket.close();
  });

  it('a client that switches replicas resumes from its Last-Event-ID with nothing missed', async () => {
    const room = `${t.prefix}-switch`;
    const onA = await sse(`?room=${room}`, {}, a.url);
    const e1 = await joined(room, 's1', a.url);
    const [f1] = await onA.waitForFrames(1, 20_000);
    onA.close();
    const e2 = await joined(room, 's2', a.url);
    const e3 = await joined(room, 's3', b.url);
    const onB = await sse(`?room=${room}`, { 'Last-Event-ID': f1!.id! }, b.url);
    await onB.waitForFrames(2, 20_000);
    onB.close();
    expect(onA.events.map((e) => e.id)).toEqual([e1]);
    expect(onB.events.map((e) => e.id)).toEqual([e2, e3]);
  });

  it('a replica shutting down ends its streams (WebSocket code 1012) and exits', async () => {
    const stream = await sse('', {}, b.url);
    const socket = ws('', undefined, b.url);
    await socket.opened;
    expect(await b.stop()).toBe(0);
    expect(await socket.closed).toBe(1012);
    await waitFor('the SSE stream to end', async () => stream.ended, 5000, 25);
  }, 60_000);
});
