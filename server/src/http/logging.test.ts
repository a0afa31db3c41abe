import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requestLogger } from './logging.js';
import { BOOTSTRAP_PRINCIPAL } from './principal.js';

/** An app logging into `lines`, whose route logs once before and once after a principal is attached. */
function loggedApp(lines: Array<Record<string, unknown>>) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const app = express();
  app.use(requestLogger(pino({ level: 'info' }, sink)));
  app.get('/thing', (req, res) => {
    req.log.info('before auth');
    req.principal = BOOTSTRAP_PRINCIPAL;
    req.log.info('after auth');
    res.json({ own: Object.hasOwn(req, 'log') });
  });
  return app;
}

describe('requestLogger', () => {
  it('gives req.log a child carrying the request id, and the key id once a principal is attached', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const res = await request(loggedApp(lines)).get('/thing').set('X-Request-Id', 'lb-1').expect(200);
    expect(res.headers['x-request-id']).toBe('lb-1');
    // The getter lives on the app's request prototype, not on each request (see provideLogGetter).
    expect(res.body).toEqual({ own: false });
    await new Promise((r) => setImmediate(r));
    expect(lines.find((l) => l.msg === 'before auth')).toMatchObject({ reqId: 'lb-1' });
    expect(lines.find((l) => l.msg === 'before auth')).not.toHaveProperty('keyId');
    expect(lines.find((l) => l.msg === 'after auth')).toMatchObject({ reqId: 'lb-1', keyId: 'bootstrap' });
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ reqId: 'lb-1', keyId: 'bootstrap', method: 'GET', url: '/thing', status: 200 });
  });

  it('keeps each request and each app to its own logger', async () => {
    const a: Array<Record<string, unknown>> = [];
    const b: Array<Record<string, unknown>> = [];
    const [appA, appB] = [loggedApp(a), loggedApp(b)];
    await Promise.all([request(appA).get('/thing').set('X-Request-Id', 'a-1'), request(appB).get('/thing').set('X-Request-Id', 'b-1'), request(appA).get('/thing')]);
    await new Promise((r) => setImmediate(r));
    expect(new Set(a.map((l) => l.reqId)).size).toBe(2);
    expect(a.some((l) => l.reqId === 'a-1')).toBe(true);
    expect(b.every((l) => l.reqId === 'b-1')).toBe(true);
  });
});
