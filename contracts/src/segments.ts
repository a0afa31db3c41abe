import { z } from 'zod';

const EARLIEST_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** True when an ISO 8601 timestamp names an instant within the years 0001 to 9999 in UTC. */
export function isStorableInstant(s: string): boolean {
  const ms = Date.parse(s);
  return ms >= EARLIEST_MS && ms <= LATEST_MS;
}
/** Why a timestamp outside them is refused. */
export const STORABLE_INSTANT_MESSAGE = 'must fall within the years 0001 to 9999 in UTC';

/**
 * ISO 8601 timestamp with an offset, as every contract carries times, read as the UTC instant it
 * names (`toISOString()`): Postgres refuses offsets past ±15:59, which RFC 3339 allows, and holds
 * years 0001–9999 in UTC as every reader prints them.
 */
export const IsoTimestampSchema = z.iso
  .datetime({ offset: true })
  .refine(isStorableInstant, STORABLE_INSTANT_MESSAGE)
  .transform((s) => new Date(s).toISOString());

/** The longest time into a recording a post-call segment may start or end at: a year, far past any call. */
export const MAX_RECORDING_OFFSET_MS = 366 * 86_400_000;

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
export const PostSegmentSchema = SegmentFieldsSchema.extend({ startMs: z.number().min(0).max(MAX_RECORDING_OFFSET_MS), endMs: z.number().min(0).max(MAX_RECORDING_OFFSET_MS) });
/** A post-call segment. */
export type PostSegment = z.infer<typeof PostSegmentSchema>;
