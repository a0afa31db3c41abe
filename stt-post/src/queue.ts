/**
 * The queue contract between the control plane (sender) and stt-post (consumer), from
 * @rtcstack/contracts under the names stt-post uses. Either side may start first, so both create
 * the queue idempotently; the sender picks retries and expiry per job.
 */
export {
  PGBOSS_SCHEMA,
  POST_TRANSCRIPTION_QUEUE as QUEUE,
  PostJobInputSchema as JobInputSchema,
  PostJobSchema as JobDataSchema,
  type PostJobInput as JobInput,
  type PostJob as JobData,
  type PostJobOutput as JobOutput,
} from '@rtcstack/contracts';
