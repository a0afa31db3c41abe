import { z } from 'zod';
import { IsoDateSchema } from '../http/schemas.js';
import type { Segment } from './transcriptions-store.js';

/** Speaker map: track sid, participant sid or identity → display name. */
export const SpeakerMapSchema = z
  .record(z.string().min(1).max(256), z.string().min(1).max(256))
  .refine((m) => Object.keys(m).length <= 500, 'at most 500 entries')
  .openapi({
    description: 'Speaker identity map: a track sid, participant sid or identity → the name to show',
    example: { TR_AMkp2: 'Alice' },
    maxProperties: 500,
    // What the key schema checks, which the generated record schema does not say (OpenAPI 3.1
    // propertyNames, which the library's metadata type lacks).
    ...({ propertyNames: { type: 'string', minLength: 1, maxLength: 256 } } as object),
  });

/** BCP-47 language code. */
export const LanguageSchema = z
  .string()
  .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP-47 language code such as en-US')
  .openapi({ example: 'en-US' });

/** A transcript exported as text (`format=text`, `vtt`, `srt`): documented under its content type, not validated. */
export const TranscriptExportSchema = z.string().openapi({ description: 'The transcript in the requested export format' });

/** One piece of transcript as the API returns it. */
export const SegmentSchema = z
  .object({
    id: z.string(),
    speaker: z.string().nullable().openapi({ description: 'Display name from the speaker map (or the participant name / identity)' }),
    participantIdentity: z.string().nullable(),
    trackSid: z.string().nullable(),
    text: z.string(),
    language: z.string().nullable(),
    startTime: IsoDateSchema,
    endTime: IsoDateSchema,
    startMs: z.number().int().openapi({ description: 'Start, in ms from the start of the session (live) or of the recording (post-call)' }),
    endMs: z.number().int(),
  })
  .openapi('TranscriptSegment');

/** A stored segment as the API returns it; `origin` is what startMs/endMs count from. */
export function segmentToJson(s: Segment, origin: string): z.infer<typeof SegmentSchema> {
  const t0 = Date.parse(origin);
  return {
    id: s.id,
    speaker: s.speakerName,
    participantIdentity: s.speakerIdentity,
    trackSid: s.trackSid,
    text: s.text,
    language: s.language,
    startTime: s.startAt,
    endTime: s.endAt,
    startMs: Math.max(0, Date.parse(s.startAt) - t0),
    endMs: Math.max(0, Date.parse(s.endAt) - t0),
  };
}
