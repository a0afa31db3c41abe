import type { Logger } from 'pino';
import { ServiceUnavailableError } from '../http/errors.js';
import type { LiveTranscriptionService } from './live-transcription-service.js';

/**
 * Watches stt-live so that no session stays "active" after the sidecar lost it: every interval it
 * reconciles the active sessions with the sidecar's list; after `missesToFail` probes in a row that
 * get no answer, every active session is marked failed. Safe to run in every replica (updates are
 * conditional on the row still being active).
 */
export class LiveTranscriptionMonitor {
  private timer?: NodeJS.Timeout;
  private misses = 0;
  private running?: Promise<void>;

  constructor(
    private readonly service: LiveTranscriptionService,
    private readonly opts: { intervalMs: number; missesToFail?: number; graceMs?: number },
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One reconcile pass; exported for tests through `tick`. */
  async tick(): Promise<void> {
    try {
      const failed = await this.service.reconcile(this.opts.graceMs ?? 2 * this.opts.intervalMs);
      this.misses = 0;
      if (failed > 0) this.logger.warn({ failed }, 'stt-live lost live transcriptions; marked failed');
    } catch (err) {
      if (!(err instanceof ServiceUnavailableError)) {
        this.logger.warn({ err }, 'live transcription monitor: reconcile failed');
        return;
      }
      this.misses++;
      if (this.misses < (this.opts.missesToFail ?? 2)) return;
      try {
        const failed = await this.service.failAllActive(`the stt-live sidecar stopped answering: ${(err as Error).message}`);
        if (failed > 0) this.logger.warn({ failed, err }, 'stt-live is gone; marked its live transcriptions failed');
      } catch (dbErr) {
        this.logger.warn({ err: dbErr }, 'live transcription monitor could not reach Postgres');
      }
    }
  }
}
