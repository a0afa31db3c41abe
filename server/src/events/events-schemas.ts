import { z } from 'zod';
import { CursorQueryShape, NextCursorSchema } from '../http/pagination.js';
import { IsoDateSchema, NameSchema } from '../http/schemas.js';
import { EVENT_TYPES } from '../livekit-events/event-catalogue.js';
import { parsePosition } from './event-position.js';

// Bounded so that a request with every parameter at its longest (percent-encoded, 12 bytes a
// character at worst) still fits Node's 16 KB of request line and headers, instead of a bare 431.
const MAX_FILTER_VALUES = 20;

/** The values of a comma-separated filter, blanks and repeats dropped. */
export function csvValues(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const values = [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))];
  return values.length > 0 ? values : undefined;
}

const PositionSchema = z
  .string()
  .max(41)
  .refine((s) => parsePosition(s) !== undefined, 'is not an event position (the `position` of an event, or its SSE `id`)');

/** The filters and resume point shared by GET /v1/events (SSE and JSON) and GET /v1/ws. */
export const StreamQueryShape = {
  room: z
    .string()
    .max(400)
    .optional()
    .refine((v) => (csvValues(v)?.length ?? 0) <= MAX_FILTER_VALUES, `at most ${MAX_FILTER_VALUES} rooms`)
    .openapi({ description: 'Comma-separated room names: only events of these rooms', example: 'standup,all-hands' }),
  type: z
    .string()
    .max(256)
    .optional()
    .superRefine((v, ctx) => {
      const unknown = (csvValues(v) ?? []).filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
      if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown event type ${unknown.join(', ')} (one of ${EVENT_TYPES.join(', ')})` });
    })
    .openapi({ description: `Comma-separated event types: only these (${EVENT_TYPES.join(', ')})`, example: 'participant_joined,participant_left' }),
  after: PositionSchema.optional().openapi({
    description: 'Resume after this event position: stored events after it come first, then live ones. For SSE the `Last-Event-ID` header, when sent, wins.',
    example: '7421-1038',
  }),
};

/** Query of GET /v1/events. */
export const EventsQuerySchema = z.object({ ...StreamQueryShape, ...CursorQueryShape });

/** Query of GET /v1/ws. */
export const WsQuerySchema = z.object({
  ...StreamQueryShape,
  ticket: z.string().max(256).optional().openapi({ description: 'A ticket from POST /v1/ws/tickets, for clients that cannot send X-API-Key (browsers)' }),
});

/** One event as the JSON list and the WebSocket carry it: the webhook body with its stream position and room. */
export const LiveEventSchema = z
  .object({
    position: z.string().openapi({ description: 'Where the event sits in the stream (opaque; the SSE `id`). Pass it as `after` or `Last-Event-ID` to resume after it.', example: '7421-1038' }),
    id: z.string().openapi({ description: 'The event id, as webhooks carry it (X-Rtcstack-Event-Id)', example: 'EV_3kq9v0x1' }),
    type: z.enum(EVENT_TYPES),
    room: z.string().nullable().openapi({ description: 'The room the event concerns, when it concerns one' }),
    createdAt: IsoDateSchema,
    data: z.record(z.string(), z.unknown()).openapi({ description: 'As in the webhook body' }),
  })
  .openapi('LiveEvent');

/** Response of GET /v1/events (JSON). */
export const EventListSchema = z.object({ events: z.array(LiveEventSchema), nextCursor: NextCursorSchema }).openapi('LiveEventList');

/** The same route's `text/event-stream` response, documented as what it is: a stream of SSE frames. */
export const EventStreamSchema = z.string().openapi({
  description: 'Server-Sent Events: `id: <position>`, `event: <type>`, `data: <the webhook body as JSON>` per event; a `: ping` comment every 15 s.',
  example: 'retry: 3000\n\nid: 7421-1038\nevent: participant_joined\ndata: {"id":"EV_3kq9v0x1","type":"participant_joined","createdAt":"2026-12-01T12:00:00.000Z","data":{}}\n\n',
});

/** Body of POST /v1/ws/tickets (optional): what the ticket is limited to. */
export const WsTicketRequestSchema = z
  .object({
    rooms: z.array(NameSchema).min(1).max(MAX_FILTER_VALUES).optional().openapi({ description: 'The ticket only reads these rooms (its connection may ask for fewer)' }),
    types: z.array(z.enum(EVENT_TYPES)).min(1).optional().openapi({ description: 'The ticket only reads these event types' }),
  })
  .strict()
  .openapi('WsTicketRequest');

/** Response of POST /v1/ws/tickets. */
export const WsTicketSchema = z
  .object({
    ticket: z.string().openapi({ description: 'Single use; pass as `?ticket=` to GET /v1/ws' }),
    expiresAt: IsoDateSchema,
    url: z.string().openapi({ description: 'The WebSocket URL with the ticket in it', example: 'wss://video.example.com/v1/ws?ticket=wst_…' }),
  })
  .openapi('WsTicket');
