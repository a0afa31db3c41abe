import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { WhisperSegment } from './segments.js';

/** What whisper made of one audio file. */
export interface FileTranscription {
  /** The language whisper transcribed in (requested, or detected when none was). */
  language: string;
  durationSeconds: number;
  segments: WhisperSegment[];
}

/** Per-request options. */
export interface TranscribeOptions {
  /** Whisper's language code ("en"), or null to detect it. */
  language: string | null;
  /** Called with 0..1 as whisper works through the file. */
  onProgress?: (fraction: number) => void;
  /** Aborting cancels the request in the worker and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The speech-to-text side of a job; the real one is a faster-whisper child process. */
export interface FileEngine {
  transcribeFile(path: string, options: TranscribeOptions): Promise<FileTranscription>;
}

/** Thrown when the worker process is not running or dies under a request (a transient failure). */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}

/** How to start the worker. */
export interface WhisperFileEngineOptions {
  python: string;
  modelDir: string;
  device: 'auto' | 'cpu' | 'cuda';
  computeType?: string;
  threads: number;
  logger: Logger;
  /** How long model loading may take. */
  startTimeoutMs?: number;
  /** Delay before a dead worker is started again (doubles up to 30 s while it keeps dying). */
  restartDelayMs?: number;
}

interface Pending {
  resolve(result: FileTranscription): void;
  reject(error: Error): void;
  onProgress?: (fraction: number) => void;
}

interface WorkerLine {
  ready?: boolean;
  model?: string;
  device?: string;
  computeType?: string;
  id?: number | null;
  progress?: number;
  error?: string;
  language?: string;
  durationSeconds?: number;
  segments?: WhisperSegment[];
}

const SCRIPT = fileURLToPath(new URL('../python/transcribe_worker.py', import.meta.url));

/**
 * faster-whisper in one long-lived Python process: the model loads once, requests run one at a time
 * in the order sent. A dead worker fails its pending requests and is restarted with a backoff.
 */
export class WhisperFileEngine implements FileEngine {
  private child?: ChildProcessWithoutNullStreams;
  private ready = false;
  private stopping = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private restartDelayMs: number;
  private restartTimer?: NodeJS.Timeout;
  /** What the worker reported when it became ready. */
  info: { model: string; device: string; computeType: string } = { model: '', device: '', computeType: '' };

  constructor(private readonly opts: WhisperFileEngineOptions) {
    this.restartDelayMs = opts.restartDelayMs ?? 1000;
  }

  /** Spawns the worker and resolves once its model is loaded. */
  start(): Promise<void> {
    this.stopping = false;
    const args = [SCRIPT, '--model-dir', this.opts.modelDir, '--device', this.opts.device, '--threads', String(this.opts.threads)];
    if (this.opts.computeType) args.push('--compute-type', this.opts.computeType);
    const child = spawn(this.opts.python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    const log = this.opts.logger;
    createInterface({ input: child.stderr }).on('line', (line) => log.debug({ worker: child.pid }, line));
    child.stdin.on('error', () => undefined); // a dead worker is handled by 'exit'
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`whisper worker did not load ${this.opts.modelDir} within ${this.opts.startTimeoutMs ?? 120_000} ms`));
      }, this.opts.startTimeoutMs ?? 120_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        let msg: WorkerLine;
        try {
          msg = JSON.parse(line) as WorkerLine;
        } catch {
          log.warn({ line }, 'whisper worker wrote a non-JSON line');
          return;
        }
        if (msg.ready) {
          clearTimeout(timer);
          this.ready = true;
          this.restartDelayMs = this.opts.restartDelayMs ?? 1000;
          this.info = { model: msg.model ?? '', device: msg.device ?? '', computeType: msg.computeType ?? '' };
          log.info({ pid: child.pid, ...this.info }, 'whisper worker ready');
          resolve();
        } else this.onMessage(msg);
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${this.opts.python}: ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) this.onExit(code, signal);
        reject(new Error(`whisper worker exited (${signal ?? code}) before it was ready; is ${this.opts.modelDir} a whisper model?`));
      });
    });
  }

  /** True while the worker is loaded and running. */
  healthy(): boolean {
    return this.ready && !this.stopping;
  }

  /** Transcribes a 16 kHz mono WAV file. */
  transcribeFile(path: string, options: TranscribeOptions): Promise<FileTranscription> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (!this.child || !this.ready) return Promise.reject(new EngineUnavailableError('the whisper worker is not running'));
    const id = this.nextId++;
    return new Promise<FileTranscription>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        this.write({ op: 'cancel', id });
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
        onProgress: options.onProgress,
      });
      this.write({ id, op: 'transcribe_file', path, language: options.language });
    });
  }

  /** Closes the worker's stdin (it exits) and waits for it, killing it after a grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private write(message: object): void {
    this.child?.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private onMessage(msg: WorkerLine): void {
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p) {
      // A cancelled request's answer arrives after its promise was already rejected.
      if (msg.error && msg.error !== 'cancelled') this.opts.logger.warn({ error: msg.error }, 'whisper worker error without a pending request');
      return;
    }
    if (msg.progress !== undefined && msg.error === undefined && msg.segments === undefined) {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id as number);
    if (msg.error !== undefined) p.reject(new Error(`whisper: ${msg.error}`));
    else p.resolve({ language: msg.language ?? 'en', durationSeconds: msg.durationSeconds ?? 0, segments: msg.segments ?? [] });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.ready = false;
    this.child = undefined;
    const error = new EngineUnavailableError(`the whisper worker exited (${signal ?? `code ${code}`}) during the transcription`);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    if (this.stopping) return;
    this.opts.logger.error({ code, signal, retryInMs: this.restartDelayMs }, 'whisper worker died; restarting it');
    this.restartTimer = setTimeout(() => {
      this.start().catch((err: unknown) => this.opts.logger.error({ err }, 'whisper worker restart failed'));
    }, this.restartDelayMs);
    this.restartDelayMs = Math.min(30_000, this.restartDelayMs * 2);
  }
}
