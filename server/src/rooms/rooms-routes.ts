import { defineRoute, type RouteContext } from '../http/route.js';
import { RoomSchema, roomToJson } from '../livekit/livekit-json.js';
import { CreateRoomSchema, RoomListQuerySchema, RoomListSchema, RoomParamsSchema } from './rooms-schemas.js';
import type { RoomsService } from './rooms-service.js';

/** /v1/rooms: create, list, get, delete. */
export function registerRoomRoutes(ctx: RouteContext, rooms: RoomsService): void {
  defineRoute(ctx, {
    method: 'post',
    path: '/v1/rooms',
    summary: 'Create a room',
    description: 'Idempotent: creating a room that already exists returns it with 200 instead of 201.',
    tag: 'Rooms',
    scope: 'rooms:write',
    body: CreateRoomSchema,
    responses: {
      201: { description: 'The new LiveKit Room object', schema: RoomSchema },
      200: { description: 'The room already existed; it is returned unchanged', schema: RoomSchema },
    },
    handler: async ({ body }, _req, res) => {
      const { room, created } = await rooms.create(body);
      res.status(created ? 201 : 200).json(roomToJson(room));
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/rooms',
    summary: 'List all active rooms',
    description:
      'By name, a page at a time: follow `nextCursor` until it is null. A room created while you page appears in its place by name and never shifts the others. Up to 200 rooms come on one page unless `limit` says fewer.',
    tag: 'Rooms',
    scope: 'rooms:read',
    query: RoomListQuerySchema,
    responses: { 200: { description: 'Active rooms', schema: RoomListSchema } },
    handler: async ({ query }, _req, res) => {
      const page = await rooms.listPage(query);
      res.json({ rooms: page.items.map(roomToJson), nextCursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/rooms/:roomId',
    summary: 'Get a single room',
    tag: 'Rooms',
    scope: 'rooms:read',
    params: RoomParamsSchema,
    errors: [404],
    responses: { 200: { description: 'The LiveKit Room object', schema: RoomSchema } },
    handler: async ({ params }, _req, res) => {
      res.json(roomToJson(await rooms.get(params.roomId)));
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/v1/rooms/:roomId',
    summary: 'Close and delete a room',
    description: 'Disconnects every participant. Recorded in the audit log.',
    tag: 'Rooms',
    scope: 'rooms:write',
    params: RoomParamsSchema,
    errors: [404],
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params }, req, res) => {
      await rooms.delete(params.roomId, { actor: 'api-key', requestId: String(req.id) });
      res.status(204).end();
    },
  });
}
