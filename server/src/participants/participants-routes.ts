import type { RequestHandler } from 'express';
import type { Authenticator } from '../http/auth.js';
import { grants } from '../http/scopes.js';
import { ForbiddenError, MissingScopeError, UnauthorizedError } from '../http/errors.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import { RoomParamsSchema } from '../rooms/rooms-schemas.js';
import type { TokensService } from '../tokens/tokens-service.js';
import { ROLE_PERMISSIONS } from '../tokens/role-grants.js';
import { participantToJson } from '../livekit/livekit-json.js';
import { MuteRequestSchema, ParticipantListQuerySchema, ParticipantListSchema, ParticipantParamsSchema } from './participants-schemas.js';
import type { ParticipantsService } from './participants-service.js';

/** /v1/rooms/:roomId/participants: list, kick, mute. */
export function registerParticipantRoutes(
  ctx: RouteContext,
  participants: ParticipantsService,
  deps: { tokens: TokensService },
): void {
  defineRoute(ctx, {
    method: 'get',
    path: '/v1/rooms/:roomId/participants',
    summary: 'List all participants in a room',
    description:
      "Hidden participants (rtcstack's transcriber, egress's recorder) are left out, as the people in the room never see them either; `includeHidden=true` lists them too. By identity, a page at a time: follow `nextCursor` until it is null; someone joining while you page appears in their place by identity and never shifts the others. Up to 200 come on one page unless `limit` says fewer.",
    tag: 'Participants',
    scope: 'rooms:read',
    params: RoomParamsSchema,
    query: ParticipantListQuerySchema,
    errors: [404],
    responses: { 200: { description: 'LiveKit ParticipantInfo objects', schema: ParticipantListSchema } },
    handler: async ({ params, query }, _req, res) => {
      const page = await participants.listPage(params.roomId, { ...query, includeHidden: query.includeHidden === 'true' });
      res.json({ participants: page.items.map(participantToJson), nextCursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/v1/rooms/:roomId/participants/:participantId',
    summary: 'Remove (kick) a participant',
    tag: 'Participants',
    scope: 'rooms:write',
    params: ParticipantParamsSchema,
    errors: [404],
    responses: { 204: { description: 'Removed' } },
    handler: async ({ params }, req, res) => {
      await participants.remove(params.roomId, params.participantId, { actor: 'api-key', requestId: String(req.id) });
      res.status(204).end();
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/v1/rooms/:roomId/participants/:participantId/mute',
    summary: "Server-side mute a participant's track",
    description:
      'Callable with X-API-Key, or by a host or moderator of the same room with their own participant token as `Authorization: Bearer <token>` (the role table\'s "Mute others").',
    tag: 'Participants',
    scope: 'rooms:write',
    auth: { guard: muteGuard({ ...deps, authenticate: ctx.authenticate }), security: [{ apiKey: ['rooms:write'] }, { participantToken: [] }] },
    params: ParticipantParamsSchema,
    body: MuteRequestSchema,
    errors: [403, 404],
    responses: { 204: { description: 'Muted' } },
    handler: async ({ params, body }, req, res) => {
      const actor = typeof res.locals.actor === 'string' ? res.locals.actor : 'api-key';
      await participants.mute(params.roomId, params.participantId, body.trackSid, body.muted, { actor, requestId: String(req.id) });
      res.status(204).end();
    },
  });
}

/** Admits the API key, or a participant token whose role may mute others in this very room. */
function muteGuard(deps: { authenticate: Authenticator; tokens: TokensService }): RequestHandler {
  return async (req, res, next) => {
    const apiKey = req.get('x-api-key');
    if (apiKey) {
      const principal = await deps.authenticate(apiKey);
      if (!principal) return next(new UnauthorizedError('Invalid, revoked or expired X-API-Key'));
      if (!grants(principal.scopes, 'rooms:write')) return next(new MissingScopeError('rooms:write'));
      req.principal = principal;
      return next();
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!bearer) return next(new UnauthorizedError('Send X-API-Key, or a host or moderator token as Authorization: Bearer'));
    const who = await deps.tokens.verify(bearer);
    if (!who) return next(new UnauthorizedError('Participant token is invalid or expired'));
    if (who.room !== req.params.roomId) return next(new ForbiddenError(`Token is for room ${who.room}, not ${String(req.params.roomId)}`));
    if (!ROLE_PERMISSIONS[who.role].muteOthers) return next(new ForbiddenError(`Role ${who.role} may not mute others`));
    res.locals.actor = `${who.role}:${who.identity}`;
    next();
  };
}
