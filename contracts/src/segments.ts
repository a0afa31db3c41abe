import { z } from 'zod';

/** ISO 8601 timestamp with an offset, as every contract carries times. */
export const IsoTimestampSchema = z.iso.datetime({ offset: true });

/** What every segment a sidecar hands in has, whatever its times are expressed in. */
export const SegmentFieldsSchema = z.object({
  /** The producer's id for the segment: a redelivery with the same key is stored once, so keys are unique per transcription. */
  key: z.string().min(1).max(200),
  speakerIdentity: z.string().max(256).nullable(),
  speakerName: z.string().max(256).nullable(),
  trackSid: z.string().max(256).nullable(),
  text: z.string().max(10_000),
  language: z.string().max(32).nullable(),
});

/** A live segment (stt-live): wall-clock times. */
export const LiveSegmentSchema = SegmentFieldsSchema.extend({ startAt: IsoTimestampSchema, endAt: IsoTimestampSchema });
/** A live segment. */
export type LiveSegment = z.infer<typeof LiveSegmentSchema>;

/** A post-call segment (stt-post): ms from the start of the recording. */
export const PostSegmentSchema = SegmentFieldsSchema.extend({ startMs: z.number().min(0), endMs: z.number().min(0) });
/** A post-call segment. */
export type PostSegment = z.infer<typeof PostSegmentSchema>;
