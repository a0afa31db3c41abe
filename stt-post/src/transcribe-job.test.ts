import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import type * as Minio from 'minio';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RecordingReporter } from '../test/recording-reporter.js';
import type { JobData } from './queue.js';
import { CallbackError, TranscriptionGoneError } from './reporter.js';
import { processJob } from './transcribe-job.js';
import type { FileEngine, FileTranscription } from './whisper-file-engine.js';

const logger = pino({ level: 'silent' });
const data = (over: Partial<JobData> = {}): JobData => ({
  transcriptionId: 'tr_1',
  recordingId: 'rec_1',
  language: 'en-US',
  participants: { alice: 'Alice' },
  callbackUrl: 'http://127.0.0.1:1',
  inputs: [{ bucket: 'b', objectKey: 'recordings/x.mp4', participantIdentity: null, trackSid: null, offsetMs: 0 }],
  ...over,
});
const s3Error = (code: string, message = code) => Object.assign(new Error(message), { code });
const s3 = (getObject: (bucket: string, key: string) => Promise<Readable>) => ({ getObject }) as unknown as Minio.Client;
const noEngine: FileEngine = { transcribeFile: () => Promise.reject(new Error('not expected')) };

/** A WAV of `seconds` of a quiet tone, made by ffmpeg. */
function toneWav(seconds: number): Buffer {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-ar', '48000', '-f', 'wav', 'pipe:1']);
}

describe('processJob failure handling', () => {
  it('reports a missing object as failed and completes', async () => {
    const reporter = new RecordingReporter();
    const out = await processJob(data(), { s3: s3(() => Promise.reject(s3Error('NoSuchKey'))), engine: noEngine, reporter, logger });
    expect(out).toEqual({ segmentCount: 0 });
    expect(reporter.progressCalls).toEqual([0]);
    expect(reporter.failures).toEqual(['recording object recordings/x.mp4 not found in bucket b']);
  });

  it('throws a transient failure so pg-boss retries, and reports it on the last attempt', async () => {
    const down = s3(() => Promise.reject(s3Error('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9000')));
    const reporter = new RecordingReporter();
    await expect(processJob(data(), { s3: down, engine: noEngine, reporter, logger })).rejects.toThrow('ECONNREFUSED');
    expect(reporter.failures).toEqual([]);
    await expect(processJob(data(), { s3: down, engine: noEngine, reporter, logger, lastAttempt: true })).resolves.toEqual({ segmentCount: 0 });
    expect(reporter.failures).toEqual(['transcription failed on its last attempt: connect ECONNREFUSED 127.0.0.1:9000']);
  });

  it('drops the job when the transcription was deleted', async () => {
    const reporter = new RecordingReporter();
    reporter.fail.progress = () => new TranscriptionGoneError('gone');
    let fetched = false;
    const out = await processJob(data(), { s3: s3(() => ((fetched = true), Promise.reject(new Error('x')))), engine: noEngine, reporter, logger });
    expect(out).toEqual({ segmentCount: 0 });
    expect(fetched).toBe(false);
    expect(reporter.failures).toEqual([]);
  });

  it('throws when the failure cannot be reported, so the report is retried', async () => {
    const reporter = new RecordingReporter();
    reporter.fail.failed = () => new CallbackError('503');
    await expect(processJob(data(), { s3: s3(() => Promise.reject(s3Error('NoSuchKey'))), engine: noEngine, reporter, logger })).rejects.toThrow('503');
  });
});

// ffmpeg is installed by scripts/install; without it this fails rather than skips.
describe('processJob with ffmpeg and a stand-in engine', () => {
  const wavs: Record<string, Buffer> = { 'a.ogg': toneWav(2), 'b.ogg': toneWav(3) };
  const store = s3(async (_bucket, key) => {
    const body = wavs[key];
    if (!body) throw s3Error('NoSuchKey');
    return Readable.from([body]);
  });
  const engine: FileEngine = {
    async transcribeFile(path, options): Promise<FileTranscription> {
      options.onProgress?.(0.5);
      return { language: options.language ?? 'en', durationSeconds: 2, segments: [{ start: 0.5, end: 1, text: `in ${path.endsWith('input-0.wav') ? 'a' : 'b'}` }, { start: 1.5, end: 1.9, text: 'again' }] };
    },
  };

  it('offsets, tags and merges every input, then reports the result', async () => {
    const reporter = new RecordingReporter();
    const job = data({
      participants: { TR_b: 'Bob' },
      inputs: [
        { bucket: 'b', objectKey: 'a.ogg', participantIdentity: 'alice', trackSid: 'TR_a', offsetMs: 0 },
        { bucket: 'b', objectKey: 'b.ogg', participantIdentity: 'bob', trackSid: 'TR_b', offsetMs: 1200 },
      ],
    });
    const out = await processJob(job, { s3: store, engine, reporter, logger, progressIntervalMs: 0 });
    expect(out).toEqual({ segmentCount: 4 });
    const [result] = reporter.results;
    expect(result?.language).toBe('en-US');
    expect(result?.durationMs).toBe(4200);
    expect(result?.segments.map((s) => [s.key, s.speakerName, s.startMs, s.endMs, s.text])).toEqual([
      ['0-0', 'alice', 500, 1000, 'in a'],
      ['0-1', 'alice', 1500, 1900, 'again'],
      ['1-0', 'Bob', 1700, 2200, 'in b'],
      ['1-1', 'Bob', 2700, 3100, 'again'],
    ]);
    expect(reporter.progressCalls[0]).toBe(0);
    expect(reporter.progressCalls).toEqual([...reporter.progressCalls].sort((a, b) => a - b));
    expect(Math.max(...reporter.progressCalls)).toBeLessThanOrEqual(1);
  });

  it('reports an undecodable object as failed with ffmpeg\'s reason', async () => {
    wavs['junk.mp4'] = Buffer.from('this is not a media file at all, just some text bytes');
    const reporter = new RecordingReporter();
    await processJob(data({ inputs: [{ bucket: 'b', objectKey: 'junk.mp4', participantIdentity: null, trackSid: null, offsetMs: 0 }] }), { s3: store, engine, reporter, logger });
    expect(reporter.results).toEqual([]);
    expect(reporter.failures).toHaveLength(1);
    expect(reporter.failures[0]).toMatch(/^ffmpeg could not decode junk\.mp4: .+/);
  });
});
