import { z } from 'zod';

/**
 * The queue contract between the control plane (sender) and stt-post (consumer). Either side may
 * start first, so both create the queue idempotently; the sender picks retries and expiry per job.
 */

/** pg-boss queue the control plane sends post-call transcription jobs to. */
export const QUEUE = 'transcription-post';

/** pg-boss schema, inside the control plane's database. */
export const PGBOSS_SCHEMA = 'pgboss';

/** One audio source of a recording: a whole mix (no speaker) or one participant's track. */
export const JobInputSchema = z.object({
  bucket: z.string().min(1),
  objectKey: z.string().min(1),
  participantIdentity: z.string().nullable(),
  trackSid: z.string().nullable(),
  /** Where this input starts relative to the recording start. */
  offsetMs: z.number().int().min(0),
});

/** A job's data as the control plane sends it. */
export const JobDataSchema = z.object({
  transcriptionId: z.string().min(1),
  recordingId: z.string().min(1),
  /** BCP-47, e.g. en-US. */
  language: z.string().min(2).max(35),
  /** Display names keyed by track sid or participant identity. */
  participants: z.record(z.string(), z.string()).default({}),
  /** The control plane's base URL; callbacks go to {callbackUrl}/internal/v1/transcriptions/{id}/…. */
  callbackUrl: z.url({ protocol: /^https?$/ }),
  inputs: z.array(JobInputSchema).min(1, 'a job needs at least one input'),
});

/** One audio source of a job. */
export type JobInput = z.infer<typeof JobInputSchema>;

/** A validated job. */
export type JobData = z.infer<typeof JobDataSchema>;

/** What a completed job stores as its pg-boss output. */
export interface JobOutput {
  segmentCount: number;
}
