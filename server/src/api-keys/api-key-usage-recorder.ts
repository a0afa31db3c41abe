import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ApiKeysStore, UsageCount } from './api-keys-store.js';

/**
 * Counts requests per stored key, UTC day and status class in memory, and adds them to Postgres in
 * one statement per batch (every `flushIntervalMs`, and on stop), so counting costs a request no
 * database round trip. A batch that fails to write is kept for the next one. The bootstrap key
 * (API_SECRET) has no row and is not counted.
 */
export class ApiKeyUsageRecorder {
  private counts = new Map<string, UsageCount>();
  private lastUsed = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly store: Pick<ApiKeysStore, 'addUsage'>,
    private readonly opts: { flushIntervalMs: number },
    private readonly logger: Logger,
  ) {}

  /**
   * Counts each response once it is sent, under the key that authenticated it. Installed ahead of
   * every route, it reads `req.principal` only at the end, so a key's refusals (403 for a missing
   * scope, 429, 400) count too; a request no key authenticated is not counted.
   */
  readonly middleware: RequestHandler = (req, res, next) => {
    res.once('finish', () => {
      const p = req.principal;
      if (p && !p.bootstrap) this.count(p.keyId, res.statusCode);
    });
    next();
  };

  /** Counts one response with `status` for `keyId`, at `at`. */
  count(keyId: string, status: number, at = new Date()): void {
    if (this.stopped) return;
    this.add({ keyId, day: at.toISOString().slice(0, 10), statusClass: `${Math.floor(status / 100)}xx`, count: 1 });
    this.touch(keyId, at);
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush(), this.opts.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes what has been counted so far; resolves once it is written (or kept for the next try). Never rejects. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  /** Stops the timer and writes what is left; later responses are not counted. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0) return;
    // Sorted, so that replicas writing side by side lock rows in the same order.
    const counts = [...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
    const lastUsed = [...this.lastUsed].sort(([a], [b]) => (a < b ? -1 : 1));
    this.counts = new Map();
    this.lastUsed = new Map();
    try {
      await this.store.addUsage(counts, lastUsed.map(([keyId, at]) => ({ keyId, at: at.toISOString() })));
    } catch (err) {
      // Kept, to be added with the next batch: a Postgres blip loses no counts.
      for (const c of counts) this.add(c);
      for (const [keyId, at] of lastUsed) this.touch(keyId, at);
      this.logger.warn({ err, batch: counts.length }, 'writing API key usage failed; keeping the counts for the next batch');
    }
  }

  private add(c: UsageCount): void {
    const id = `${c.keyId} ${c.day} ${c.statusClass}`;
    const known = this.counts.get(id);
    if (known) known.count += c.count;
    else this.counts.set(id, { ...c });
  }

  private touch(keyId: string, at: Date): void {
    const last = this.lastUsed.get(keyId);
    if (!last || last < at) this.lastUsed.set(keyId, at);
  }
}
