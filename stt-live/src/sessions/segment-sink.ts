import {
  MAX_LIVE_SEGMENTS_PER_CALLBACK,
  transcriptionCallbackPath,
  type LiveSegment,
  type LiveSegmentsCallbackSchema,
  type LiveSessionEndedCallbackSchema,
  type TranscriptionCallback,
} from '@rtcstack/contracts';
import type { Logger } from 'pino';
import type { z } from 'zod';

/** A final segment as the control plane's internal endpoint takes it (keys unique within the session). */
export type CallbackSegment = LiveSegment;

/** Where and how a session reports back to the control plane. */
export interface SinkOptions {
  callbackUrl: string;
  transcriptionId: string;
  secret: string;
  timeoutMs: number;
  /** At most this many segments wait while the control plane is unreachable; the oldest are dropped past it. */
  maxQueued?: number;
}

const MAX_BATCH = Math.min(50, MAX_LIVE_SEGMENTS_PER_CALLBACK);

/**
 * Delivers a session's final segments to the control plane in order, batching what piles up and
 * retrying with capped backoff while the control plane is down, so a restart of the control plane
 * loses no words. Segment keys make redelivery harmless.
 */
export class SegmentSink {
  private readonly queue: CallbackSegment[] = [];
  private sending?: Promise<void>;
  private retryDelayMs = 0;
  private closed = false;
  sent = 0;

  constructor(
    private readonly opts: SinkOptions,
    private readonly logger: Logger,
  ) {}

  /** Queues a segment for delivery; never blocks the audio path. */
  push(segment: CallbackSegment): void {
    this.queue.push(segment);
    const max = this.opts.maxQueued ?? 5000;
    if (this.queue.length > max) this.logger.warn({ dropped: this.queue.splice(0, this.queue.length - max).length }, 'control plane unreachable too long; dropping oldest segments');
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
  }

  /** Resolves once everything queued is delivered, or after `timeoutMs`; returns what is still queued. */
  async flush(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length > 0 && Date.now() < deadline) {
      this.sending ??= this.drain().finally(() => (this.sending = undefined));
      await Promise.race([this.sending, sleep(Math.max(0, deadline - Date.now()))]);
    }
    return this.queue.length;
  }

  /** Tells the control plane the session ended on its own (room closed, engine died). */
  async reportEnded(status: 'stopped' | 'failed', reason: string): Promise<void> {
    const body: z.input<typeof LiveSessionEndedCallbackSchema> = { status, reason };
    await this.post('ended', body).catch((err: unknown) =>
      this.logger.warn({ err }, 'could not tell the control plane that the session ended; its monitor will notice'),
    );
  }

  /** Stops retrying; anything still queued is abandoned. */
  close(): void {
    this.closed = true;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      if (this.retryDelayMs > 0) await sleep(this.retryDelayMs);
      const batch = this.queue.slice(0, MAX_BATCH);
      try {
        const body: z.input<typeof LiveSegmentsCallbackSchema> = { segments: batch };
        await this.post('segments', body);
        this.queue.splice(0, batch.length);
        this.sent += batch.length;
        this.retryDelayMs = 0;
      } catch (err) {
        if ((err as { status?: number }).status === 404) {
          this.logger.warn({ transcriptionId: this.opts.transcriptionId }, 'control plane no longer knows this transcription; dropping its segments');
          this.queue.length = 0;
          return;
        }
        this.retryDelayMs = Math.min(5000, Math.max(250, this.retryDelayMs * 2));
        this.logger.warn({ err, retryInMs: this.retryDelayMs }, 'delivering segments to the control plane failed; retrying');
      }
    }
  }

  private async post(what: TranscriptionCallback, body: unknown): Promise<void> {
    const res = await fetch(`${this.opts.callbackUrl.replace(/\/+$/, '')}${transcriptionCallbackPath(this.opts.transcriptionId, what)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    await res.body?.cancel();
    if (!res.ok) throw Object.assign(new Error(`control plane answered ${res.status}`), { status: res.status });
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
