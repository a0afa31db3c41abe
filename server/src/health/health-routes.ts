import { defineRoute, type RouteContext } from '../http/route.js';
import { HealthSchema } from './health-schemas.js';
import type { HealthService } from './health-service.js';

/** GET /v1/health: public, so that load balancers and compose can probe it without a key. */
export function registerHealthRoutes(ctx: RouteContext, health: HealthService): void {
  defineRoute(ctx, {
    method: 'get',
    path: '/v1/health',
    summary: 'Server status and enabled capabilities',
    description:
      'Always 200 while the process serves requests; `status` is `degraded` when Postgres or LiveKit does not answer, and `dependencies` says which. Needs no API key.',
    tag: 'Health',
    auth: 'public',
    responses: { 200: { description: 'Status, version, capabilities and dependency probes', schema: HealthSchema } },
    handler: async (_input, _req, res) => {
      res.set('Cache-Control', 'no-store');
      res.json(await health.check());
    },
  });
}
