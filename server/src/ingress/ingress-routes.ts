import type { z } from 'zod';
import type { IngressInfo } from 'livekit-server-sdk';
import { defineRoute, type RouteContext } from '../http/route.js';
import { RoomParamsSchema } from '../rooms/rooms-schemas.js';
import { CreateIngressSchema, IngressInfoSchema, IngressListQuerySchema, IngressListSchema, IngressParamsSchema } from './ingress-schemas.js';
import type { IngressService } from './ingress-service.js';

/** LiveKit's protobuf JSON is typed only as JsonValue; its shape is checked against IngressInfoSchema in tests (NODE_ENV=test). */
const toJson = (i: IngressInfo) => i.toJson({ emitDefaultValues: true }) as z.input<typeof IngressInfoSchema>;

/** /v1/rooms/:roomId/ingress: create, list, delete. */
export function registerIngressRoutes(ctx: RouteContext, ingress: IngressService): void {
  defineRoute(ctx, {
    method: 'post',
    path: '/v1/rooms/:roomId/ingress',
    summary: 'Create an RTMP or WHIP ingress endpoint',
    description: 'For OBS: RTMP server = `url`, stream key = `streamKey`. For WHIP: POST an SDP offer to `url` with the stream key as bearer token. 503 when ingress is not running.',
    tag: 'Ingress',
    scope: 'ingress:write',
    params: RoomParamsSchema,
    body: CreateIngressSchema,
    errors: [502],
    responses: { 201: { description: 'LiveKit IngressInfo (includes url and streamKey)', schema: IngressInfoSchema } },
    handler: async ({ params, body }, _req, res) => {
      res.status(201).json(toJson(await ingress.create(params.roomId, body)));
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/rooms/:roomId/ingress',
    summary: 'List the ingress endpoints of a room',
    description: 'By ingressId, a page at a time: follow `nextCursor` until it is null. Up to 200 come on one page unless `limit` says fewer.',
    tag: 'Ingress',
    scope: 'ingress:read',
    params: RoomParamsSchema,
    query: IngressListQuerySchema,
    responses: { 200: { description: 'IngressInfo objects', schema: IngressListSchema } },
    handler: async ({ params, query }, _req, res) => {
      const page = await ingress.listPage(params.roomId, query);
      res.json({ ingress: page.items.map(toJson), nextCursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/v1/rooms/:roomId/ingress/:ingressId',
    summary: 'Delete an ingress endpoint',
    tag: 'Ingress',
    scope: 'ingress:write',
    params: IngressParamsSchema,
    errors: [404],
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params }, _req, res) => {
      await ingress.delete(params.roomId, params.ingressId);
      res.status(204).end();
    },
  });
}
