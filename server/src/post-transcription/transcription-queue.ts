import { PGBOSS_SCHEMA, POST_TRANSCRIPTION_QUEUE, PostJobSchema, type PostJobRequest } from '@rtcstack/contracts';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { ServiceUnavailableError } from '../http/errors.js';

/** What stt-post needs to transcribe one recording (the contract in @rtcstack/contracts). */
export type PostTranscriptionJob = PostJobRequest;

/**
 * The control plane's side of the pg-boss queue: durable jobs in Postgres, claimed by stt-post with
 * SKIP LOCKED (never twice at once), retried with backoff, and retried again when a worker dies
 * mid-job (the job expires). Started lazily so that a control plane without stt-post never creates
 * pg-boss's schema.
 */
export class TranscriptionQueue {
  private boss?: PgBoss;
  private starting?: Promise<PgBoss>;

  constructor(private readonly opts: { databaseUrl: string; retryLimit: number; expireInSeconds: number; maintenanceIntervalSeconds: number; logger: Logger }) {}

  /** Queues a job; returns its pg-boss id. */
  async send(job: PostTranscriptionJob): Promise<string> {
    const boss = await this.started();
    // What stt-post will validate on its side: a job that does not fit the contract never leaves.
    const id = await boss.send(POST_TRANSCRIPTION_QUEUE, PostJobSchema.parse(job), {
      retryLimit: this.opts.retryLimit,
      retryDelay: 5,
      retryBackoff: true,
      expireInSeconds: this.opts.expireInSeconds,
    });
    if (!id) throw new ServiceUnavailableError('The transcription queue refused the job; retry');
    return id;
  }

  /** The job's state, or undefined when pg-boss no longer has it. */
  async state(jobId: string): Promise<{ state: string; output: unknown } | undefined> {
    const job = await (await this.started()).getJobById(POST_TRANSCRIPTION_QUEUE, jobId, { includeArchive: true });
    return job ? { state: job.state, output: job.output } : undefined;
  }

  /** Cancels a job that has not finished (a deleted transcription). */
  async cancel(jobId: string): Promise<void> {
    await (await this.started()).cancel(POST_TRANSCRIPTION_QUEUE, jobId).catch(() => undefined);
  }

  async stop(): Promise<void> {
    const boss = this.boss;
    this.boss = undefined;
    this.starting = undefined;
    await boss?.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => undefined);
  }

  private async started(): Promise<PgBoss> {
    if (this.boss) return this.boss;
    this.starting ??= (async () => {
      const boss = new PgBoss({
        connectionString: this.opts.databaseUrl,
        schema: PGBOSS_SCHEMA,
        max: 2,
        schedule: false,
        // Maintenance retries jobs whose worker died (they expire); it runs in every replica.
        maintenanceIntervalSeconds: this.opts.maintenanceIntervalSeconds,
      });
      boss.on('error', (err) => this.opts.logger.warn({ err }, 'pg-boss error'));
      try {
        await boss.start();
        await boss.createQueue(POST_TRANSCRIPTION_QUEUE);
      } catch (err) {
        this.starting = undefined;
        throw new ServiceUnavailableError('The transcription queue (pg-boss in Postgres) is unavailable', { cause: err });
      }
      this.boss = boss;
      return boss;
    })();
    return this.starting;
  }
}
