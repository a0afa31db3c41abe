/**
 * One participant's live recognition on Google Cloud Speech v1. Google caps a streaming call at
 * ~305 s, so this runs a chain of gRPC sub-streams over one logical stream: each restart re-sends
 * the audio no final result has covered yet and shifts the new sub-stream's times by where it starts.
 */
import type { Duplex } from 'node:stream';
import type { v1, protos } from '@google-cloud/speech';
import type { Logger } from 'pino';
import type { EngineSegment, EngineStream, StreamListener, StreamOptions } from './engine.js';
import { ENGINE_SAMPLE_RATE } from './engine.js';
import {
  ChunkBatcher,
  SAMPLES_PER_MS,
  UnackedAudio,
  bufferSamples,
  durationToSamples,
  samplesToMs,
} from './google-stream-audio.js';

type StreamingResponse = protos.google.cloud.speech.v1.IStreamingRecognizeResponse;
type StreamingConfig = protos.google.cloud.speech.v1.IStreamingRecognitionConfig;

/** The logging a Google stream needs (a pino logger fits). */
export type GoogleStreamLogger = Pick<Logger, 'debug' | 'warn'>;

/** Everything one Google recognition stream is configured with. */
export interface GoogleStreamSettings {
  client: v1.SpeechClient;
  options: StreamOptions;
  listener: StreamListener;
  model?: string;
  streamLimitMs: number;
  endTimeoutMs: number;
  /** Backoff before each retry of a transient error; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  logger: GoogleStreamLogger;
  onClosed: () => void;
}

const CHUNK_MS = 100;
// Longest replay kept: audio with no final for this long is noise, and re-sending more would eat
// into the next sub-stream's own time limit.
const MAX_REPLAY_MS = 30_000;
const HEALTHY_AFTER_MS = 10_000;
const OUT_OF_RANGE = 11;
const RETRYABLE = new Set([4, 10, 13, 14]); // DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNAVAILABLE
const STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

interface SubStream {
  call: Duplex;
  /** Absolute sample position of this sub-stream's first audio; its result times count from here. */
  startSample: number;
  sentSamples: number;
  openedAt: number;
}

/** A gRPC error as gax surfaces it. */
interface GrpcError extends Error {
  code?: number | string;
  details?: string;
}

/** An EngineStream over a chain of Google StreamingRecognize calls. */
export class GoogleRecognizeStream implements EngineStream {
  private readonly batcher = new ChunkBatcher(CHUNK_MS);
  private readonly audio = new UnackedAudio();
  private current: SubStream | undefined;
  private state: 'open' | 'ending' | 'closed' = 'open';
  private lastFinalEndMs = 0;
  private failures = 0;
  private droppedSamples = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  private resolveEnd: (() => void) | undefined;
  private readonly limitSamples: number;
  private readonly maxReplaySamples: number;

  constructor(private readonly s: GoogleStreamSettings) {
    this.limitSamples = Math.max(1, Math.round(s.streamLimitMs * SAMPLES_PER_MS));
    this.maxReplaySamples = Math.round(Math.min(MAX_REPLAY_MS, s.streamLimitMs / 2) * SAMPLES_PER_MS);
  }

  /** Buffers audio and sends it in ~100 ms requests, restarting the sub-stream near its limit. */
  write(samples: Int16Array): void {
    if (this.state !== 'open') return;
    for (const chunk of this.batcher.push(samples)) this.send(chunk);
  }

  /** Half-closes, waits (bounded) for Google's last finals, then releases the stream. */
  end(): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    const tail = this.batcher.flush();
    if (tail) this.send(tail);
    this.state = 'ending';
    return new Promise<void>((resolve) => {
      this.resolveEnd = resolve;
      this.endTimer = setTimeout(() => {
        this.s.logger.warn({ timeoutMs: this.s.endTimeoutMs }, 'google speech: no end of stream in time');
        this.close();
      }, this.s.endTimeoutMs);
      this.halfClose();
    });
  }

  /** Cancels everything without waiting for results (engine shutdown). */
  abort(): void {
    this.close();
  }

  private send(chunk: Buffer): void {
    this.audio.append(chunk);
    this.droppedSamples += this.audio.cap(this.maxReplaySamples);
    if (this.retryTimer) return; // the retry re-sends it from the ring
    const sub = this.current;
    const chunkSamples = bufferSamples(chunk);
    if (sub && this.overLimit(sub, chunkSamples)) {
      this.s.logger.debug({ sentMs: samplesToMs(sub.sentSamples) }, 'google speech: restarting at stream limit');
      this.drop(sub);
    }
    if (!this.current) {
      this.open();
      return;
    }
    this.current.call.write(chunk);
    this.current.sentSamples += chunkSamples;
  }

  private overLimit(sub: SubStream, nextSamples: number): boolean {
    return sub.sentSamples + nextSamples > this.limitSamples || Date.now() - sub.openedAt >= this.s.streamLimitMs;
  }

  /** Opens a sub-stream and re-sends every unacknowledged chunk (which includes the newest). */
  private open(): void {
    const call = this.s.client.streamingRecognize(this.streamingConfig());
    const sub: SubStream = { call, startSample: this.audio.start, sentSamples: 0, openedAt: Date.now() };
    this.current = sub;
    if (this.droppedSamples > 0) {
      this.s.logger.warn({ droppedMs: samplesToMs(this.droppedSamples) }, 'google speech: replay too long, oldest audio not re-sent');
      this.droppedSamples = 0;
    }
    // Events of a sub-stream that was dropped (restarted) are ignored: its audio is being re-sent.
    call.on('data', (response: StreamingResponse) => this.current === sub && this.onResponse(sub, response));
    call.on('error', (err: GrpcError) => this.current === sub && this.onError(sub, err));
    call.on('end', () => this.current === sub && this.onServerEnd(sub));
    call.on('close', () => this.current === sub && this.onServerEnd(sub));
    for (const chunk of this.audio.pendingChunks()) {
      call.write(chunk);
      sub.sentSamples += bufferSamples(chunk);
    }
  }

  private streamingConfig(): StreamingConfig {
    const o = this.s.options;
    return {
      config: {
        encoding: 'LINEAR16',
        sampleRateHertz: ENGINE_SAMPLE_RATE,
        audioChannelCount: 1,
        languageCode: o.language,
        enableAutomaticPunctuation: o.punctuation,
        profanityFilter: o.profanityFilter,
        ...(this.s.model ? { model: this.s.model } : {}),
      },
      interimResults: o.partialResults,
      singleUtterance: false,
    };
  }

  private onResponse(sub: SubStream, response: StreamingResponse): void {
    this.failures = 0;
    const interim: string[] = [];
    let interimEnd = 0;
    let interimLanguage: string | undefined;
    for (const result of response.results ?? []) {
      // Google's times count from the sub-stream's first byte; never past what it was sent.
      const endSample = Math.min(sub.startSample + durationToSamples(result.resultEndTime), sub.startSample + sub.sentSamples);
      const raw = result.alternatives?.[0]?.transcript ?? '';
      const text = raw.trim();
      const language = result.languageCode || this.s.options.language;
      if (result.isFinal) {
        const endMs = Math.max(samplesToMs(endSample), this.lastFinalEndMs);
        if (text) this.emit({ text, startMs: this.lastFinalEndMs, endMs, final: true, language });
        this.lastFinalEndMs = endMs;
        this.audio.ack(endSample);
      } else if (text) {
        // Google splits one hypothesis into a stable head and unstable tails (which carry their own
        // leading space where the language uses one); a later interim replaces the whole hypothesis.
        interim.push(raw);
        interimEnd = Math.max(interimEnd, endSample);
        interimLanguage ??= language;
      }
    }
    if (interim.length > 0 && this.s.options.partialResults) {
      const endMs = Math.max(samplesToMs(interimEnd), this.lastFinalEndMs);
      this.emit({ text: interim.join('').trim(), startMs: this.lastFinalEndMs, endMs, final: false, language: interimLanguage ?? this.s.options.language });
    }
  }

  private emit(segment: EngineSegment): void {
    if (this.state !== 'closed') this.s.listener.onSegment(segment);
  }

  private onError(sub: SubStream, err: GrpcError): void {
    this.drop(sub);
    // A sub-stream that ran for a while proves the service is back; earlier failures don't count.
    if (Date.now() - sub.openedAt > HEALTHY_AFTER_MS) this.failures = 0;
    const code = typeof err.code === 'number' ? err.code : undefined;
    if (code === OUT_OF_RANGE) {
      // Google's duration or audio-timeout limit: start over; idle streams reopen on the next audio.
      this.s.logger.debug({ details: err.details ?? err.message }, 'google speech: stream out of range, restarting');
      if (this.state === 'ending') this.halfClose();
      return;
    }
    if (code !== undefined && RETRYABLE.has(code) && this.failures < this.s.retryDelaysMs.length) {
      const delay = this.s.retryDelaysMs[this.failures] ?? 0;
      this.failures += 1;
      this.s.logger.warn({ code: statusName(code), attempt: this.failures, delay }, 'google speech: transient error, retrying');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (this.state === 'ending') this.halfClose();
        else if (this.state === 'open' && this.audio.size > 0) this.open();
      }, delay);
      return;
    }
    const name = code === undefined ? String(err.code ?? 'UNKNOWN') : statusName(code);
    const error = new Error(`Google Speech stream failed: ${name}: ${err.details || err.message}`, { cause: err });
    this.close();
    this.s.listener.onError(error);
  }

  private onServerEnd(sub: SubStream): void {
    this.drop(sub);
    if (this.state === 'ending') this.close();
    // While open, a server-side end just means the next audio opens a fresh sub-stream.
  }

  /** Finishes input: half-closes the live sub-stream, or opens one just to flush unacked audio. */
  private halfClose(): void {
    if (this.retryTimer) return;
    if (!this.current) {
      if (this.audio.size === 0) {
        this.close();
        return;
      }
      this.open();
    }
    this.current?.call.end();
  }

  private drop(sub: SubStream): void {
    if (this.current === sub) this.current = undefined;
    sub.call.destroy();
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    clearTimeout(this.endTimer);
    if (this.current) this.drop(this.current);
    this.resolveEnd?.();
    this.s.onClosed();
  }
}

function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `code ${code}`;
}
