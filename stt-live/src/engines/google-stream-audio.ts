/**
 * Audio bookkeeping for the Google Cloud Speech engine: batching small writes into request-sized
 * chunks, and keeping the audio Google has not finalised yet so a restarted stream can re-send it.
 * Positions are absolute sample counts from the start of one participant's stream.
 */
import { ENGINE_SAMPLE_RATE } from './engine.js';

/** Samples of engine audio per millisecond (16 at 16 kHz). */
export const SAMPLES_PER_MS = ENGINE_SAMPLE_RATE / 1000;

const BYTES_PER_SAMPLE = 2;

/** Converts a sample count to whole milliseconds. */
export function samplesToMs(samples: number): number {
  return Math.round(samples / SAMPLES_PER_MS);
}

/** Number of int16 samples in a LINEAR16 buffer. */
export function bufferSamples(buffer: Buffer): number {
  return buffer.byteLength / BYTES_PER_SAMPLE;
}

/** A protobuf Duration as gax hands it over (int64 seconds arrive as strings or Longs). */
export interface DurationLike {
  seconds?: unknown;
  nanos?: number | null;
}

/** Converts a protobuf Duration (e.g. a result's resultEndTime) to a sample count. */
export function durationToSamples(duration: DurationLike | null | undefined): number {
  if (!duration) return 0;
  const seconds = Number(duration.seconds ?? 0);
  const nanos = Number(duration.nanos ?? 0);
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) return 0;
  return Math.max(0, Math.round(seconds * ENGINE_SAMPLE_RATE + (nanos * ENGINE_SAMPLE_RATE) / 1e9));
}

/** Collects small writes into fixed-size chunks so each gRPC request carries ~chunkMs of audio. */
export class ChunkBatcher {
  private readonly chunkBytes: number;
  private pending: Buffer;
  private filled = 0;

  constructor(chunkMs: number) {
    this.chunkBytes = Math.max(1, Math.round(chunkMs * SAMPLES_PER_MS)) * BYTES_PER_SAMPLE;
    this.pending = Buffer.alloc(this.chunkBytes);
  }

  /** Adds samples; returns every chunk that is now full (copies, so the caller may reuse its array). */
  push(samples: Int16Array): Buffer[] {
    // LINEAR16 is little-endian, which is what Int16Array holds on every platform Node targets.
    const input = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    const out: Buffer[] = [];
    let read = 0;
    while (read < input.byteLength) {
      const n = Math.min(this.chunkBytes - this.filled, input.byteLength - read);
      input.copy(this.pending, this.filled, read, read + n);
      this.filled += n;
      read += n;
      if (this.filled === this.chunkBytes) {
        out.push(this.pending);
        this.pending = Buffer.alloc(this.chunkBytes);
        this.filled = 0;
      }
    }
    return out;
  }

  /** Returns the partly filled chunk, if any, and empties the batcher. */
  flush(): Buffer | undefined {
    if (this.filled === 0) return undefined;
    const tail = this.pending.subarray(0, this.filled);
    this.pending = Buffer.alloc(this.chunkBytes);
    this.filled = 0;
    return tail;
  }
}

/** Audio sent to Google that no final result covers yet: what a new stream must start with. */
export class UnackedAudio {
  private chunks: Buffer[] = [];
  private startSample = 0;
  private endSample = 0;

  /** Absolute position of the first unacknowledged sample. */
  get start(): number {
    return this.startSample;
  }

  /** Absolute position just past the last sample appended. */
  get end(): number {
    return this.endSample;
  }

  /** Samples held. */
  get size(): number {
    return this.endSample - this.startSample;
  }

  /** Appends a chunk that is (about to be) sent. */
  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.endSample += bufferSamples(chunk);
  }

  /** Drops audio before `position` (a final result's end); never moves backwards. */
  ack(position: number): void {
    const target = Math.min(Math.max(position, this.startSample), this.endSample);
    let drop = target - this.startSample;
    while (drop > 0) {
      const head = this.chunks[0];
      if (!head) break;
      const headSamples = bufferSamples(head);
      if (headSamples <= drop) {
        this.chunks.shift();
        drop -= headSamples;
      } else {
        this.chunks[0] = head.subarray(drop * BYTES_PER_SAMPLE);
        drop = 0;
      }
    }
    this.startSample = target;
  }

  /** Keeps at most `maxSamples` (the newest); returns how many were dropped. */
  cap(maxSamples: number): number {
    const excess = this.size - maxSamples;
    if (excess <= 0) return 0;
    this.ack(this.startSample + excess);
    return excess;
  }

  /** The held chunks, oldest first, for re-sending. */
  pendingChunks(): readonly Buffer[] {
    return this.chunks;
  }
}
