/**
 * Offline live transcription: faster-whisper in one Python child process shared by every stream.
 * Whisper transcribes whole windows, not a stream, so each stream segments its audio into utterances
 * (voice-activity.ts) and sends each finished one as a window; interim results re-send the ongoing
 * utterance, but only while the worker is idle.
 */

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ENGINE_SAMPLE_RATE, type EngineStats, type EngineStream, type SpeechEngine, type StreamListener, type StreamOptions } from './engine.js';
import { VoiceActivitySegmenter, type Utterance, type VoiceActivityOptions } from './voice-activity.js';
import { WhisperWorker, type EngineLogger, type WorkerReady, type WorkerTranscript } from './whisper-worker.js';

export type { EngineLogger } from './whisper-worker.js';

/** The worker script; `../../python` from both src/engines (tsx) and dist/engines (tsc). */
export const DEFAULT_WORKER_SCRIPT = fileURLToPath(new URL('../../python/whisper_worker.py', import.meta.url));

/** Construction options of {@link WhisperEngine}. */
export interface WhisperEngineOptions {
  /** The Python that has faster-whisper (scripts/install-whisper: $WHISPER_PY). */
  pythonPath: string;
  workerScript?: string;
  /** A CTranslate2 whisper folder (model.bin, config.json, tokenizer.json). */
  modelDir: string;
  device?: 'auto' | 'cpu' | 'cuda';
  /** CPU threads for one transcription (default: the CPU count, at most 4). */
  threads?: number;
  logger?: EngineLogger;
  /** Segmentation tunables (defaults: 500 ms pause, 5 s maximum window). */
  voiceActivity?: Partial<VoiceActivityOptions>;
  /** Interim results are re-sent after this much more speech (default 1500 ms). */
  partialIntervalMs?: number;
}

/** Whisper's code for a BCP-47 tag ("en-US" -> "en"); null means detect. */
export function whisperLanguage(tag: string, ready: Pick<WorkerReady, 'multilingual' | 'languages'>): string | null {
  if (!ready.multilingual) return 'en';
  const primary = tag.split(/[-_]/)[0]?.toLowerCase() ?? '';
  return ready.languages.includes(primary) ? primary : null;
}

/** First wait before a dead worker is started again; it doubles on each failure, up to the cap. */
const RESTART_DELAY_MS = 1000;
const RESTART_DELAY_MAX_MS = 30_000;

/**
 * The faster-whisper engine: one worker process, one model, any number of streams. A worker that
 * dies fails the streams it was serving (their sessions end as failed) and is started again with
 * capped exponential backoff, as stt-post's engine does, so the sidecar heals without a restart.
 */
export class WhisperEngine implements SpeechEngine {
  readonly name = 'whisper';
  private worker: WhisperWorker | null = null;
  private ready: WorkerReady | null = null;
  private readonly streams = new Set<WhisperStream>();
  private started = false;
  private stopped = false;
  private restartDelayMs = RESTART_DELAY_MS;
  private restartTimer?: NodeJS.Timeout;

  constructor(private readonly options: WhisperEngineOptions) {}

  /** Spawns the worker and waits for its model to load. */
  async start(): Promise<void> {
    if (this.started) throw new Error('whisper engine already started');
    this.started = true;
    await this.spawnWorker();
  }

  /** The running worker's process id (undefined while it is down). */
  get workerPid(): number | undefined {
    return this.worker?.pid;
  }

  private async spawnWorker(): Promise<void> {
    // CTranslate2 gains little from more than 4 threads on one small model; more would only contend.
    const { pythonPath, workerScript = DEFAULT_WORKER_SCRIPT, modelDir, device = 'auto', logger } = this.options;
    const threads = this.options.threads ?? Math.min(4, availableParallelism());
    const args = [workerScript, '--model-dir', modelDir, '--device', device, '--threads', String(threads)];
    const worker = new WhisperWorker(pythonPath, args, logger);
    this.worker = worker;
    this.ready = null;
    worker.onExit((error) => {
      logger?.error(`whisper engine: ${error.message}`);
      for (const stream of this.streams) stream.fail(error);
      this.scheduleRestart();
    });
    this.ready = await worker.start();
    this.restartDelayMs = RESTART_DELAY_MS;
    logger?.info(`whisper engine: ${this.ready.model} ready on ${this.ready.device} (pid ${worker.pid})`);
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(RESTART_DELAY_MAX_MS, delay * 2);
    this.options.logger?.warn(`whisper engine: starting the worker again in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      // A worker that dies while loading calls onExit again, which schedules the next try.
      this.spawnWorker().catch((err: unknown) => this.options.logger?.error(`whisper engine: restart failed: ${(err as Error).message}`));
    }, delay);
    this.restartTimer.unref();
  }

  /** Opens a stream; throws unless the engine is started and healthy. */
  openStream(options: StreamOptions, listener: StreamListener): EngineStream {
    if (!this.worker || !this.ready || !this.healthy()) throw new Error('whisper engine is not running');
    const language = whisperLanguage(options.language, this.ready);
    if (language === null) this.options.logger?.warn(`whisper engine: no whisper language for "${options.language}", detecting it`);
    const stream = new WhisperStream(this.worker, language, options, listener, this.options, () => this.streams.delete(stream));
    this.streams.add(stream);
    return stream;
  }

  /** Seconds of audio windows transcribed and the worker's seconds spent on them (partials included). */
  stats(): EngineStats {
    return { ...(this.worker?.stats ?? { audioSeconds: 0, busySeconds: 0 }) };
  }

  /** False before start() and once the worker died. */
  healthy(): boolean {
    return this.ready !== null && this.worker?.alive === true;
  }

  /** Kills the worker (and stops restarting it); open streams get no further segments. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.streams.clear();
    await this.worker?.stop();
  }
}

class WhisperStream implements EngineStream {
  private readonly segmenter: VoiceActivitySegmenter;
  private readonly partialSamples: number;
  private finals: Promise<void> = Promise.resolve();
  private utterances = 0;
  private lastPartialAt = 0;
  private lastCut = -1;
  private lastFinal = { index: -1, text: '' };
  private ending: Promise<void> | null = null;
  private failed = false;
  private readonly logger: EngineLogger | undefined;

  constructor(
    private readonly worker: WhisperWorker,
    private readonly language: string | null,
    private readonly options: StreamOptions,
    private readonly listener: StreamListener,
    engineOptions: WhisperEngineOptions,
    private readonly onClose: () => void,
  ) {
    this.segmenter = new VoiceActivitySegmenter(engineOptions.voiceActivity);
    this.logger = engineOptions.logger;
    this.partialSamples = ((engineOptions.partialIntervalMs ?? 1_500) * ENGINE_SAMPLE_RATE) / 1000;
  }

  write(samples: Int16Array): void {
    if (this.ending || this.failed) return;
    for (const utterance of this.segmenter.push(samples)) this.final(utterance);
    if (this.options.partialResults) this.partial();
  }

  end(): Promise<void> {
    if (!this.ending) {
      const last = this.failed ? null : this.segmenter.flush();
      if (last) this.final(last);
      this.ending = this.finals.then(() => this.onClose());
    }
    return this.ending;
  }

  /** The worker died: reported once, and the stream takes no more audio. */
  fail(error: Error): void {
    if (this.failed || this.ending) return;
    this.failed = true;
    this.listener.onError(error);
  }

  private final(utterance: Utterance): void {
    const index = this.utterances++;
    this.lastPartialAt = 0;
    // A window cut mid-sentence continues in the next one: the cut text, as prompt, keeps whisper on track.
    const prompt = this.lastCut === index - 1 && this.lastFinal.index === index - 1 ? this.lastFinal.text : undefined;
    if (utterance.cut) this.lastCut = index;
    const job = this.worker.transcribe({ samples: utterance.samples, language: this.language, prompt });
    this.finals = this.finals.then(() =>
      job.then(
        (result) => {
          this.lastFinal = { index, text: result.text };
          this.emit(result, utterance, true);
        },
        (error: Error) => this.dropped(error),
      ),
    );
  }

  private partial(): void {
    const pending = this.segmenter.pending();
    if (!pending || pending.samples.length - this.lastPartialAt < this.partialSamples) return;
    // Only an idle worker takes an interim window, so finals never wait behind one.
    const job = this.worker.tryTranscribe({ samples: pending.samples, language: this.language });
    if (!job) return;
    this.lastPartialAt = pending.samples.length;
    const index = this.utterances;
    void job.then(
      (result) => {
        // Stale once the utterance has gone final (its final is queued or already emitted).
        if (index === this.utterances && !this.ending && !this.failed) this.emit(result, pending, false);
      },
      (error: Error) => this.dropped(error),
    );
  }

  private emit(result: WorkerTranscript, utterance: Utterance, final: boolean): void {
    const text = result.text.trim();
    if (!text || this.failed) return;
    const startMs = Math.round((utterance.startSample * 1000) / ENGINE_SAMPLE_RATE);
    const endMs = Math.round((utterance.endSample * 1000) / ENGINE_SAMPLE_RATE);
    // Report the requested tag ("en-US") when whisper heard that language, its own code otherwise.
    const requested = this.options.language;
    const language = requested.toLowerCase().split(/[-_]/)[0] === result.language ? requested : result.language;
    this.listener.onSegment({ text, startMs, endMs, final, language });
  }

  private dropped(error: Error): void {
    // A dead worker is reported through fail(); a single bad window only costs its text.
    if (this.worker.alive) this.logger?.warn(`whisper engine: window dropped: ${error.message}`);
  }
}
