import type * as Minio from 'minio';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { JobDataSchema, type JobOutput } from './queue.js';
import { HttpReporter, TranscriptionGoneError, type Reporter } from './reporter.js';
import { processJob } from './transcribe-job.js';
import type { FileEngine } from './whisper-file-engine.js';

/** What the pg-boss handler needs besides the job. */
export interface JobHandlerDeps {
  s3: Minio.Client;
  engine: FileEngine;
  logger: Logger;
  secret: string;
  callbackTimeoutMs: number;
  /** Aborts running jobs (shutdown). */
  signal?: AbortSignal;
  /** Builds the reporter for a job (default: HTTP callbacks to the job's callbackUrl). */
  reporterFor?: (callbackUrl: string, transcriptionId: string) => Reporter;
}

/**
 * Stop this long before pg-boss's own deadline (expireInSeconds): pg-boss only races the handler and
 * then fetches the next job, so a job that overran would otherwise keep whisper busy in the background.
 */
export function deadlineMs(expireInSeconds: number): number {
  const seconds = Math.max(1, expireInSeconds);
  return Math.max(500, (seconds - Math.min(30, seconds * 0.1)) * 1000);
}

/** The handler for `boss.work(QUEUE, { batchSize: 1, includeMetadata: true }, handler)`. */
export function createJobHandler(deps: JobHandlerDeps): (jobs: PgBoss.JobWithMetadata<unknown>[]) => Promise<JobOutput | undefined> {
  const reporterFor =
    deps.reporterFor ?? ((callbackUrl, transcriptionId) => new HttpReporter({ callbackUrl, transcriptionId, secret: deps.secret, timeoutMs: deps.callbackTimeoutMs }));
  return async (jobs) => {
    let output: JobOutput | undefined;
    // batchSize 1 gives one job; pg-boss stores an output only for a batch of one.
    for (const job of jobs) output = await handleOne(job, deps, reporterFor);
    return jobs.length === 1 ? output : undefined;
  };
}

async function handleOne(job: PgBoss.JobWithMetadata<unknown>, deps: JobHandlerDeps, reporterFor: NonNullable<JobHandlerDeps['reporterFor']>): Promise<JobOutput> {
  // retry_count counts earlier attempts; pg-boss fails the job for good once it reaches retry_limit.
  const lastAttempt = job.retryCount >= job.retryLimit;
  const logger = deps.logger.child({ jobId: job.id, attempt: job.retryCount + 1, of: job.retryLimit + 1 });
  const parsed = JobDataSchema.safeParse(job.data);
  if (!parsed.success) {
    const reason = `invalid job data: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}`;
    const raw = (job.data ?? {}) as { callbackUrl?: unknown; transcriptionId?: unknown };
    logger.error({ reason }, 'rejecting a malformed job');
    // Reportable when the job says where to; otherwise only pg-boss's failed state records it.
    if (typeof raw.callbackUrl !== 'string' || typeof raw.transcriptionId !== 'string' || !URL.canParse(raw.callbackUrl)) throw new Error(reason);
    await reporterFor(raw.callbackUrl, raw.transcriptionId)
      .failed(reason)
      .catch((err: unknown) => {
        if (!(err instanceof TranscriptionGoneError)) throw err;
      });
    return { segmentCount: 0 };
  }
  const data = parsed.data;
  // pg-boss 10 computes expireInSeconds in SQL (EXTRACT(epoch …)): it arrives as a numeric string such as "900.000000".
  const expireInSeconds = Number(job.expireInSeconds);
  const limitMs = deadlineMs(expireInSeconds);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`the transcription did not finish within ${Math.round(limitMs / 1000)} s (job expiry ${expireInSeconds} s)`)), limitMs);
  const signal = deps.signal ? AbortSignal.any([deps.signal, deadline.signal]) : deadline.signal;
  logger.info({ transcriptionId: data.transcriptionId, inputs: data.inputs.length, lastAttempt }, 'transcription job started');
  try {
    return await processJob(data, { s3: deps.s3, engine: deps.engine, reporter: reporterFor(data.callbackUrl, data.transcriptionId), logger, lastAttempt, signal });
  } finally {
    clearTimeout(timer);
  }
}
