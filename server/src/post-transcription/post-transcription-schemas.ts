import { z } from 'zod';
import { LegacyPageQueryShape, LegacyPageResponseShape } from '../http/pagination.js';
import { IsoDateSchema } from '../http/schemas.js';
import { PostFailedCallbackSchema, PostProgressCallbackSchema, PostResultCallbackSchema } from '@rtcstack/contracts';
import { LanguageSchema, SegmentSchema, SpeakerMapSchema } from '../transcriptions/transcriptions-schemas.js';
import { POST_TRANSCRIPTION_STATUSES } from '../transcriptions/transcriptions-store.js';

const Status = z.enum(POST_TRANSCRIPTION_STATUSES);

/** Body of POST /v1/recordings/:recordingId/transcribe. */
export const TranscribeRecordingSchema = z
  .object({ language: LanguageSchema.default('en-US'), participants: SpeakerMapSchema.default({}) })
  .strict()
  .openapi('TranscribeRecordingRequest');

/** Response of POST …/transcribe. */
export const TranscriptionQueuedSchema = z
  .object({ transcriptionId: z.string(), recordingId: z.string(), status: z.literal('queued'), queuedAt: IsoDateSchema })
  .openapi('TranscriptionQueued');

/** A post-call transcription without its segments. */
export const PostTranscriptionSummarySchema = z
  .object({
    transcriptionId: z.string(),
    recordingId: z.string().nullable(),
    status: Status,
    language: z.string(),
    progress: z.number().min(0).max(1).openapi({ description: '0 → 1 while processing' }),
    segmentCount: z.number().int(),
    queuedAt: IsoDateSchema,
    completedAt: IsoDateSchema.nullable(),
    failureReason: z.string().nullable(),
  })
  .openapi('PostTranscriptionSummary');

/** GET /v1/transcriptions/:id (JSON). */
export const PostTranscriptionSchema = PostTranscriptionSummarySchema.extend({ segments: z.array(SegmentSchema) }).openapi('PostTranscription');

/** GET /v1/transcriptions. */
export const PostTranscriptionListSchema = z
  .object({ transcriptions: z.array(PostTranscriptionSummarySchema), ...LegacyPageResponseShape })
  .openapi('PostTranscriptionList');

/** Query of GET /v1/transcriptions. */
export const PostTranscriptionListQuerySchema = z.object({
  recordingId: z.string().max(64).optional(),
  status: Status.optional(),
  ...LegacyPageQueryShape,
});

/** Query of GET /v1/transcriptions/:id. */
export const PostTranscriptionQuerySchema = z.object({
  format: z.enum(['json', 'text', 'vtt', 'srt']).default('json').openapi({ description: 'Export format: plain text, WebVTT, SubRip or JSON' }),
});

/** Path parameters naming a transcription. */
export const TranscriptionIdParamsSchema = z.object({ transcriptionId: z.string().min(1).max(64) });
/** Path parameters naming a recording. */
export const RecordingIdParamsSchema = z.object({ recordingId: z.string().min(1).max(64) });

/** Internal: progress from stt-post. */
export const ProgressCallbackSchema = PostProgressCallbackSchema.openapi('PostProgressCallback');

/** Internal: the result from stt-post. */
export const ResultCallbackSchema = PostResultCallbackSchema.openapi('PostResultCallback');

/** Internal: a permanent failure from stt-post. */
export const FailedCallbackSchema = PostFailedCallbackSchema.openapi('PostFailedCallback');
