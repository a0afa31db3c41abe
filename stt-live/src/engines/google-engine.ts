/**
 * Google Cloud Speech-to-Text (v1 streaming) as a live engine. Credentials come from the standard
 * Google mechanisms (GOOGLE_APPLICATION_CREDENTIALS, workload identity) unless clientOptions say otherwise.
 */
import { v1 } from '@google-cloud/speech';
import type { EngineStream, SpeechEngine, StreamListener, StreamOptions } from './engine.js';
import { GoogleRecognizeStream, type GoogleStreamLogger } from './google-stream.js';

/** Options for the Google engine; all optional so production can pass `{}`. */
export interface GoogleSpeechEngineOptions {
  /** Passed to `new v1.SpeechClient()`; empty in production so the standard Google credentials apply. */
  clientOptions?: ConstructorParameters<typeof v1.SpeechClient>[0];
  /** Recognition model, e.g. "latest_long"; Google's default when unset. */
  model?: string;
  /** Audio/wall time after which a sub-stream is replaced; must stay under Google's 305 s limit. */
  streamLimitMs?: number;
  /** How long end() waits for Google's last results. */
  endTimeoutMs?: number;
  /** Backoff before each retry of a transient gRPC error (UNAVAILABLE and the like). */
  retryDelaysMs?: readonly number[];
  logger?: GoogleStreamLogger;
}

/** Default sub-stream length: 4 m 50 s, safely below Google's 305 s per-stream cap. */
export const GOOGLE_STREAM_LIMIT_MS = 290_000;

const silentLogger: GoogleStreamLogger = { debug: () => undefined, warn: () => undefined };

/** The Google Cloud Speech engine: one shared SpeechClient, one streaming call chain per participant. */
export class GoogleSpeechEngine implements SpeechEngine {
  readonly name = 'google';
  private client: v1.SpeechClient | undefined;
  private stopped = false;
  private readonly streams = new Set<GoogleRecognizeStream>();

  constructor(private readonly options: GoogleSpeechEngineOptions = {}) {}

  /** Creates the client; connecting and authenticating happen lazily on the first stream. */
  async start(): Promise<void> {
    if (this.client) return;
    this.client = new v1.SpeechClient(this.options.clientOptions);
    this.stopped = false;
  }

  /** Opens a recognition stream for one participant; throws if the engine is not started. */
  openStream(options: StreamOptions, listener: StreamListener): EngineStream {
    const client = this.client;
    if (!client || this.stopped) throw new Error('Google speech engine is not started');
    const stream: GoogleRecognizeStream = new GoogleRecognizeStream({
      client,
      options,
      listener,
      model: this.options.model,
      streamLimitMs: this.options.streamLimitMs ?? GOOGLE_STREAM_LIMIT_MS,
      endTimeoutMs: this.options.endTimeoutMs ?? 10_000,
      retryDelaysMs: this.options.retryDelaysMs ?? [500, 2_000],
      logger: this.options.logger ?? silentLogger,
      onClosed: () => this.streams.delete(stream),
    });
    this.streams.add(stream);
    return stream;
  }

  /** True between start() and stop(). */
  healthy(): boolean {
    return this.client !== undefined && !this.stopped;
  }

  /** Cancels open streams and closes the client's channel. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const stream of [...this.streams]) stream.abort();
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }
}
