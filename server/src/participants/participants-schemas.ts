import { z } from 'zod';
import { CursorQueryShape, limitWithDefault, MAX_PAGE_LIMIT, NextCursorSchema } from '../http/pagination.js';
import { NameSchema } from '../http/schemas.js';
import { ParticipantInfoSchema } from '../livekit/livekit-json.js';

/** Path parameters naming a participant in a room. */
export const ParticipantParamsSchema = z.object({
  roomId: NameSchema.openapi({ description: 'Room name' }),
  participantId: NameSchema.openapi({ description: "The participant's identity (the userId its token was issued for) or its SID (PA_…)" }),
});

/** Body of POST …/mute. */
export const MuteRequestSchema = z
  .object({
    trackSid: z.string().min(1).max(128).openapi({ description: 'SID of the track to mute', example: 'TR_AMkSFq8XQzq4' }),
    muted: z
      .boolean()
      .default(true)
      .openapi({ description: 'false unmutes, which livekit-server only allows when its room.enable_remote_unmute is on' }),
  })
  .strict()
  .openapi('MuteRequest');

/** Response of GET /v1/rooms/:roomId/participants. */
export const ParticipantListSchema = z.object({ participants: z.array(ParticipantInfoSchema), nextCursor: NextCursorSchema }).openapi('ParticipantList');

/** Query of GET /v1/rooms/:roomId/participants: a page by identity (up to 200 by default, as before pagination). */
export const ParticipantListQuerySchema = z.object({
  includeHidden: z.enum(['true', 'false']).default('false').openapi({ description: 'Also list hidden participants' }),
  ...CursorQueryShape,
  limit: limitWithDefault(MAX_PAGE_LIMIT),
});
