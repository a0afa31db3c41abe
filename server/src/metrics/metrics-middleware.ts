import type { RequestHandler } from 'express';
import type { Metrics } from './metrics.js';

/** The route label of a request: the matched route's template under its router's base, or `unmatched`. */
export function routeLabel(req: { route?: { path?: unknown }; baseUrl: string }): string {
  const path = req.route?.path;
  // The template, never the URL: /v1/rooms/:roomId is one series however many rooms there are.
  return typeof path === 'string' ? `${req.baseUrl}${path}` || '/' : 'unmatched';
}

/** Times every request into `http_request_duration_seconds` when its response finishes. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.once('finish', () => metrics.observeRequest(req.method, routeLabel(req), res.statusCode, (performance.now() - start) / 1000));
    next();
  };
}
