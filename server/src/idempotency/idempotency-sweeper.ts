import type { Logger } from 'pino';
import type { IdempotencyStore } from './idempotency-store.js';

/** Rows deleted per statement, so that one sweep never holds a long transaction. */
const BATCH = 5000;

/**
 * Deletes expired idempotency keys every interval. Every replica runs one; a Postgres advisory lock
 * lets one of them sweep at a time. A missed sweep only delays the deletion: expired rows are
 * already ignored by replays and taken over by new claims, so nothing waits on it.
 */
export class IdempotencySweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly opts: { intervalSeconds: number },
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sweep(), this.opts.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep (what the timer runs); resolves to the rows deleted, 0 when another replica held the lock or Postgres was down. */
  sweep(): Promise<number> {
    this.running ??= this.deleteAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async deleteAll(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const { swept, deleted } = await this.store.deleteExpired(BATCH);
        total += deleted;
        if (!swept || deleted < BATCH) break;
      }
      if (total > 0) this.logger.info({ deleted: total }, 'expired idempotency keys deleted');
    } catch (err) {
      this.logger.warn({ err, deleted: total }, 'sweeping expired idempotency keys failed; the next sweep retries');
    }
    return total;
  }
}
