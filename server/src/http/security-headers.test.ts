import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from './security-headers.js';

/** The response headers of GET /x on an app whose first middleware is `mw`, minus those that vary. */
async function headersWith(mw: express.RequestHandler) {
  const app = express();
  app.use(mw);
  app.get('/x', (_req, res) => void res.json({ ok: true }));
  const res = await request(app).get('/x').expect(200);
  const { date: _date, etag: _etag, ...rest } = res.headers;
  return { headers: rest, order: Object.keys(rest) };
}

describe('securityHeaders', () => {
  it("sends exactly helmet's headers, values and order (defaults)", async () => {
    const theirs = await headersWith(helmet());
    const ours = await headersWith(securityHeaders());
    expect(ours).toEqual(theirs);
    expect(ours.headers['content-security-policy']).toContain("default-src 'self'");
    expect(ours.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(ours.headers).not.toHaveProperty('x-powered-by');
  });

  it('follows static options as helmet does', async () => {
    const options = { contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'https://img.example'] } }, hsts: { maxAge: 60 }, frameguard: { action: 'deny' as const } };
    expect(await headersWith(securityHeaders(options))).toEqual(await headersWith(helmet(options)));
  });

  it('refuses per-request CSP directives (a nonce), which one computation would freeze', () => {
    expect(() => securityHeaders({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", () => "'nonce-x'"] } } })).toThrow(/static/);
  });
});
