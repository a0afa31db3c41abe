import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiRegistry } from './openapi.js';
import { problemHandler } from './problem-middleware.js';
import { defineRoute, type RouteContext } from './route.js';

const ThingSchema = z.object({ id: z.string(), size: z.number().int() });

/** An app with one route whose handler answers `body`, with or without response validation. */
function appAnswering(body: unknown, validateResponses: boolean) {
  const router = express.Router();
  const ctx: RouteContext = { router, registry: createApiRegistry(), authenticate: async () => undefined, validateResponses };
  defineRoute(ctx, {
    method: 'get',
    path: '/thing',
    summary: 'A thing',
    tag: 'Test',
    auth: 'public',
    responses: { 200: { description: 'The thing', schema: ThingSchema } },
    // The cast stands for a mapper that drifted from the schema at run time (the compiler catches it otherwise).
    handler: (_input, _req, res) => void res.json(body as z.input<typeof ThingSchema>),
  });
  const app = express();
  app.use(router);
  app.use(problemHandler);
  return app;
}

describe('defineRoute response validation (NODE_ENV=test)', () => {
  it('sends a body that its schema accepts', async () => {
    const res = await request(appAnswering({ id: 'a', size: 1 }, true)).get('/thing').expect(200);
    expect(res.body).toEqual({ id: 'a', size: 1 });
  });

  it('refuses to send one that it rejects: a 500, so the test that made the call fails', async () => {
    await request(appAnswering({ id: 'a', size: '1' }, true)).get('/thing').expect(500);
  });

  it('is off outside tests', async () => {
    await request(appAnswering({ id: 'a', size: '1' }, false)).get('/thing').expect(200);
  });
});
