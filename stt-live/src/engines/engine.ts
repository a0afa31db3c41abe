/**
 * The one small interface every live speech engine implements (Google Cloud Speech, offline whisper,
 * and whatever plugs in next). The room agent opens one stream per participant, so an engine never
 * has to tell speakers apart.
 */

/** Options for one participant's recognition stream. */
export interface StreamOptions {
  /** BCP-47 language code, e.g. "en-US". */
  language: string;
  /** Emit interim (non-final) segments while the speaker is still talking. */
  partialResults: boolean;
  /** Ask the engine for punctuation and capitalisation. */
  punctuation: boolean;
  /** Ask the engine to mask profanity. */
  profanityFilter: boolean;
}

/** One piece of recognised speech. Times are milliseconds from the start of the stream's audio. */
export interface EngineSegment {
  text: string;
  startMs: number;
  endMs: number;
  /** False for interim hypotheses that a later segment replaces. */
  final: boolean;
  /** The language the engine reports (falls back to the requested one). */
  language: string;
}

/** Callbacks a stream reports through. */
export interface StreamListener {
  onSegment(segment: EngineSegment): void;
  /** A fatal stream error; the agent logs it and may reopen the stream. */
  onError(error: Error): void;
}

/** A live recognition stream fed with 16 kHz mono signed 16-bit PCM. */
export interface EngineStream {
  /** Push audio; never blocks. Samples are 16 kHz mono int16. */
  write(samples: Int16Array): void;
  /** Flush buffered audio, emit the last final segments, and release the stream. */
  end(): Promise<void>;
}

/** A speech engine: shared resources (a model, a client) plus a factory for streams. */
export interface SpeechEngine {
  readonly name: string;
  /** Load models or connect; resolves when streams can be opened. */
  start(): Promise<void>;
  openStream(options: StreamOptions, listener: StreamListener): EngineStream;
  /** True while the engine can take streams (a dead worker process makes it false). */
  healthy(): boolean;
  /** Audio transcribed so far and the time spent on it, for the real-time factor (local engines). */
  stats?(): EngineStats;
  stop(): Promise<void>;
}

/** Cumulative work of an engine. */
export interface EngineStats {
  audioSeconds: number;
  busySeconds: number;
}

/** Audio format every engine receives. */
export const ENGINE_SAMPLE_RATE = 16_000;
