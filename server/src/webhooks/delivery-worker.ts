import pg from 'pg';
import type { Logger } from 'pino';
import { destinationProblem } from './destination-guard.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook } from './signature.js';
import type { Delivery, WebhooksStore } from './webhooks-store.js';

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

/**
 * Sends the outbox: claims due deliveries (SKIP LOCKED, so replicas share the work), signs and
 * POSTs them, retries 5xx and network errors with backoff, gives up on 4xx. Woken at once by
 * NOTIFY when deliveries are queued, and polls as a fallback.
 */
export class DeliveryWorker {
  private running = false;
  private wake?: () => void;
  private listener?: pg.Client;
  private loop?: Promise<void>;

  constructor(
    private readonly store: WebhooksStore,
    private readonly opts: DeliveryOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.listener = new pg.Client({ connectionString: this.opts.databaseUrl });
      this.listener.on('notification', () => this.wake?.());
      this.listener.on('error', (err) => this.logger.warn({ err }, 'webhook LISTEN connection failed; polling only'));
      await this.listener.connect();
      await this.listener.query('LISTEN rtcstack_webhook_deliveries');
    } catch (err) {
      this.logger.warn({ err }, 'webhook LISTEN unavailable; polling only');
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        const batch = await this.store.claimDue(this.opts.concurrency, this.opts.timeoutMs * 3);
        claimed = batch.length;
        await Promise.all(batch.map((d) => this.deliver(d)));
      } catch (err) {
        this.logger.warn({ err }, 'webhook delivery round failed; retrying');
      }
      if (claimed === 0 && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.opts.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  private async deliver(d: Delivery & { url: string; secret: string }): Promise<void> {
    const result = await attemptDelivery(d.url, d.secret, { id: d.eventId, type: d.eventType, deliveryId: d.id, body: JSON.stringify(d.body) }, this.opts);
    const code = result.statusCode;
    let next: { status: 'succeeded' | 'failed' | 'pending'; retryInMs?: number };
    if (code !== null && code >= 200 && code < 300) next = { status: 'succeeded' };
    else if (code !== null && code >= 400 && code < 500 && code !== 408 && code !== 429) next = { status: 'failed' };
    else if (result.error?.startsWith('destination refused')) next = { status: 'failed' };
    else if (d.attempts >= this.opts.maxAttempts) next = { status: 'failed' };
    else next = { status: 'pending', retryInMs: retryDelayMs(d.attempts, this.opts.retryBaseMs, this.opts.retryMaxMs) };
    await this.store.recordAttempt(d, result, next, this.opts.disableAfter);
  }
}
