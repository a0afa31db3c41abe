import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { requestLogger } from '../http/logging.js';
import { BOOTSTRAP_PRINCIPAL } from '../http/principal.js';
import { problemHandler } from '../http/problem-middleware.js';
import { idempotencyMiddleware, type IdempotencyClaims } from './idempotency-middleware.js';
import type { ClaimResult, IdempotencyRecord, StoredResponse } from './idempotency-store.js';
import type { RequestFingerprint } from './request-fingerprint.js';

/** The store's contract in memory: one claim wins, complete and release only for the claim's owner. */
class FakeClaims implements IdempotencyClaims {
  readonly records = new Map<string, IdempotencyRecord>();
  failComplete = false;

  async claim(c: { keyId: string; keyHash: string; fingerprint: RequestFingerprint }): Promise<ClaimResult> {
    const id = `${c.keyId}/${c.keyHash}`;
    const existing = this.records.get(id);
    if (existing) return { claimed: false, record: existing };
    const claimId = randomUUID();
    const now = new Date().toISOString();
    this.records.set(id, { keyId: c.keyId, keyHash: c.keyHash, fingerprint: c.fingerprint, state: 'in_flight', claimId, response: null, createdAt: now, expiresAt: now, lockedUntil: now });
    return { claimed: true, claimId };
  }

  async complete(keyId: string, keyHash: string, claimId: string, response: StoredResponse): Promise<boolean> {
    if (this.failComplete) throw new Error('connection terminated');
    const r = this.records.get(`${keyId}/${keyHash}`);
    if (r?.claimId !== claimId) return false;
    this.records.set(`${keyId}/${keyHash}`, { ...r, state: 'completed', response });
    return true;
  }

  async release(keyId: string, keyHash: string, claimId: string): Promise<void> {
    if (this.records.get(`${keyId}/${keyHash}`)?.claimId === claimId) this.records.delete(`${keyId}/${keyHash}`);
  }
}

let store: FakeClaims;
let runs: number;
let gate: Promise<void> | undefined;

/** An app with a few POST routes behind the middleware; `asKey` attaches a principal (the API-key guard's job). */
function appWith(opts: { asKey?: string } = {}): Express {
  const app = express();
  app.use(requestLogger(pino({ level: 'silent' })));
  app.use(express.json());
  const principal: RequestHandler = (req, _res, next) => {
    if (opts.asKey !== undefined) req.principal = { ...BOOTSTRAP_PRINCIPAL, keyId: opts.asKey };
    next();
  };
  const mw = idempotencyMiddleware(store, { lockSeconds: 60 });
  const route = (path: string, handler: RequestHandler) => {
    app.post(path, principal, mw, handler);
    app.get(path, principal, mw, handler);
  };
  route('/things', async (req, res) => {
    runs++;
    await gate;
    res.status(201).location(`/things/${runs}`).json({ id: `thing_${runs}`, got: req.body });
  });
  route('/text', (_req, res) => {
    runs++;
    res.type('text/vtt').send(`WEBVTT\n\nrun ${runs}`);
  });
  route('/stream', (_req, res) => {
    runs++;
    res.status(200).type('text/plain');
    res.write('one,');
    res.write(Buffer.from('two,'));
    res.end(`three ${runs}`);
  });
  route('/fails/:status', (req, res) => {
    runs++;
    res.status(Number(req.params.status)).json({ run: runs });
  });
  route('/throws', () => {
    runs++;
    throw new Error('boom');
  });
  route('/big', (_req, res) => {
    runs++;
    res.json({ blob: 'x'.repeat(1024 * 1024 + 10), runs });
  });
  app.use(problemHandler);
  return app;
}

beforeEach(() => {
  store = new FakeClaims();
  runs = 0;
  gate = undefined;
});

const post = (app: Express, path: string, key: string | undefined, body: object = {}) => {
  const r = request(app).post(path);
  if (key !== undefined) r.set('Idempotency-Key', key);
  return r.send(body);
};

describe('idempotencyMiddleware', () => {
  it('does nothing without the header, on other methods, or without a principal', async () => {
    const app = appWith({ asKey: 'k1' });
    await post(app, '/things', undefined).expect(201);
    await post(app, '/things', undefined).expect(201);
    await request(app).get('/things').set('Idempotency-Key', 'a').expect(201);
    await request(app).get('/things').set('Idempotency-Key', 'a').expect(201);
    await post(appWith(), '/things', 'a').expect(201);
    await post(appWith(), '/things', 'a').expect(201);
    expect(runs).toBe(6);
    expect(store.records.size).toBe(0);
  });

  it('replays the first response (status, body, Location, Content-Type) without running the handler', async () => {
    const app = appWith({ asKey: 'k1' });
    const first = await post(app, '/things', 'key-1', { a: 1, b: [1, 2] }).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post(app, '/things', 'key-1', { b: [1, 2], a: 1 }).expect(201); // same object, keys in another order
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']); // the replay's own
    expect(runs).toBe(1);
  });

  it('captures res.send and streamed res.write bodies too', async () => {
    const app = appWith({ asKey: 'k1' });
    const text = await post(app, '/text', 'key-t').expect(200);
    const stream = await post(app, '/stream', 'key-s').expect(200);
    const text2 = await post(app, '/text', 'key-t').expect(200);
    const stream2 = await post(app, '/stream', 'key-s').expect(200);
    expect(text2.text).toBe(text.text);
    expect(text2.headers['content-type']).toMatch(/^text\/vtt/);
    expect(stream.text).toBe('one,two,three 2');
    expect(stream2.text).toBe(stream.text);
    expect(runs).toBe(2);
  });

  it('scopes keys per API key', async () => {
    await post(appWith({ asKey: 'k1' }), '/things', 'shared').expect(201);
    const other = await post(appWith({ asKey: 'k2' }), '/things', 'shared').expect(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(runs).toBe(2);
  });

  it('answers 409 for the same key with another body or another path', async () => {
    const app = appWith({ asKey: 'k1' });
    await post(app, '/things', 'key-2', { a: 1 }).expect(201);
    const body = await post(app, '/things', 'key-2', { a: 2 }).expect(409);
    expect(body.headers['content-type']).toMatch(/problem\+json/);
    expect(body.body).toMatchObject({ status: 409, type: 'https://rtcstack.dev/errors/idempotency-key-reused', header: 'Idempotency-Key' });
    expect(body.body.detail).toMatch(/different body/);
    const path = await post(app, '/text', 'key-2', { a: 1 }).expect(409);
    expect(path.body.detail).toMatch(/POST \/things/);
    expect(runs).toBe(1);
  });

  it('answers 409 with Retry-After while the first request is in flight, then replays it', async () => {
    const app = appWith({ asKey: 'k1' });
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    const first = post(app, '/things', 'key-3').then((r) => r);
    while (store.records.size === 0) await new Promise((r) => setTimeout(r, 5));
    const dup = await post(app, '/things', 'key-3').expect(409);
    expect(dup.headers['retry-after']).toBe('1');
    expect(dup.body.type).toBe('https://rtcstack.dev/errors/idempotency-key-in-flight');
    open();
    expect((await first).status).toBe(201);
    expect((await post(app, '/things', 'key-3')).headers['idempotent-replayed']).toBe('true');
    expect(runs).toBe(1);
  });

  it('rejects a key that is too long, empty or not printable ASCII with a 400 naming the header', async () => {
    const app = appWith({ asKey: 'k1' });
    await post(app, '/things', 'x'.repeat(200)).expect(201);
    for (const bad of ['x'.repeat(201), '', 'caf\u00e9']) {
      const res = await post(app, '/things', bad).expect(400);
      expect(res.body).toMatchObject({ type: 'https://rtcstack.dev/errors/invalid-idempotency-key', header: 'Idempotency-Key' });
      expect(res.body.detail).toMatch(/Idempotency-Key/);
    }
    expect(runs).toBe(1);
  });

  it('keeps no error: after a 4xx, 429, 5xx or a thrown error a retry with the key runs again', async () => {
    const app = appWith({ asKey: 'k1' });
    for (const status of [400, 404, 409, 429, 500, 503]) {
      await post(app, `/fails/${status}`, `key-${status}`).expect(status);
      await post(app, `/fails/${status}`, `key-${status}`).expect(status);
    }
    await post(app, '/throws', 'key-throws').expect(500);
    await post(app, '/throws', 'key-throws').expect(500);
    expect(runs).toBe(14);
    expect(store.records.size).toBe(0);
  });

  it('sends a response too large to keep and releases the key', async () => {
    const app = appWith({ asKey: 'k1' });
    await post(app, '/big', 'key-big').expect(200);
    await post(app, '/big', 'key-big').expect(200);
    expect(runs).toBe(2);
  });

  it('still sends the response when storing it fails', async () => {
    store.failComplete = true;
    const res = await post(appWith({ asKey: 'k1' }), '/things', 'key-4').expect(201);
    expect(res.body.id).toBe('thing_1');
  });
});
