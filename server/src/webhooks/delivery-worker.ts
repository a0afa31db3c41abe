import pg from 'pg';
import type { Logger } from 'pino';
import { destinationProblem } from './destination-guard.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook } from './signature.js';
import type { ClaimedDelivery, RecordedAttempt, WebhooksStore } from './webhooks-store.js';

/** How deliveries are attempted and retried. */
export interface DeliveryOptions {
  databaseUrl: string;
  allowPrivate: boolean;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  disableAfter: number;
  concurrency: number;
  pollMs: number;
  /** Called after every attempt, e.g. to feed a latency histogram. */
  onAttempt?: AttemptListener;
}

/** What one HTTP attempt gave. */
export interface AttemptResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** Capped exponential backoff with jitter: the n-th retry waits between half and all of min(cap, base·2^(n−1)). */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** POSTs a signed body to a URL once, bounded by a timeout; never throws. */
export async function attemptDelivery(
  url: string,
  secret: string,
  event: { id: string; type: string; deliveryId: string; body: string },
  opts: { timeoutMs: number; allowPrivate: boolean },
): Promise<AttemptResult> {
  const start = performance.now();
  const problem = await destinationProblem(url, opts.allowPrivate);
  if (problem) return { statusCode: null, latencyMs: 0, error: `destination refused: ${problem}` };
  try {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'rtcstack-webhooks/1',
        [SIGNATURE_HEADER]: signWebhook(secret, event.body),
        [EVENT_ID_HEADER]: event.id,
        'X-Rtcstack-Event-Type': event.type,
        'X-Rtcstack-Delivery-Id': event.deliveryId,
      },
      body: event.body,
    });
    await res.body?.cancel();
    return { statusCode: res.status, latencyMs: Math.round(performance.now() - start), error: res.ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const error = e.name === 'TimeoutError' ? `timed out after ${opts.timeoutMs} ms` : (e.cause?.code ?? e.message);
    return { statusCode: null, latencyMs: Math.round(performance.now() - start), error };
  }
}

/** Where an attempt left its delivery: delivered, to be retried later, or given up. */
export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed';

/** Hears of every attempt the worker makes (for metrics); it must not throw and must be quick. */
export type AttemptListener = (latencyMs: number, outcome: AttemptOutcome, detail: { sinceQueuedMs: number; statusCode: number | null }) => void;

/** The most attempts recorded in one statement. */
const MAX_RECORD_BATCH = 500;

/**
 * Sends the outbox through a sliding window: up to `concurrency` deliveries are in flight, and
 * whenever a quarter of the window is free it claims more (SKIP LOCKED, so replicas share the
 * work) rather than waiting for a whole batch to finish, so one slow receiver does not hold up the
 * rest. Each delivery is signed and POSTed; 5xx and network errors are retried with backoff, 4xx
 * are not. Finished attempts are recorded together, one statement for all those that finished
 * while the previous one ran. Until its attempt is recorded a delivery stays claimed under its
 * lease, so a crash in between means one more attempt later (at-least-once), never a lost event.
 * Woken at once by NOTIFY when deliveries are queued, and polls as a fallback (retries fall due
 * without a NOTIFY).
 */
export class DeliveryWorker {
  private running = false;
  private listener?: pg.Client;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Raised by NOTIFY and by each poll: due deliveries may be waiting unclaimed. */
  private mayHaveDue = true;
  /** Counts wake-ups, so a claim can tell whether a NOTIFY came in while it ran. */
  private signals = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Claimed ahead of a free slot, so that a slot never waits for a claim's round trip. */
  private readonly ready: ClaimedDelivery[] = [];
  private readonly finished: RecordedAttempt[] = [];
  private recording?: Promise<void>;

  constructor(
    private readonly store: WebhooksStore,
    private readonly opts: DeliveryOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.mayHaveDue = true;
    try {
      this.listener = new pg.Client({ connectionString: this.opts.databaseUrl });
      this.listener.on('notification', () => this.signal());
      this.listener.on('error', (err) => this.logger.warn({ err }, 'webhook LISTEN connection failed; polling only'));
      await this.listener.connect();
      await this.listener.query('LISTEN rtcstack_webhook_deliveries');
    } catch (err) {
      this.logger.warn({ err }, 'webhook LISTEN unavailable; polling only');
    }
    this.loop = this.run();
  }

  /** Stops claiming, lets the deliveries in flight finish and records them. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    // What is claimed is sent (the ready ones start as slots free), then recorded.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    while (this.recording || this.finished.length > 0) await (this.recording ?? this.record());
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  private signal(): void {
    this.signals += 1;
    this.mayHaveDue = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const { concurrency, pollMs, timeoutMs } = this.opts;
    while (this.running) {
      const room = this.room();
      // Attempts waiting to be recorded hold their claims; while the database lags, claim no more.
      const backlogged = this.finished.length >= concurrency * 4;
      if (this.mayHaveDue && room >= this.refill() && !backlogged) {
        const want = Math.min(room, concurrency);
        const seen = this.signals;
        try {
          const claimed = await this.store.claimDue(want, timeoutMs * 3);
          if (claimed.length < want && this.signals === seen) this.mayHaveDue = false;
          this.ready.push(...claimed);
          this.fill();
          continue;
        } catch (err) {
          this.logger.warn({ err }, 'claiming webhook deliveries failed; retrying');
        }
      }
      if (!this.running) break;
      // Sleep until a slot frees, a NOTIFY or a recorded batch wakes us, or the poll comes round.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.mayHaveDue = true;
          resolve();
        }, pollMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /**
   * How many more deliveries this worker may claim: it holds up to two windows, one in flight and
   * one ready to start. The lease (three timeouts) covers a ready one's wait (at most one timeout,
   * the time for a slot to free) and its own attempt.
   */
  private room(): number {
    return this.opts.concurrency * 2 - this.inFlight.size - this.ready.length;
  }

  /** The least worth a claim's round trip: a quarter of the window. */
  private refill(): number {
    return Math.max(1, Math.floor(this.opts.concurrency / 4));
  }

  /** Starts ready deliveries while the window has free slots. */
  private fill(): void {
    while (this.inFlight.size < this.opts.concurrency && this.ready.length > 0) this.launch(this.ready.shift()!);
  }

  private launch(d: ClaimedDelivery): void {
    const started = performance.now();
    const p = this.deliver(d, started)
      .catch((err: unknown) => this.logger.warn({ err, deliveryId: d.id }, 'webhook delivery failed; its lease will bring it back'))
      .finally(() => {
        this.inFlight.delete(p);
        this.fill();
        if (this.room() >= this.refill()) this.wake?.();
      });
    this.inFlight.add(p);
  }

  private async deliver(d: ClaimedDelivery, started: number): Promise<void> {
    const result = await attemptDelivery(d.url, d.secret, { id: d.eventId, type: d.eventType, deliveryId: d.id, body: JSON.stringify(d.body) }, this.opts);
    const code = result.statusCode;
    let next: RecordedAttempt['next'];
    if (code !== null && code >= 200 && code < 300) next = { status: 'succeeded' };
    else if (code !== null && code >= 400 && code < 500 && code !== 408 && code !== 429) next = { status: 'failed' };
    else if (result.error?.startsWith('destination refused')) next = { status: 'failed' };
    else if (d.attempts >= this.opts.maxAttempts) next = { status: 'failed' };
    else next = { status: 'pending', retryInMs: retryDelayMs(d.attempts, this.opts.retryBaseMs, this.opts.retryMaxMs) };
    this.finished.push({ deliveryId: d.id, webhookId: d.webhookId, attempt: d.attempts, result, next });
    this.recording ??= this.record();
    try {
      this.opts.onAttempt?.(result.latencyMs, next.status === 'pending' ? 'retrying' : next.status, {
        sinceQueuedMs: d.queuedMs + (performance.now() - started),
        statusCode: code,
      });
    } catch (err) {
      this.logger.warn({ err }, 'webhook onAttempt listener threw');
    }
  }

  /**
   * Records what has finished, one statement at a time, until nothing is left. A batch that the
   * database refuses three times is left to its leases: those deliveries will be attempted again.
   */
  private async record(): Promise<void> {
    try {
      // Let the attempts finishing in this same turn of the event loop join the batch.
      await new Promise((r) => setImmediate(r));
      while (this.finished.length > 0) {
        const batch = this.finished.splice(0, MAX_RECORD_BATCH);
        for (let tries = 1; ; tries++) {
          try {
            await this.store.recordAttempts(batch, this.opts.disableAfter);
            break;
          } catch (err) {
            if (tries >= 3) {
              this.logger.warn({ err, deliveries: batch.length }, 'recording webhook attempts failed; their leases will bring them back');
              break;
            }
            await new Promise((r) => setTimeout(r, 100 * tries));
          }
        }
        this.wake?.();
      }
    } finally {
      this.recording = undefined;
    }
  }
}
