import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { ProblemSchema } from './schemas.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ BODY_LIMIT: '1kb' });
});
afterAll(async () => {
  await t.close();
});

function expectProblem(res: request.Response, status: number, slug: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(res.body);
  expect(problem.type).toBe(`https://rtcstack.dev/errors/${slug}`);
  expect(problem.status).toBe(status);
  expect(problem.requestId).toBe(res.headers['x-request-id']);
  return problem;
}

describe('every failure is RFC 9457 problem+json', () => {
  it('unknown route → 404', async () => {
    const p = expectProblem(await request(t.app).get('/v1/nope').set('X-API-Key', t.apiKey), 404, 'not-found');
    expect(p.detail).toBe('No route for GET /v1/nope');
  });

  it('a path served with other methods → 405 with Allow (found by schemathesis: it was a 404)', async () => {
    const put = await request(t.app).put('/v1/rooms').set('X-API-Key', t.apiKey).send({});
    expect(expectProblem(put, 405, 'method-not-allowed').detail).toBe('PUT is not served on /v1/rooms; it takes GET, HEAD, POST');
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    const trace = await request(t.app).trace('/v1/rooms/some-room/participants/someone').set('X-API-Key', t.apiKey);
    expectProblem(trace, 405, 'method-not-allowed');
    expect(trace.headers.allow).toBe('DELETE');
    expectProblem(await request(t.app).put('/v1/nope').set('X-API-Key', t.apiKey), 404, 'not-found');
  });

  it('malformed JSON → 400', async () => {
    const res = await request(t.app).post('/v1/rooms').set('X-API-Key', t.apiKey).set('Content-Type', 'application/json').send('{"name": ');
    expect(expectProblem(res, 400, 'bad-request').detail).toMatch(/^Malformed JSON body/);
  });

  it('body over the limit → 413', async () => {
    const res = await request(t.app).post('/v1/rooms').set('X-API-Key', t.apiKey).send({ name: 'x', metadata: 'm'.repeat(4096) });
    expect(expectProblem(res, 413, 'payload-too-large').detail).toBe('Body exceeds the limit of 1024 bytes');
  });

  it('a body that is not JSON → 415', async () => {
    const res = await request(t.app).post('/v1/rooms').set('X-API-Key', t.apiKey).set('Content-Type', 'text/plain').send('name=x');
    expectProblem(res, 415, 'unsupported-media-type');
  });

  it('no body where one is required → 400 naming the fields', async () => {
    const res = await request(t.app).post('/v1/token').set('X-API-Key', t.apiKey);
    const p = expectProblem(res, 400, 'validation');
    expect(p.errors?.map((e) => e.field).sort()).toEqual(['body.name', 'body.role', 'body.roomId', 'body.userId']);
  });

  it('checks the key before it reads the body', async () => {
    expectProblem(await request(t.app).post('/v1/rooms').send({}), 401, 'unauthorized');
  });
});

describe('request ids', () => {
  it('generates one per request and echoes a sane incoming one', async () => {
    const a = await request(t.app).get('/v1/openapi.json');
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const b = await request(t.app).get('/v1/openapi.json').set('X-Request-Id', 'lb-1234.abc');
    expect(b.headers['x-request-id']).toBe('lb-1234.abc');
    const c = await request(t.app).get('/v1/openapi.json').set('X-Request-Id', 'bad id with spaces');
    expect(c.headers['x-request-id']).not.toBe('bad id with spaces');
  });
});

describe('GET /v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document that documents every route the app serves, with schemas', async () => {
    const res = await request(t.app).get('/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: object }>; requestBody?: object }>> };
    expect(doc.openapi).toBe('3.1.0');
    const served = servedRoutes(t.app);
    expect(served.length).toBeGreaterThanOrEqual(12);
    for (const { method, path } of served) {
      const op = doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method];
      expect(op, `${method.toUpperCase()} ${path} has no OpenAPI operation`).toBeDefined();
      // 101: a WebSocket endpoint (GET /v1/ws) succeeds by switching protocols, with no body to describe.
      const success = Object.entries(op!.responses).filter(([s]) => s.startsWith('2') || s === '101');
      expect(success.length, `${method} ${path} documents no success response`).toBeGreaterThan(0);
      for (const [status, r] of success) {
        if (status !== '204' && status !== '101') expect(r.content, `${method} ${path} ${status} has no schema`).toBeDefined();
      }
      // Action endpoints (stop, test) take no body; every other write documents its body.
      if (['post', 'patch', 'put'].includes(method) && !/\/(stop|test)$/.test(path)) expect(op!.requestBody, `${method} ${path}`).toBeDefined();
    }
  });

  it('states the limits that refines and implicit bounds enforce, so clients and fuzzers see them (found by schemathesis)', async () => {
    const doc = (await request(t.app).get('/v1/openapi.json').expect(200)).body;
    const schemas = doc.components.schemas;
    expect(schemas.UpdateWebhookRequest.minProperties).toBe(1);
    expect(schemas.CreateWebhookRequest.properties.url.pattern).toBe('^[Hh][Tt][Tt][Pp][Ss]?:');
    expect(schemas.CreateApiKeyRequest.not).toEqual({ required: ['expiresAt', 'expiresInSeconds'] });
    expect(schemas.UpdateSpeakersRequest.properties.participants).toMatchObject({ maxProperties: 500, propertyNames: { minLength: 1, maxLength: 256 } });
    const page = doc.paths['/v1/recordings'].get.parameters.find((p: { name: string }) => p.name === 'page');
    expect(page.schema.maximum).toBe(Number.MAX_SAFE_INTEGER);
    // And the behaviour they describe.
    const tooFar = await request(t.app).get(`/v1/recordings?page=${Number.MAX_SAFE_INTEGER * 10}`).set('X-API-Key', t.apiKey).expect(400);
    expect(tooFar.body.errors[0].field).toBe('query.page');
  });
});

/** Every (method, path) that the Express router really serves. */
function servedRoutes(app: Express): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const visit = (stack: Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }>) => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push({ method: m, path: layer.route.path });
      else if (layer.handle?.stack) visit(layer.handle.stack as never);
    }
  };
  visit((app as unknown as { router: { stack: never } }).router.stack);
  return out;
}
