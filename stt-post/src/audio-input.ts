import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as Minio from 'minio';
import { PermanentJobError } from './reporter.js';
import type { JobInput } from './queue.js';

/** Sample rate whisper takes; ffmpeg converts every input to it. */
export const SAMPLE_RATE = 16_000;

/** S3 access, named as in the control plane's configuration. */
export interface S3Options {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  forcePathStyle: boolean;
}

/** A MinIO client for any S3-compatible store. */
export function createS3Client(o: S3Options): Minio.Client {
  const url = new URL(o.endpoint);
  return new Minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    useSSL: url.protocol === 'https:',
    accessKey: o.accessKey,
    secretKey: o.secretKey,
    region: o.region,
    pathStyle: o.forcePathStyle,
  });
}

/** One input, ready for whisper. */
export interface DecodedAudio {
  wavPath: string;
  durationMs: number;
}

/**
 * Downloads an input's object into `dir` and converts it to a 16 kHz mono s16le WAV. A missing object
 * or a file ffmpeg cannot decode is a PermanentJobError; S3 being unreachable is not.
 */
export async function decodeInput(s3: Minio.Client, input: JobInput, dir: string, name: string, signal?: AbortSignal): Promise<DecodedAudio> {
  const source = join(dir, `${name}.src`);
  const wavPath = join(dir, `${name}.wav`);
  // A file, not ffmpeg's stdin: an MP4 whose moov atom comes last cannot be demuxed from a pipe.
  try {
    await pipeline(await s3.getObject(input.bucket, input.objectKey), createWriteStream(source), { signal });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'NoSuchKey' || code === 'NotFound') throw new PermanentJobError(`recording object ${input.objectKey} not found in bucket ${input.bucket}`);
    if (code === 'NoSuchBucket') throw new PermanentJobError(`bucket ${input.bucket} does not exist (recording object ${input.objectKey})`);
    throw err;
  }
  try {
    await ffmpegToWav(source, wavPath, input.objectKey, signal);
  } finally {
    await rm(source, { force: true });
  }
  const samples = await wavSampleCount(wavPath);
  if (samples === 0) throw new PermanentJobError(`ffmpeg could not decode ${input.objectKey}: no audio samples`);
  return { wavPath, durationMs: Math.round((samples / SAMPLE_RATE) * 1000) };
}

function ffmpegToWav(source: string, wavPath: string, objectKey: string, signal?: AbortSignal): Promise<void> {
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', source, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-c:a', 'pcm_s16le', '-f', 'wav', wavPath];
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    ff.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    ff.on('error', (err) => reject(signal?.aborted ? (signal.reason as Error) : new Error(`could not run ffmpeg: ${err.message}`)));
    ff.on('close', (code) => {
      if (code === 0) return resolve();
      if (signal?.aborted) return reject(signal.reason as Error);
      const last = stderr.trim().split('\n').pop()?.trim() || `exit code ${code}`;
      reject(new PermanentJobError(`ffmpeg could not decode ${objectKey}: ${last}`));
    });
  });
}

/** Samples in a PCM16 mono WAV, from its data chunk's size (ffmpeg may add a LIST chunk first). */
export async function wavSampleCount(path: string): Promise<number> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(size, 4096));
    await file.read(head, 0, head.length, 0);
    let at = 12;
    while (at + 8 <= head.length) {
      const id = head.toString('ascii', at, at + 4);
      const length = head.readUInt32LE(at + 4);
      if (id === 'data') return Math.floor(Math.min(length, size - at - 8) / 2);
      at += 8 + length + (length % 2);
    }
    return 0;
  } finally {
    await file.close();
  }
}
