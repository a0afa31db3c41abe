import { z } from 'zod';
import { MAX_RECORDING_OFFSET_MS, PostSegmentSchema } from './segments.js';

/** pg-boss queue the control plane sends post-call transcription jobs to and stt-post consumes. */
export const POST_TRANSCRIPTION_QUEUE = 'transcription-post';
/** pg-boss keeps its tables in this schema of the control plane's database. */
export const PGBOSS_SCHEMA = 'pgboss';

/** One audio source of a recording: the whole mix (no speaker) or one participant's track. */
export const PostJobInputSchema = z.object({
  bucket: z.string().min(1),
  objectKey: z.string().min(1),
  participantIdentity: z.string().nullable(),
  trackSid: z.string().nullable(),
  /** Where this input starts relative to the recording start. */
  offsetMs: z.number().int().min(0),
});
/** One audio source of a job. */
export type PostJobInput = z.infer<typeof PostJobInputSchema>;

/** A job's data as the control plane sends it. */
export const PostJobSchema = z.object({
  transcriptionId: z.string().min(1),
  recordingId: z.string().min(1),
  /** BCP-47, e.g. en-US. */
  language: z.string().min(2).max(35),
  /** Display names keyed by track sid or participant identity. */
  participants: z.record(z.string(), z.string()).default({}),
  /** The control plane's base URL; callbacks go to transcriptionCallbackPath(id, …) below it. */
  callbackUrl: z.url({ protocol: /^https?$/ }),
  inputs: z.array(PostJobInputSchema).min(1, 'a job needs at least one input'),
});
/** A job as sent. */
export type PostJobRequest = z.input<typeof PostJobSchema>;
/** A validated job. */
export type PostJob = z.output<typeof PostJobSchema>;

/** What a completed job stores as its pg-boss output. */
export const PostJobOutputSchema = z.object({ segmentCount: z.number().int().min(0) });
/** What a completed job stores as its pg-boss output. */
export type PostJobOutput = z.infer<typeof PostJobOutputSchema>;

/** POST …/:id/progress (stt-post → control plane). */
export const PostProgressCallbackSchema = z.object({ progress: z.number().min(0).max(1) });

/** POST …/:id/result (stt-post → control plane): the whole transcript at once. */
export const PostResultCallbackSchema = z.object({
  language: z.string().max(32).nullable(),
  durationMs: z.number().min(0).max(MAX_RECORDING_OFFSET_MS),
  segments: z.array(PostSegmentSchema).max(100_000),
});
/** A finished job's transcript. */
export type PostResult = z.infer<typeof PostResultCallbackSchema>;

/** Longest failure reason the control plane takes. */
export const MAX_FAILURE_REASON = 2000;
/** POST …/:id/failed (stt-post → control plane): a permanent failure, with a reason a person can act on. */
export const PostFailedCallbackSchema = z.object({ reason: z.string().min(1).max(MAX_FAILURE_REASON) });
