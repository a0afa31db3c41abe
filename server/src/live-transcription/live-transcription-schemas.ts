import { z } from 'zod';
import { IsoDateInputSchema, IsoDateSchema } from '../http/schemas.js';
import { LiveSegmentsCallbackSchema, LiveSessionEndedCallbackSchema } from '@rtcstack/contracts';
import { LanguageSchema, SegmentSchema, SpeakerMapSchema } from '../transcriptions/transcriptions-schemas.js';
import { LIVE_TRANSCRIPTION_STATUSES } from '../transcriptions/transcriptions-store.js';

/** Body of POST /v1/rooms/:roomId/transcription/start. */
export const StartLiveTranscriptionSchema = z
  .object({
    language: LanguageSchema.default('en-US'),
    participants: SpeakerMapSchema.default({}),
    options: z
      .object({
        partialResults: z.boolean().optional().openapi({ description: 'Emit partial (interim) segments into the room as captions' }),
        punctuation: z.boolean().optional().openapi({ description: 'Add punctuation (default true)' }),
        profanityFilter: z.boolean().optional().openapi({ description: 'Mask profanity (Google engine)' }),
      })
      .strict()
      .default({}),
  })
  .strict()
  .openapi('StartLiveTranscriptionRequest');

/** Response of POST …/transcription/start. */
export const LiveTranscriptionStartedSchema = z
  .object({
    transcriptionId: z.string().openapi({ example: 'tr_abc123' }),
    roomId: z.string(),
    status: z.literal('active'),
    language: z.string(),
    startedAt: IsoDateSchema,
  })
  .openapi('LiveTranscriptionStarted');

/** Response of POST …/transcription/stop. */
export const LiveTranscriptionStoppedSchema = z
  .object({
    transcriptionId: z.string(),
    status: z.literal('stopped'),
    stoppedAt: IsoDateSchema,
    segmentCount: z.number().int(),
  })
  .openapi('LiveTranscriptionStopped');

/** Query of GET …/transcription. */
export const LiveTranscriptQuerySchema = z.object({
  since: IsoDateInputSchema.optional().openapi({ description: 'Only segments that start after this time' }),
  format: z.enum(['json', 'text']).default('json').openapi({ description: '`text` for a plain-text transcript' }),
  transcriptionId: z.string().max(64).optional().openapi({ description: 'An earlier session of this room (default: the latest)' }),
});

/** Response of GET …/transcription. */
export const LiveTranscriptSchema = z
  .object({
    transcriptionId: z.string(),
    roomId: z.string(),
    status: z.enum(LIVE_TRANSCRIPTION_STATUSES),
    language: z.string(),
    startedAt: IsoDateSchema,
    stoppedAt: IsoDateSchema.nullable(),
    failureReason: z.string().nullable(),
    segments: z.array(SegmentSchema),
  })
  .openapi('LiveTranscript');

/** Body of PATCH …/transcription/speakers. */
export const UpdateSpeakersSchema = z.object({ participants: SpeakerMapSchema }).strict().openapi('UpdateSpeakersRequest');

/** Body of the internal segments callback from stt-live (the contract in @rtcstack/contracts). */
export const SegmentsCallbackSchema = LiveSegmentsCallbackSchema.openapi('SegmentsCallback');

/** Body of the internal callback stt-live sends when a session ends on its own (room closed, engine failed). */
export const SessionEndedCallbackSchema = LiveSessionEndedCallbackSchema.openapi('SessionEndedCallback');

/** Path parameters of the internal callbacks. */
export const TranscriptionParamsSchema = z.object({ transcriptionId: z.string().min(1).max(64) });
