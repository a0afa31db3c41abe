import { randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingReporter } from '../test/recording-reporter.js';
import { speechRecording } from '../test/speech.js';
import { wordErrorRate } from '@rtcstack/test-utils';
import { createS3Client } from './audio-input.js';
import type { JobData } from './queue.js';
import { processJob } from './transcribe-job.js';
import { WhisperFileEngine } from './whisper-file-engine.js';

// The real stack (MinIO) and the offline engine, as `eval "$(scripts/stack env)"` describes them.
const REQUIRED = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'WHISPER_PYTHON', 'WHISPER_MODELS_DIR'] as const;
const missing = REQUIRED.filter((k) => !process.env[k]);
if (missing.length > 0) {
  throw new Error(`stt-post e2e tests need the real stack: ${missing.join(', ')} not set. Run \`scripts/stack up && eval "$(scripts/stack env)"\` first.`);
}
const env = process.env as Record<(typeof REQUIRED)[number], string>;
const bucket = env.S3_BUCKET;
const s3 = createS3Client({
  endpoint: env.S3_ENDPOINT,
  region: process.env.S3_REGION ?? 'us-east-1',
  accessKey: env.S3_ACCESS_KEY,
  secretKey: env.S3_SECRET_KEY,
  forcePathStyle: process.env.S3_FORCE_PATH_STYLE !== 'false',
});
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const engine = new WhisperFileEngine({ python: env.WHISPER_PYTHON, modelDir: `${env.WHISPER_MODELS_DIR}/base`, device: 'cpu', threads: 2, logger });
const prefix = `stt-post-e2e/${randomUUID()}`;
const uploaded: string[] = [];

const ALICE = 'The quarterly report is ready, and the marketing team will review it on Monday morning.';
const BOB = 'Please send the updated budget to everyone before the meeting starts tomorrow afternoon.';

async function upload(name: string, body: Buffer): Promise<string> {
  const key = `${prefix}/${name}`;
  await s3.putObject(bucket, key, body, body.length);
  uploaded.push(key);
  return key;
}

function job(inputs: JobData['inputs'], participants: Record<string, string> = {}): JobData {
  return { transcriptionId: randomUUID(), recordingId: randomUUID(), language: 'en-US', participants, callbackUrl: 'http://127.0.0.1:1', inputs };
}

beforeAll(async () => {
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
  if (uploaded.length > 0) await s3.removeObjects(bucket, uploaded);
});

describe('processJob against MinIO, ffmpeg and whisper base', () => {
  it('transcribes two speakers from an OGG and a video MP4, offset and merged by time', async () => {
    const alice = await upload('alice.ogg', await speechRecording(ALICE, 'ogg', 1));
    const bob = await upload('bob.mp4', await speechRecording(BOB, 'mp4-video', 0.5));
    const reporter = new RecordingReporter();
    const data = job(
      [
        { bucket, objectKey: alice, participantIdentity: 'alice', trackSid: 'TR_alice', offsetMs: 0 },
        { bucket, objectKey: bob, participantIdentity: 'bob', trackSid: 'TR_bob', offsetMs: 8000 },
      ],
      { TR_alice: 'Alice', bob: 'Bob' },
    );
    const out = await processJob(data, { s3, engine, reporter, logger, progressIntervalMs: 0 });

    expect(reporter.failures).toEqual([]);
    expect(reporter.results).toHaveLength(1);
    const result = reporter.results[0]!;
    expect(out).toEqual({ segmentCount: result.segments.length });
    expect(result.language).toBe('en-US');
    const aliceSegs = result.segments.filter((s) => s.speakerIdentity === 'alice');
    const bobSegs = result.segments.filter((s) => s.speakerIdentity === 'bob');
    expect(aliceSegs.length).toBeGreaterThan(0);
    expect(bobSegs.length).toBeGreaterThan(0);
    expect(wordErrorRate(ALICE, aliceSegs.map((s) => s.text).join(' '))).toBeLessThanOrEqual(0.15);
    expect(wordErrorRate(BOB, bobSegs.map((s) => s.text).join(' '))).toBeLessThanOrEqual(0.15);
    expect(aliceSegs.every((s) => s.speakerName === 'Alice' && s.trackSid === 'TR_alice' && s.language === 'en-US')).toBe(true);
    expect(bobSegs.every((s) => s.speakerName === 'Bob' && s.trackSid === 'TR_bob')).toBe(true);
    // Alice starts after her 1 s of silence; Bob's segments sit after his input's 8 s offset.
    expect(aliceSegs[0]!.startMs).toBeGreaterThanOrEqual(600);
    expect(bobSegs[0]!.startMs).toBeGreaterThanOrEqual(8000);
    const starts = result.segments.map((s) => s.startMs);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(new Set(result.segments.map((s) => s.key)).size).toBe(result.segments.length);
    // Bob's track (≈6 s of speech) ends after Alice's, 8 s into the recording.
    expect(result.durationMs).toBeGreaterThan(12_000);
    expect(result.durationMs).toBeLessThan(20_000);
    expect(reporter.progressCalls[0]).toBe(0);
    expect(reporter.progressCalls.length).toBeGreaterThan(1);
  });

  it('reports a missing object as a permanent failure', async () => {
    const reporter = new RecordingReporter();
    const key = `${prefix}/never-uploaded.mp4`;
    const out = await processJob(job([{ bucket, objectKey: key, participantIdentity: null, trackSid: null, offsetMs: 0 }]), { s3, engine, reporter, logger });
    expect(out).toEqual({ segmentCount: 0 });
    expect(reporter.results).toEqual([]);
    expect(reporter.failures).toEqual([`recording object ${key} not found in bucket ${bucket}`]);
  });

  it('reports a corrupt object as a permanent failure with ffmpeg\'s reason', async () => {
    const key = await upload('corrupt.mp4', randomBytes(64 * 1024));
    const reporter = new RecordingReporter();
    const out = await processJob(job([{ bucket, objectKey: key, participantIdentity: 'carol', trackSid: null, offsetMs: 0 }]), { s3, engine, reporter, logger });
    expect(out).toEqual({ segmentCount: 0 });
    expect(reporter.results).toEqual([]);
    expect(reporter.failures).toHaveLength(1);
    expect(reporter.failures[0]).toMatch(new RegExp(`^ffmpeg could not decode ${key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: \\S`));
  });
});
