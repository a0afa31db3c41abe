import { z } from 'zod';
import { LegacyPageQueryShape, LegacyPageResponseShape } from '../http/pagination.js';
import { IsoDateSchema, NameSchema } from '../http/schemas.js';
import { RECORDING_STATUSES } from './recordings-store.js';

const nullableIso = IsoDateSchema.nullable();

/** Statuses as the API reports them. */
export const RecordingStatusSchema = z.enum(RECORDING_STATUSES);

/** A recording in the index. */
export const RecordingSchema = z
  .object({
    id: z.string().openapi({ example: 'rec_5Jk2x9QmT0aB' }),
    roomId: z.string(),
    egressId: z.string().nullable().openapi({ example: 'EG_xxx' }),
    status: RecordingStatusSchema,
    startedAt: nullableIso,
    stoppedAt: nullableIso.openapi({ description: 'When a stop was requested' }),
    endedAt: nullableIso.openapi({ description: 'When egress finished the file' }),
    durationMs: z.number().int().nullable(),
    sizeBytes: z.number().int().nullable(),
    bucket: z.string(),
    objectKey: z.string().openapi({ example: 'recordings/my-room/rec_5Jk2x9QmT0aB.mp4' }),
    failureReason: z.string().nullable().openapi({ description: 'Why egress failed (an upload failure says so here)' }),
    createdAt: IsoDateSchema,
    participantAudio: z
      .array(
        z.object({
          participantIdentity: z.string(),
          trackSid: z.string(),
          status: RecordingStatusSchema,
          objectKey: z.string(),
        }),
      )
      .optional()
      .openapi({ description: 'Per-participant audio files (recordings started with `perParticipantAudio`)' }),
  })
  .openapi('Recording');

/** Body of POST …/recording/start (optional). */
export const StartRecordingSchema = z
  .object({
    layout: z.string().min(1).max(64).optional().openapi({ description: 'Room composite layout (grid, speaker, single-speaker…)' }),
    audioOnly: z.boolean().optional(),
    perParticipantAudio: z
      .boolean()
      .optional()
      .openapi({ description: "Also record each participant's microphone into its own Ogg file (track egress), so a post-call transcription knows every speaker" }),
  })
  .strict()
  .openapi('StartRecordingRequest');

/** Response of POST …/recording/start. */
export const RecordingStartedSchema = z
  .object({
    recordingId: z.string(),
    egressId: z.string(),
    roomId: z.string(),
    status: z.enum(['recording', 'already_recording']),
    startedAt: IsoDateSchema,
  })
  .openapi('RecordingStarted');

/** Response of POST …/recording/stop. */
export const RecordingStoppedSchema = z
  .object({ recordingId: z.string(), egressId: z.string(), status: z.literal('stopped'), stoppedAt: IsoDateSchema })
  .openapi('RecordingStopped');

/** Response of GET …/recording. */
export const RecordingStateSchema = z
  .object({ isRecording: z.boolean(), recordingId: z.string().nullable(), egressId: z.string().nullable(), startedAt: nullableIso })
  .openapi('RecordingState');

/** Query of GET /v1/recordings. */
export const RecordingListQuerySchema = z.object({
  roomId: NameSchema.optional(),
  status: RecordingStatusSchema.optional(),
  ...LegacyPageQueryShape,
});

/** Response of GET /v1/recordings. */
export const RecordingListSchema = z
  .object({ recordings: z.array(RecordingSchema), ...LegacyPageResponseShape })
  .openapi('RecordingList');

/** Path parameters naming a recording. */
export const RecordingParamsSchema = z.object({ recordingId: z.string().regex(/^rec_[A-Za-z0-9_-]{6,64}$/, 'is not a recording id') });

/** Response of GET /v1/recordings/:id/download. */
export const DownloadSchema = z
  .object({ url: z.url().openapi({ description: 'Presigned GET URL' }), expiresAt: IsoDateSchema })
  .openapi('RecordingDownload');
