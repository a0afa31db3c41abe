import type { z } from 'zod';
import type { TranscribeRecordingSchema } from './post-transcription-schemas.js';
import { randomBytes } from 'node:crypto';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { Logger } from 'pino';
import type { SidecarProbe } from '../health/sidecar-probe.js';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../http/errors.js';
import { createdAtWindow, pageOf, type Page, type PageRequest } from '../http/pagination.js';
import type { RecordingsService } from '../recordings/recordings-service.js';
import type { NewSegment, Transcription, TranscriptionsStore, TranscriptionStatus } from '../transcriptions/transcriptions-store.js';
import type { WebhooksService } from '../webhooks/webhooks-service.js';
import type { WebhooksStore } from '../webhooks/webhooks-store.js';
import type { PostTranscriptionJob, TranscriptionQueue } from './transcription-queue.js';

/** A result as stt-post hands it in: times in ms from the recording's start. */
export interface PostResult {
  language: string | null;
  durationMs: number;
  segments: (Omit<NewSegment, 'startAt' | 'endAt'> & { startMs: number; endMs: number })[];
}

/**
 * Post-call transcription of recordings: a row per request (the control plane owns it), a pg-boss
 * job that carries it to stt-post, and the callbacks that bring progress and the result back.
 * `transcription_completed` goes out through the webhook outbox in the same transaction.
 */
export class PostTranscriptionService {
  constructor(
    private readonly unit: UnitOfWork<{ transcriptions: TranscriptionsStore; outbox: WebhooksStore }>,
    private readonly store: TranscriptionsStore,
    private readonly recordings: RecordingsService,
    private readonly queue: TranscriptionQueue,
    private readonly sidecar: SidecarProbe,
    private readonly webhooks: WebhooksService,
    private readonly opts: { callbackUrl: string; configured: boolean },
    private readonly logger: Logger,
  ) {}

  /** Queues a transcription of a completed recording. */
  async transcribe(recordingId: string, req: z.output<typeof TranscribeRecordingSchema>): Promise<Transcription> {
    if (!this.opts.configured) throw new ServiceUnavailableError('Post-call transcription is not enabled: start the stt-post profile and set STT_POST_URL', { retryAfterSeconds: 30 });
    if (!(await this.sidecar.isUp())) throw new ServiceUnavailableError('The stt-post sidecar is not running; the transcription was not queued');
    const recording = await this.recordings.get(recordingId);
    if (recording.status !== 'completed') throw new ConflictError(`Recording ${recordingId} is ${recording.status}; only completed recordings can be transcribed`);

    const tracks = (await this.recordings.tracks(recordingId)).filter((t) => t.status === 'completed');
    const origin = Date.parse(recording.startedAt ?? recording.createdAt);
    const inputs: PostTranscriptionJob['inputs'] =
      tracks.length > 0
        ? tracks.map((t) => ({
            bucket: recording.bucket,
            objectKey: t.objectKey,
            participantIdentity: t.participantIdentity,
            trackSid: t.trackSid,
            offsetMs: Math.max(0, Date.parse(t.startedAt ?? recording.startedAt ?? recording.createdAt) - origin),
          }))
        : [{ bucket: recording.bucket, objectKey: recording.objectKey, participantIdentity: null, trackSid: null, offsetMs: 0 }];
    // Names the speakers a per-track map does not: the names participants joined with.
    const participants = { ...Object.fromEntries(tracks.filter((t) => t.participantName).map((t) => [t.participantIdentity, t.participantName!])), ...req.participants };

    const id = `tr_${randomBytes(9).toString('base64url')}`;
    const row = await this.store.insert({
      id,
      kind: 'post',
      roomName: recording.roomName,
      recordingId,
      status: 'queued',
      language: req.language,
      options: {},
      participants,
      startedAt: new Date(origin).toISOString(),
    });
    if (!row) throw new ConflictError(`A transcription of recording ${recordingId} is already queued or running`);
    try {
      const jobId = await this.queue.send({ transcriptionId: id, recordingId, language: req.language, participants, callbackUrl: this.opts.callbackUrl, inputs });
      return (await this.store.update(id, { jobId })) ?? row;
    } catch (err) {
      await this.store.update(id, { status: 'failed', failureReason: `could not queue the job: ${(err as Error).message}` });
      throw err;
    }
  }

  /** Newest first, filtered; a page after the cursor (or, deprecated, at an offset), and the total. */
  async list(f: { recordingId?: string; status?: TranscriptionStatus }, req: PageRequest & { offset?: number }): Promise<Page<Transcription & { segmentCount: number }> & { total: number }> {
    const { rows, total } = await this.store.listPost(f, createdAtWindow(req, 'tr'));
    const page = pageOf(rows, req.limit, (r) => r.position);
    return { items: page.items.map((r) => r.item), nextCursor: page.nextCursor, total };
  }

  /** One transcription and its segments; a job pg-boss gave up on is reported as failed. */
  async get(id: string) {
    let t = await this.store.get(id);
    if (!t || t.kind !== 'post') throw new NotFoundError(`Transcription ${id} not found`);
    if ((t.status === 'queued' || t.status === 'processing') && t.jobId) t = await this.checkJob(t);
    return { transcription: t, segments: await this.store.segments(id) };
  }

  /** Deletes a transcription and its segments, cancelling its job if it has not finished. */
  async delete(id: string): Promise<void> {
    const t = await this.store.get(id);
    if (!t || t.kind !== 'post') throw new NotFoundError(`Transcription ${id} not found`);
    if (t.jobId && (t.status === 'queued' || t.status === 'processing')) await this.queue.cancel(t.jobId).catch(() => undefined);
    await this.store.delete(id);
  }

  /** stt-post reports progress; the first report marks it processing. */
  async progress(id: string, progress: number): Promise<boolean> {
    const t = await this.store.update(id, { status: 'processing', progress }, ['queued', 'processing']);
    return t !== undefined || (await this.store.get(id)) !== undefined;
  }

  /** stt-post hands in the result: segments replace any earlier ones, the webhook event is queued with them. */
  async complete(id: string, result: PostResult): Promise<boolean> {
    const t = await this.store.get(id);
    if (!t || t.kind !== 'post') return false;
    const origin = Date.parse(t.startedAt ?? t.createdAt);
    const at = (ms: number) => new Date(origin + Math.round(ms)).toISOString();
    const segments: NewSegment[] = result.segments.map((s) => ({ ...s, language: s.language ?? result.language, startAt: at(s.startMs), endAt: at(Math.max(s.startMs, s.endMs)) }));
    // The segments, the status and the webhook event commit together, or not at all.
    const queued = await this.unit.run(async (s) => {
      await s.transcriptions.replaceSegments(id, segments);
      await s.transcriptions.update(id, { status: 'completed', progress: 1, completedAt: new Date().toISOString(), failureReason: null });
      return s.outbox.publish({
        type: 'transcription_completed',
        data: { transcriptionId: id, recordingId: t.recordingId, roomId: t.roomName, language: result.language ?? t.language, segmentCount: segments.length, durationMs: Math.round(result.durationMs) },
      });
    });
    if (queued > 0) await this.webhooks.notifyWorkers();
    return true;
  }

  /** stt-post gave up for good (missing or corrupt recording, retries exhausted). */
  async fail(id: string, reason: string): Promise<boolean> {
    const t = await this.store.update(id, { status: 'failed', failureReason: reason }, ['queued', 'processing']);
    if (t) this.logger.warn({ transcriptionId: id, reason }, 'post-call transcription failed');
    return t !== undefined || (await this.store.get(id)) !== undefined;
  }

  private async checkJob(t: Transcription): Promise<Transcription> {
    try {
      const job = await this.queue.state(t.jobId!);
      if (job && job.state !== 'failed' && job.state !== 'cancelled') return t;
      const why = job ? `stt-post gave up after its retries (${job.state}): ${describe(job.output)}` : 'the transcription job was lost';
      return (await this.store.update(t.id, { status: 'failed', failureReason: why }, ['queued', 'processing'])) ?? t;
    } catch {
      return t; // the row is the best we know while pg-boss is unreachable
    }
  }
}

function describe(output: unknown): string {
  const o = output as { message?: string } | null;
  return o?.message ?? (output ? JSON.stringify(output).slice(0, 300) : 'no detail');
}
