import { z } from 'zod';
import { CursorQueryShape, limitWithDefault, MAX_PAGE_LIMIT, NextCursorSchema } from '../http/pagination.js';
import { NameSchema } from '../http/schemas.js';

/** Body of POST /v1/rooms/:roomId/ingress. */
export const CreateIngressSchema = z
  .object({
    type: z.enum(['rtmp', 'whip']).default('rtmp').openapi({ description: 'Ingress protocol' }),
    participantName: z.string().min(1).max(256).default('Ingress Stream').openapi({ description: 'Display name in the room' }),
    participantIdentity: NameSchema.optional().openapi({ description: 'Unique identity (generated when omitted)' }),
    name: z.string().max(256).optional().openapi({ description: 'A label for the ingress' }),
  })
  .strict()
  .openapi('CreateIngressRequest');

/** LiveKit IngressInfo, in protobuf JSON form (includes `url` and `streamKey`). */
export const IngressInfoSchema = z
  .object({
    ingressId: z.string(),
    name: z.string(),
    streamKey: z.string(),
    url: z.string(),
    inputType: z.string(),
    roomName: z.string(),
    participantIdentity: z.string(),
    participantName: z.string(),
    state: z.object({ status: z.string() }).loose().optional(),
  })
  .loose()
  .openapi('IngressInfo', { description: 'LiveKit IngressInfo object' });

/** Response of GET /v1/rooms/:roomId/ingress. */
export const IngressListSchema = z.object({ ingress: z.array(IngressInfoSchema), nextCursor: NextCursorSchema }).openapi('IngressList');

/** Query of GET /v1/rooms/:roomId/ingress: a page by ingressId (up to 200 by default, as before pagination). */
export const IngressListQuerySchema = z.object({ ...CursorQueryShape, limit: limitWithDefault(MAX_PAGE_LIMIT) });

/** Path parameters naming an ingress in a room. */
export const IngressParamsSchema = z.object({ roomId: NameSchema, ingressId: z.string().regex(/^IN_[A-Za-z0-9]+$/, 'is not an ingress id') });
