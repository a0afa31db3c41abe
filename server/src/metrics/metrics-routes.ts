import type { RequestHandler } from 'express';
import { z } from 'zod';
import { secretsEqual } from '../http/auth.js';
import { UnauthorizedError } from '../http/errors.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import type { Metrics } from './metrics.js';

/**
 * Admits a scrape only with `Authorization: Bearer <METRICS_TOKEN>`. Without a configured token
 * /metrics refuses everyone: metrics name routes, queue depths and versions, so they are never
 * public by accident (scripts/init generates the token).
 */
export function metricsGuard(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!token) return next(new UnauthorizedError('Metrics are disabled: set METRICS_TOKEN and scrape with Authorization: Bearer <METRICS_TOKEN>'));
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return next(new UnauthorizedError('Missing metrics credentials (Authorization: Bearer <METRICS_TOKEN>)'));
    if (!secretsEqual(match[1]!, token)) return next(new UnauthorizedError('Invalid metrics credentials'));
    next();
  };
}

/** GET /metrics: the Prometheus exposition, behind METRICS_TOKEN. */
export function registerMetricsRoutes(ctx: RouteContext, metrics: Metrics, opts: { token?: string }): void {
  defineRoute(ctx, {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    description:
      'Request histograms by route template and status, webhook outbox depth and attempt latency, recordings and transcriptions by status, live sessions, sidecar health, rate-limit counters and process metrics, in the Prometheus text format. Needs `Authorization: Bearer <METRICS_TOKEN>`; refused for everyone when METRICS_TOKEN is not set.',
    tag: 'Meta',
    auth: { guard: metricsGuard(opts.token), security: [{ metricsToken: [] }] },
    responses: { 200: { description: 'Prometheus text exposition format, version 0.0.4', schema: z.string(), contentType: 'text/plain' } },
    handler: async (_input, _req, res) => {
      const body = await metrics.render();
      res.setHeader('Content-Type', metrics.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(body);
    },
  });
}
