import type { Logger } from 'pino';
import { z } from 'zod';
import { BadRequestError, HttpError, UnauthorizedError } from '../http/errors.js';
import { decodeCursor } from '../http/pagination.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import { parsePosition, type Position } from './event-position.js';
import { csvValues, EventListSchema, EventsQuerySchema, EventStreamSchema, WsQuerySchema, WsTicketRequestSchema, WsTicketSchema } from './events-schemas.js';
import type { LiveEventsService } from './events-service.js';
import { EventsSocket, WS_PATH } from './events-socket.js';
import { openEventStream, SSE_RETRY_MS, wantsEventStream } from './events-sse.js';

const ListCursorSchema = z.object({ after: z.string().refine((s) => parsePosition(s) !== undefined) }).strict();

/** 426: a plain GET on the WebSocket endpoint. */
class UpgradeRequiredError extends HttpError {
  constructor() {
    super(426, 'upgrade-required', 'Upgrade Required', `${WS_PATH} is a WebSocket: connect with Upgrade: websocket`);
  }
}

/** A header's value as Express hands it over (a string, or for a repeated header the first one). */
const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * GET /v1/events (Server-Sent Events, or the stored events as a JSON list), POST /v1/ws/tickets,
 * and the documentation of GET /v1/ws. Answers the WebSocket handler for attachWebSocket.
 */
export function registerEventRoutes(ctx: RouteContext, events: LiveEventsService, logger: Logger): EventsSocket {
  defineRoute(ctx, {
    method: 'get',
    path: '/v1/events',
    summary: 'Live events: a Server-Sent Events stream, or the stored events as a paged list',
    description: [
      'Every event that webhooks carry, also available live.',
      '',
      `**With \`Accept: text/event-stream\`** the response is a Server-Sent Events stream: each event as \`id: <position>\`, \`event: <type>\`, \`data: <the webhook body>\`; a \`: ping\` comment every 15 s; \`retry: ${SSE_RETRY_MS}\`. Reconnecting with \`Last-Event-ID\` (EventSource does it by itself) or \`after\` first replays the stored events after that position, then continues live: nothing is missed or repeated across a reconnect, whichever replica answers. \`limit\` and \`cursor\` do not apply.`,
      '',
      '**Otherwise** the stored events after `after` (or from the oldest kept, EVENTS_RETENTION_HOURS) as a JSON list, oldest first; page on with `cursor`, and poll for newer ones with `after` set to the last `position` seen.',
      '',
      'Example: `curl -N -H "Accept: text/event-stream" -H "X-API-Key: $KEY" "$BASE/v1/events?type=participant_joined"`',
    ].join('\n'),
    tag: 'Events',
    scope: 'events:read',
    query: EventsQuerySchema,
    responses: {
      200: { description: 'Server-Sent Events (Accept: text/event-stream), or a page of stored events', schema: EventListSchema, alternatives: { 'text/event-stream': EventStreamSchema } },
    },
    handler: async ({ query }, req, res) => {
      const selector = { rooms: csvValues(query.room), types: csvValues(query.type) };
      if (wantsEventStream(req)) {
        const lastEventId = header(req.headers['last-event-id']);
        let after: Position | undefined;
        if (lastEventId !== undefined && lastEventId.trim() !== '') {
          after = parsePosition(lastEventId);
          if (!after) throw new BadRequestError('Last-Event-ID is not an event position', { errors: [{ field: 'headers.last-event-id', message: 'is not an event position' }] });
        } else if (query.after) after = parsePosition(query.after);
        await events.open(selector, after, (sub) => openEventStream(req, res, { heartbeatMs: events.opts.heartbeatMs }, () => events.close(sub)));
        return;
      }
      if (query.after && query.cursor) throw new BadRequestError('Give `after` or `cursor`, not both', { errors: [{ field: 'query.cursor', message: 'not with after' }] });
      const from = query.cursor ? decodeCursor(query.cursor, ListCursorSchema).after : query.after;
      const page = await events.list(selector, from ? parsePosition(from) : undefined, query.limit);
      res.json({ events: page.items, nextCursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/v1/ws/tickets',
    summary: 'A single-use ticket to open GET /v1/ws without an X-API-Key header (browsers)',
    description:
      'The ticket works once, on any replica, within WS_TICKET_TTL_SECONDS (60 s by default), and carries the scopes of the key that asked for it. A backend handing a ticket to a browser can limit it to some `rooms` and `types`: the connection then reads no others (asking for others is a 403).',
    tag: 'Events',
    scope: 'events:read',
    body: WsTicketRequestSchema,
    responses: { 201: { description: 'The ticket and the URL to connect to', schema: WsTicketSchema } },
    handler: async ({ body }, req, res) => {
      if (!req.principal) throw new UnauthorizedError();
      const limit = body.rooms || body.types ? { rooms: body.rooms, types: body.types } : null;
      const { ticket, expiresAt } = await events.issueTicket(req.principal, limit);
      const scheme = req.protocol === 'https' ? 'wss' : 'ws';
      res.status(201).json({ ticket, expiresAt, url: `${scheme}://${req.get('host') ?? 'localhost'}${WS_PATH}?ticket=${ticket}` });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: WS_PATH,
    summary: 'Live events over a WebSocket (the same events, filters and resume as GET /v1/events)',
    description: [
      'Connect with `Upgrade: websocket`, authenticated by `X-API-Key` or, where headers cannot be set (browsers), by `?ticket=` from POST /v1/ws/tickets. Filters `room` and `type` and the resume point `after` work as on GET /v1/events.',
      '',
      'Each message is one event as JSON: `{ "position", "id", "type", "room", "createdAt", "data" }` (a `LiveEvent`). The server pings every 15 s and drops a client that does not pong; a client may send `{"type":"ping"}` and gets `{"type":"pong"}`. When the server restarts it closes with 1012: reconnect with `after` set to the last `position`.',
      '',
      'Bad credentials, a missing scope, filters beyond the ticket\'s or bad filters are answered as HTTP problem+json (401, 403, 400) instead of the upgrade; a plain GET without the upgrade is a 426.',
    ].join('\n'),
    tag: 'Events',
    scope: 'events:read',
    query: WsQuerySchema,
    errors: [426],
    responses: { 101: { description: 'Switching Protocols: the WebSocket carries one LiveEvent per message' } },
    handler: (_input, _req, res) => {
      res.setHeader('Upgrade', 'websocket');
      throw new UpgradeRequiredError();
    },
  });

  return new EventsSocket({ authenticate: ctx.authenticate, events, heartbeatMs: events.opts.heartbeatMs, logger });
}
