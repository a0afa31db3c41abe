import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiReference } from '@scalar/express-api-reference';
import { z } from 'zod';
import { ServiceUnavailableError } from '../http/errors.js';
import { defineRoute, type RouteContext } from '../http/route.js';

/** Where the page loads Scalar's browser bundle from: this server, never a CDN. */
export const DOCS_BUNDLE_PATH = '/docs/scalar.js';

/**
 * Scalar's standalone browser bundle (5 MB, no further requests). The image copies it next to the
 * compiled module (server/Dockerfile), since `@scalar/api-reference` and its 300 MB of
 * dependencies are a build-time package only; from source it is read from node_modules.
 */
export function findScalarBundle(): string | undefined {
  const candidates = [fileURLToPath(new URL('./scalar-standalone.js', import.meta.url))];
  try {
    const main = createRequire(import.meta.url).resolve('@scalar/api-reference');
    candidates.push(join(dirname(main), 'browser', 'standalone.js'));
  } catch {
    // not installed (a production install): only the copied bundle can serve
  }
  return candidates.find((p) => existsSync(p));
}

/**
 * The page's Content-Security-Policy: helmet's defaults, plus the inline start-up script that
 * Scalar renders (allowed by its nonce only), and without `upgrade-insecure-requests`, which
 * would send the bundle request of a plain-HTTP deployment to https and break the page.
 */
function docsCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "script-src-attr 'none'",
  ].join('; ');
}

/** GET /docs: the interactive API reference (Scalar), rendered in the browser from `openApiPath`, self-hosted. */
export function registerDocsRoutes(ctx: RouteContext, opts: { openApiPath: string; bundle?: string }): void {
  const bundle = opts.bundle ?? findScalarBundle();
  const configuration = {
    url: opts.openApiPath,
    cdn: DOCS_BUNDLE_PATH,
    pageTitle: 'rtcstack API reference',
    // Nothing leaves this server: no hosted fonts, telemetry, AI agent or MCP generator.
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    mcp: { disabled: true },
    showDeveloperTools: 'never' as const,
    // curl first: what every example in the README uses.
    defaultHttpClient: { targetKey: 'shell' as const, clientKey: 'curl' as const },
  };

  defineRoute(ctx, {
    method: 'get',
    path: '/docs',
    summary: 'Interactive API reference',
    description: 'This document, rendered in the browser by Scalar with request examples (curl first) and a try-it client.',
    tag: 'Meta',
    auth: 'public',
    responses: { 200: { description: 'An HTML page', schema: z.string(), contentType: 'text/html' } },
    handler: (_input, req, res) => {
      if (!bundle) throw new ServiceUnavailableError('The API reference bundle (@scalar/api-reference) is not installed in this build', { retryAfterSeconds: 3600 });
      const nonce = randomBytes(16).toString('base64');
      res.setHeader('Content-Security-Policy', docsCsp(nonce));
      // The page is small and the nonce differs per response, so it is rendered per request.
      apiReference({ ...configuration, nonce } as Parameters<typeof apiReference>[0])(req as never, res as never, () => undefined);
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: DOCS_BUNDLE_PATH,
    summary: 'The API reference page’s script (Scalar, served from here)',
    tag: 'Meta',
    auth: 'public',
    responses: { 200: { description: 'JavaScript', schema: z.string(), contentType: 'text/javascript' } },
    handler: (_input, _req, res) => {
      if (!bundle) throw new ServiceUnavailableError('The API reference bundle (@scalar/api-reference) is not installed in this build', { retryAfterSeconds: 3600 });
      res.sendFile(bundle, { maxAge: '1d', headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
    },
  });
}
