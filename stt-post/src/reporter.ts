import {
  MAX_FAILURE_REASON,
  transcriptionCallbackPath,
  type PostFailedCallbackSchema,
  type PostProgressCallbackSchema,
  type PostResult,
  type TranscriptionCallback,
} from '@rtcstack/contracts';
import type { z } from 'zod';

/** What a finished job hands the control plane (the contract in @rtcstack/contracts). */
export type TranscriptionResult = PostResult;

/**
 * Where a job reports to. The real one calls the control plane's internal endpoints; tests inject a
 * sink. Every method may throw TranscriptionGoneError (the transcription was deleted).
 */
export interface Reporter {
  /** Best effort; the first call marks the transcription processing. */
  progress(fraction: number): Promise<void>;
  /** Must succeed for the job to complete; the control plane replaces the segments, so repeats are safe. */
  result(result: TranscriptionResult): Promise<void>;
  /** A permanent failure, with a reason a person can act on. */
  failed(reason: string): Promise<void>;
}

/** A job that cannot succeed however often it is retried (a missing or undecodable recording). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The control plane no longer knows the transcription (deleted): the job is dropped. */
export class TranscriptionGoneError extends Error {
  override name = 'TranscriptionGoneError';
}

/** A callback the control plane did not accept (5xx, timeout, unreachable): retried by pg-boss. */
export class CallbackError extends Error {
  override name = 'CallbackError';
}

/** Longest reason sent; ffmpeg's stderr can be long. */
const MAX_REASON = Math.min(1000, MAX_FAILURE_REASON);

/** Options for the HTTP reporter of one job. */
export interface HttpReporterOptions {
  /** The control plane's base URL from the job. */
  callbackUrl: string;
  transcriptionId: string;
  secret: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Reports to the control plane's `transcriptionCallbackPath(id, progress|result|failed)` with the shared secret. */
export class HttpReporter implements Reporter {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: HttpReporterOptions) {
    this.base = opts.callbackUrl.replace(/\/+$/, '');
    this.fetch = opts.fetch ?? fetch;
  }

  progress(fraction: number): Promise<void> {
    const body: z.input<typeof PostProgressCallbackSchema> = { progress: Math.min(1, Math.max(0, fraction)) };
    return this.post('progress', body);
  }

  result(result: TranscriptionResult): Promise<void> {
    return this.post('result', result);
  }

  failed(reason: string): Promise<void> {
    const body: z.input<typeof PostFailedCallbackSchema> = { reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason };
    return this.post('failed', body);
  }

  private async post(what: TranscriptionCallback, body: unknown): Promise<void> {
    const url = `${this.base}${transcriptionCallbackPath(this.opts.transcriptionId, what)}`;
    let res: Response;
    try {
      res = await this.fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.opts.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const cause = err as Error;
      const why = cause.name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : cause.message;
      throw new CallbackError(`${what} callback to ${url} failed: ${why}`, { cause });
    }
    const text = await res.text().catch(() => '');
    if (res.status === 404 || res.status === 410) throw new TranscriptionGoneError(`transcription ${this.opts.transcriptionId} no longer exists`);
    if (!res.ok) throw new CallbackError(`${what} callback to ${url} answered ${res.status}: ${text.slice(0, 200)}`);
  }
}
