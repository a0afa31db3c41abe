import { z } from 'zod';
import { CursorQueryShape, limitWithDefault, MAX_PAGE_LIMIT, NextCursorSchema } from '../http/pagination.js';
import { NameSchema } from '../http/schemas.js';
import { RoomSchema } from '../livekit/livekit-json.js';

/** Body of POST /v1/rooms. */
export const CreateRoomSchema = z
  .object({
    name: NameSchema.openapi({ description: 'Room name / ID', example: 'my-room' }),
    maxParticipants: z.number().int().min(0).max(100_000).optional().openapi({ description: 'Hard cap on participants (0 = no cap)' }),
    emptyTimeout: z.number().int().min(0).max(7 * 86_400).optional().openapi({ description: 'Seconds before an empty room is closed' }),
    metadata: z.string().max(65_536).optional().openapi({ description: 'Arbitrary string stored on the room' }),
  })
  .strict()
  .openapi('CreateRoomRequest');
/** Validated room creation request. */
export type CreateRoom = z.infer<typeof CreateRoomSchema>;

/** Path parameters naming a room. */
export const RoomParamsSchema = z.object({ roomId: NameSchema.openapi({ description: 'Room name' }) });

/** Response of GET /v1/rooms. */
export const RoomListSchema = z.object({ rooms: z.array(RoomSchema), nextCursor: NextCursorSchema }).openapi('RoomList');

/** Query of GET /v1/rooms: a page by name; the default limit (200) keeps one page for up to that many rooms, as before pagination. */
export const RoomListQuerySchema = z.object({ ...CursorQueryShape, limit: limitWithDefault(MAX_PAGE_LIMIT) });
