import type { ParticipantInfo, Room } from 'livekit-server-sdk';
import { z } from 'zod';
import '../http/openapi.js';

const int64 = z.string().openapi({ description: 'int64 as a decimal string (protobuf JSON)' });

/** LiveKit Room object, in protobuf JSON form (camelCase, int64 as strings, defaults included). */
export const RoomSchema = z
  .object({
    sid: z.string(),
    name: z.string(),
    emptyTimeout: z.number().int(),
    departureTimeout: z.number().int(),
    maxParticipants: z.number().int(),
    creationTime: int64,
    creationTimeMs: int64,
    metadata: z.string(),
    numParticipants: z.number().int(),
    numPublishers: z.number().int(),
    activeRecording: z.boolean(),
  })
  .loose()
  .openapi('Room', { description: 'LiveKit Room object' });

const TrackInfoSchema = z
  .object({ sid: z.string(), type: z.string(), name: z.string(), muted: z.boolean(), source: z.string() })
  .loose()
  .openapi('TrackInfo');

/** LiveKit ParticipantInfo object, in protobuf JSON form. */
export const ParticipantInfoSchema = z
  .object({
    sid: z.string(),
    identity: z.string(),
    name: z.string(),
    state: z.string(),
    metadata: z.string(),
    attributes: z.record(z.string(), z.string()),
    joinedAt: int64,
    isPublisher: z.boolean(),
    kind: z.string(),
    tracks: z.array(TrackInfoSchema),
  })
  .loose()
  .openapi('ParticipantInfo', { description: 'LiveKit ParticipantInfo object' });

const JSON_OPTS = { emitDefaultValues: true } as const;

/** A Room as the API returns it; the TURN password LiveKit keeps on the object never leaves. */
export function roomToJson(room: Room): z.infer<typeof RoomSchema> {
  const json = room.toJson(JSON_OPTS) as Record<string, unknown>;
  delete json.turnPassword;
  return json as z.infer<typeof RoomSchema>;
}

/** A ParticipantInfo as the API returns it. */
export function participantToJson(p: ParticipantInfo): z.infer<typeof ParticipantInfoSchema> {
  return p.toJson(JSON_OPTS) as z.infer<typeof ParticipantInfoSchema>;
}
