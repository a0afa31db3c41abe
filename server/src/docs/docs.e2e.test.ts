import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';

describe('GET /docs on the real stack', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('serves the interactive reference, without an API key, loading only same-origin assets', async () => {
    const res = await request(t.app).get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = res.text;
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(urls).toContain('/docs/scalar.js');
    for (const url of urls) expect(url, `${url} is not same-origin`).toMatch(/^\/(?!\/)/);
    // No URL of another origin anywhere in the page (a CDN, hosted fonts).
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(html).toContain('"url": "/v1/openapi.json"');
    expect(html).toContain('"withDefaultFonts": false');
    expect(html).toContain('"telemetry": false');
  });

  it('allows its inline start-up script by a per-response nonce, and nothing from elsewhere', async () => {
    const a = await request(t.app).get('/docs');
    const b = await request(t.app).get('/docs');
    const nonceOf = (res: request.Response) => /'nonce-([^']+)'/.exec(res.headers['content-security-policy'] as string)?.[1];
    const nonce = nonceOf(a)!;
    expect(nonce).toBeDefined();
    expect(nonceOf(b)).not.toBe(nonce);
    expect(a.text).toContain(`nonce="${nonce}"`);
    const csp = a.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|upgrade-insecure-requests/);
    // Every other response keeps helmet's strict policy.
    expect((await request(t.app).get('/v1/health')).headers['content-security-policy']).not.toContain('nonce-');
  });

  it('serves the Scalar bundle itself, cacheable', async () => {
    const res = await request(t.app).get('/docs/scalar.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers['cache-control']).toMatch(/max-age=86400/);
    expect(res.text.length).toBeGreaterThan(1_000_000);
    expect(res.text).toContain('createApiReference');
  });

  it('documents the API key: where keys come from, scopes, and API_SECRET as the bootstrap key', async () => {
    const doc = (await request(t.app).get('/v1/openapi.json')).body as { components: { securitySchemes: Record<string, { description: string }> }; paths: Record<string, unknown> };
    const { description } = doc.components.securitySchemes.apiKey!;
    expect(description).toContain('X-API-Key');
    expect(description).toContain('POST /v1/api-keys');
    expect(description).toMatch(/scope/);
    expect(description).toContain('API_SECRET');
    expect(doc.paths['/docs']).toBeDefined();
    expect(doc.paths['/metrics']).toBeDefined();
  });
});
