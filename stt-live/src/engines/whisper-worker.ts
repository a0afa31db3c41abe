/**
 * The Python child process behind {@link WhisperEngine} (python/whisper_worker.py): one process, one
 * model, one transcription at a time. Requests wait here rather than in the pipe, so that a final
 * window is never queued behind interim ones: interim requests only go out when nothing waits.
 */

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Minimal logger the engine and worker report through (pino's methods fit). */
export interface EngineLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What the worker reports once its model is loaded. */
export interface WorkerReady {
  model: string;
  device: string;
  multilingual: boolean;
  /** Whisper language codes the model knows ("en" alone for an English-only model). */
  languages: string[];
}

/** One transcribed window, as the worker answers it. */
export interface WorkerTranscript {
  text: string;
  language: string;
  segments: { start: number; end: number; text: string }[];
  audioSeconds: number;
  elapsedSeconds: number;
}

/** One window to transcribe: 16 kHz int16 audio, a whisper language code (null: detect), context text. */
export interface WorkerRequest {
  samples: Int16Array;
  language: string | null;
  prompt?: string;
}

interface Job {
  id: number;
  line: string;
  resolve(result: WorkerTranscript): void;
  reject(error: Error): void;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 2_000;

/** A spawned whisper_worker.py and its request queue. */
export class WhisperWorker {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly queue: Job[] = [];
  private readonly inFlight = new Map<number, Job>();
  private nextId = 1;
  private exited = false;
  private exitListeners: ((error: Error) => void)[] = [];

  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly logger?: EngineLogger,
  ) {}

  /** Spawns the process; resolves when the model is loaded and warmed up. */
  start(): Promise<WorkerReady> {
    const child = spawn(this.command, this.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    createInterface({ input: child.stderr }).on('line', (line) => this.logger?.info(`whisper worker: ${line}`));
    const lines = createInterface({ input: child.stdout });
    return new Promise<WorkerReady>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`whisper worker not ready after ${READY_TIMEOUT_MS / 1000}s`));
        child.kill('SIGKILL');
      }, READY_TIMEOUT_MS);
      let ready = false;
      lines.on('line', (line) => {
        if (ready) return this.answer(line);
        const message = parse(line);
        if (message?.ready !== true) return this.logger?.warn(`whisper worker: unexpected output ${line.slice(0, 200)}`);
        ready = true;
        clearTimeout(timer);
        const languages = Array.isArray(message.languages) ? message.languages.map(String) : ['en'];
        resolve({ model: String(message.model), device: String(message.device), multilingual: message.multilingual === true, languages });
      });
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (!ready) reject(error);
        this.died(error);
      };
      child.on('error', (error) => fail(new Error(`whisper worker could not start: ${error.message}`)));
      child.on('exit', (code, signal) => fail(new Error(`whisper worker exited (${signal ?? `code ${code}`})`)));
      child.stdin.on('error', () => {}); // EPIPE after a crash: reported by 'exit'.
    });
  }

  /** The process id while it runs (for logs, and to find the process). */
  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.child !== null && !this.exited;
  }

  /** Audio transcribed so far and the worker's time spent on it (its own clock). */
  readonly stats = { audioSeconds: 0, busySeconds: 0 };

  /** True while a request is being transcribed or waits. */
  get busy(): boolean {
    return this.inFlight.size > 0 || this.queue.length > 0;
  }

  /** Called once if the process dies (not after stop()). */
  onExit(listener: (error: Error) => void): void {
    this.exitListeners.push(listener);
  }

  /** Queues a window; resolves with its transcript, rejects on a worker error or death. */
  transcribe(request: WorkerRequest): Promise<WorkerTranscript> {
    if (!this.alive) return Promise.reject(new Error('whisper worker is not running'));
    const id = this.nextId++;
    const pcm = Buffer.from(request.samples.buffer, request.samples.byteOffset, request.samples.byteLength);
    const line = JSON.stringify({ id, op: 'transcribe', pcm: pcm.toString('base64'), language: request.language, prompt: request.prompt ?? null });
    return new Promise<WorkerTranscript>((resolve, reject) => {
      this.queue.push({ id, line: `${line}\n`, resolve, reject });
      this.pump();
    });
  }

  /** Like transcribe, but only when the worker is idle; null (nothing sent) otherwise. */
  tryTranscribe(request: WorkerRequest): Promise<WorkerTranscript> | null {
    return this.busy || !this.alive ? null : this.transcribe(request);
  }

  /** Kills the process; pending requests reject. */
  async stop(): Promise<void> {
    const child = this.child;
    this.exitListeners = [];
    if (!child || this.exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await gone;
    clearTimeout(timer);
  }

  private pump(): void {
    if (this.inFlight.size > 0 || !this.child || this.exited) return;
    const job = this.queue.shift();
    if (!job) return;
    this.inFlight.set(job.id, job);
    this.child.stdin.write(job.line);
  }

  private answer(line: string): void {
    const message = parse(line);
    const id = typeof message?.id === 'number' ? message.id : null;
    const job = id === null ? undefined : this.inFlight.get(id);
    if (!message || !job || id === null) {
      this.logger?.warn(`whisper worker: unmatched output ${line.slice(0, 200)}`);
      return;
    }
    this.inFlight.delete(id);
    if (typeof message.error === 'string') job.reject(new Error(`whisper worker: ${message.error}`));
    else {
      const transcript = message as unknown as WorkerTranscript;
      this.stats.audioSeconds += transcript.audioSeconds ?? 0;
      this.stats.busySeconds += transcript.elapsedSeconds ?? 0;
      job.resolve(transcript);
    }
    this.pump();
  }

  private died(error: Error): void {
    if (this.exited) return;
    this.exited = true;
    const pending = [...this.inFlight.values(), ...this.queue];
    this.inFlight.clear();
    this.queue.length = 0;
    for (const job of pending) job.reject(error);
    for (const listener of this.exitListeners) listener(error);
  }
}

function parse(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
