import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Minio from 'minio';
import type { Logger } from 'pino';
import { decodeInput, type DecodedAudio } from './audio-input.js';
import type { JobData, JobOutput } from './queue.js';
import { PermanentJobError, TranscriptionGoneError, type Reporter } from './reporter.js';
import { dominantLanguage, inputSegments, mergeSegments, recordingDurationMs, segmentLanguage, whisperLanguage, type Segment } from './segments.js';
import type { FileEngine } from './whisper-file-engine.js';

/** Everything processJob needs; tests inject a reporter sink instead of the HTTP one. */
export interface JobDeps {
  s3: Minio.Client;
  engine: FileEngine;
  reporter: Reporter;
  logger: Logger;
  /** pg-boss will not retry this attempt: report a transient failure as failed instead of throwing. */
  lastAttempt?: boolean;
  /** Aborts the job (its deadline, or shutdown); an abort is a transient failure. */
  signal?: AbortSignal;
  /** Minimum time between progress callbacks. */
  progressIntervalMs?: number;
  /** Parent of the job's temporary folder (default: the OS temp dir). */
  tmpDir?: string;
}

/** Prefix of each job's temporary folder. */
const DIR_PREFIX = 'stt-post-';

/**
 * Removes job folders a killed worker left behind. Only folders older than `olderThanMs` go: no job
 * outlives pg-boss's 24 h expiry cap, and another replica may share the temp dir.
 */
export async function sweepStaleJobDirs(parent = tmpdir(), olderThanMs = 24 * 3600_000): Promise<number> {
  let removed = 0;
  for (const name of await readdir(parent).catch(() => [])) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const path = join(parent, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory() && Date.now() - info.mtimeMs > olderThanMs) {
      await rm(path, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** Share of the progress bar spent downloading and decoding; whisper gets the rest. */
const DECODE_SHARE = 0.1;

/**
 * One post-call transcription: decode every input from S3, transcribe each with whisper, tag and
 * merge the segments, and report the result. Permanent failures are reported and complete the job;
 * transient ones throw so pg-boss retries (or, on the last attempt, are reported as failed). Safe
 * to run again: segment keys are stable and the control plane replaces segments on `result`.
 */
export async function processJob(data: JobData, deps: JobDeps): Promise<JobOutput> {
  const log = deps.logger.child({ transcriptionId: data.transcriptionId, recordingId: data.recordingId });
  const abort = new AbortController();
  const onParentAbort = () => abort.abort(deps.signal?.reason);
  if (deps.signal?.aborted) onParentAbort();
  else deps.signal?.addEventListener('abort', onParentAbort, { once: true });
  const progress = throttledProgress(deps.reporter, deps.progressIntervalMs ?? 1000, (err) => {
    if (err instanceof TranscriptionGoneError) abort.abort(err);
    else log.debug({ err }, 'progress callback failed (ignored)');
  });
  const started = Date.now();
  let dir: string | undefined;
  try {
    await deps.reporter.progress(0).catch((err: unknown) => {
      if (err instanceof TranscriptionGoneError) throw err;
      log.warn({ err }, 'could not mark the transcription processing; carrying on');
    });
    dir = await mkdtemp(join(deps.tmpDir ?? tmpdir(), DIR_PREFIX));
    const decoded: DecodedAudio[] = [];
    for (const [i, input] of data.inputs.entries()) {
      decoded.push(await decodeInput(deps.s3, input, dir, `input-${i}`, abort.signal));
      progress.report((DECODE_SHARE * (i + 1)) / data.inputs.length);
    }
    const totalMs = decoded.reduce((sum, d) => sum + d.durationMs, 0) || 1;
    let doneMs = 0;
    let heard: string | null = null;
    const perInput: Segment[][] = [];
    for (const [i, input] of data.inputs.entries()) {
      const audio = decoded[i]!;
      const result = await deps.engine.transcribeFile(audio.wavPath, {
        language: whisperLanguage(data.language),
        signal: abort.signal,
        onProgress: (f) => progress.report(DECODE_SHARE + ((1 - DECODE_SHARE) * (doneMs + f * audio.durationMs)) / totalMs),
      });
      heard ??= result.language;
      perInput.push(inputSegments(i, input, result, data));
      doneMs += audio.durationMs;
      progress.report(DECODE_SHARE + ((1 - DECODE_SHARE) * doneMs) / totalMs);
      await rm(audio.wavPath, { force: true });
    }
    if (abort.signal.aborted) throw abort.signal.reason;
    const segments = mergeSegments(perInput);
    const durationMs = recordingDurationMs(data.inputs.map((input, i) => ({ offsetMs: input.offsetMs, durationMs: decoded[i]!.durationMs })));
    const language = dominantLanguage(segments) ?? (heard ? segmentLanguage(data.language, heard) : null);
    progress.stop();
    await deps.reporter.result({ language, durationMs, segments });
    log.info({ segments: segments.length, durationMs, elapsedMs: Date.now() - started, rtf: round((Date.now() - started) / Math.max(1, totalMs)) }, 'transcription done');
    return { segmentCount: segments.length };
  } catch (err) {
    progress.stop();
    // An aborted download or ffmpeg reports an AbortError; the reason says why (deleted, deadline).
    return await settleFailure(abort.signal.aborted ? abort.signal.reason : err, data, deps, log);
  } finally {
    deps.signal?.removeEventListener('abort', onParentAbort);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

async function settleFailure(err: unknown, data: JobData, deps: JobDeps, log: Logger): Promise<JobOutput> {
  if (err instanceof TranscriptionGoneError) {
    log.info('the transcription was deleted; dropping the job');
    return { segmentCount: 0 };
  }
  const permanent = err instanceof PermanentJobError;
  if (!permanent && !deps.lastAttempt) {
    log.warn({ err }, 'transcription attempt failed; pg-boss will retry it');
    throw err;
  }
  const message = err instanceof Error ? err.message : String(err);
  const reason = permanent ? message : `transcription failed on its last attempt: ${message}`;
  log.warn({ reason }, 'transcription failed');
  try {
    await deps.reporter.failed(reason);
  } catch (reportErr) {
    if (reportErr instanceof TranscriptionGoneError) return { segmentCount: 0 };
    log.error({ err: reportErr }, 'could not report the failure');
    throw reportErr;
  }
  return { segmentCount: 0 };
}

/** Fire-and-forget progress: at most one call per interval, never going backwards, never two in flight. */
function throttledProgress(reporter: Reporter, intervalMs: number, onError: (err: unknown) => void) {
  let last = 0;
  let sentAt = Date.now();
  let inFlight = false;
  let stopped = false;
  return {
    report(fraction: number): void {
      const now = Date.now();
      if (stopped || inFlight || fraction <= last || now - sentAt < intervalMs) return;
      last = fraction;
      sentAt = now;
      inFlight = true;
      reporter
        .progress(round(Math.min(1, fraction)))
        .catch(onError)
        .finally(() => (inFlight = false));
    },
    stop(): void {
      stopped = true;
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
