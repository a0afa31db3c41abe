import pg from 'pg';
import type { Logger } from 'pino';
import type { Position } from './event-position.js';
import { EVENTS_CHANNEL, type EventsStore } from './events-store.js';
import { OutgoingEvent, type Subscription } from './subscription.js';

/** How the hub reads and wakes. */
export interface EventHubOptions {
  databaseUrl: string;
  /** Safety net: how often it reads even when no notification came (a lost NOTIFY costs at most this). */
  pollMs: number;
  /** Rows per read. */
  batchSize?: number;
}

// Committed events waiting behind an older open transaction are read again after this, doubling up to pollMs.
const SETTLE_RETRY_MS = 5;

/**
 * One per replica: fans new events out to this replica's subscribers. Woken by NOTIFY (from any
 * replica, after its commit), by a local commit, and by a poll, it reads the rows after its position
 * once per wake-up — one query however many subscribers — and hands each event to the subscribers
 * that select it. Since it always reads from its position, a lost notification only delays events.
 * Idle (no subscribers) it reads nothing, and starts again from the end when one arrives.
 */
export class EventHub {
  private readonly subscribers = new Set<Subscription>();
  private readonly batchSize: number;
  private cursor?: Position;
  /** Bumped when the hub goes idle, so that a read begun before does not move the new cursor. */
  private epoch = 0;
  private initializing?: Promise<void>;
  private reading?: Promise<void>;
  private readAgain = false;
  private pollTimer?: NodeJS.Timeout;
  private settleTimer?: NodeJS.Timeout;
  private settleDelayMs = SETTLE_RETRY_MS;
  private listener?: pg.Client;
  private connecting?: Promise<void>;
  private notifying = false;
  private notifyAgain = false;
  private stopped = false;

  constructor(
    private readonly store: EventsStore,
    private readonly opts: EventHubOptions,
    private readonly logger: Logger,
  ) {
    this.batchSize = opts.batchSize ?? 500;
  }

  /** Subscribers on this replica. */
  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Adds a subscriber; resolves once the hub knows its position, so every event committed after
   * that reaches it. Rejects (and drops it) when the database cannot be read.
   */
  async subscribe(sub: Subscription): Promise<void> {
    if (this.stopped) throw new Error('the event hub is stopped');
    this.subscribers.add(sub);
    this.activate();
    try {
      while (!this.cursor && this.subscribers.has(sub)) await this.initCursor();
    } catch (err) {
      this.unsubscribe(sub);
      throw err;
    }
  }

  unsubscribe(sub: Subscription): void {
    if (!this.subscribers.delete(sub) || this.subscribers.size > 0) return;
    // Idle: forget the position (a subscriber arriving later starts from the end then) and stop polling.
    this.epoch += 1;
    this.cursor = undefined;
    clearInterval(this.pollTimer);
    clearTimeout(this.settleTimer);
    this.pollTimer = this.settleTimer = undefined;
  }

  /** Reads new events now (a NOTIFY came, or this replica just committed one). */
  wake(): void {
    if (this.stopped || this.subscribers.size === 0) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.drain().finally(() => (this.reading = undefined));
  }

  /**
   * Called after this replica committed events: wakes its own hub at once and every replica's
   * through NOTIFY. Notifications are coalesced (one in flight, one more queued behind it), and the
   * queued one is sent after the commits that asked for it, so no commit goes unannounced.
   */
  announce(): void {
    this.wake();
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    this.store
      .notify()
      .catch((err: unknown) => this.logger.debug({ err }, 'NOTIFY for live events failed; other replicas catch up on their poll'))
      .finally(() => {
        this.notifying = false;
        if (this.notifyAgain) {
          this.notifyAgain = false;
          this.announce();
        }
      });
  }

  /** Ends every subscriber's stream (shutdown: clients resume on another replica from their last id). */
  closeAll(): void {
    for (const sub of [...this.subscribers]) sub.close('shutdown');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closeAll();
    for (const sub of [...this.subscribers]) this.unsubscribe(sub);
    await this.reading?.catch(() => undefined);
    await this.connecting;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private activate(): void {
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => {
        if (!this.listener) this.listen();
        this.wake();
      }, this.opts.pollMs);
      this.pollTimer.unref();
    }
    if (!this.listener) this.listen();
  }

  private initCursor(): Promise<void> {
    this.initializing ??= (async () => {
      const epoch = this.epoch;
      const end = await this.store.settledEnd();
      if (!this.cursor && epoch === this.epoch) this.cursor = end;
    })().finally(() => (this.initializing = undefined));
    return this.initializing;
  }

  private async drain(): Promise<void> {
    do {
      this.readAgain = false;
      if (this.stopped || this.subscribers.size === 0) return;
      try {
        if (!this.cursor) await this.initCursor();
        const epoch = this.epoch;
        const from = this.cursor;
        if (!from) continue;
        const { events, pending, more } = await this.store.since(from, this.batchSize);
        if (epoch !== this.epoch) {
          // It went idle meanwhile, so this read belongs to no one; read again for whoever came since.
          this.readAgain = true;
          continue;
        }
        for (const stored of events) this.fanOut(new OutgoingEvent(stored));
        if (events.length > 0) this.cursor = events[events.length - 1]!.position;
        if (more) this.readAgain = true;
        else if (pending) this.settleSoon();
        else this.settleDelayMs = SETTLE_RETRY_MS;
      } catch (err) {
        this.logger.warn({ err }, 'reading live events failed; retrying on the next poll');
        return;
      }
    } while (this.readAgain);
  }

  private fanOut(event: OutgoingEvent): void {
    for (const sub of this.subscribers) {
      if (!sub.selector.matches(event.stored)) continue;
      try {
        sub.deliver(event);
      } catch (err) {
        this.logger.warn({ err }, 'a live-event subscriber failed; closing it');
        sub.close('too-slow');
      }
    }
  }

  /** Rows are committed but an older transaction is still open: read again shortly (backing off). */
  private settleSoon(): void {
    if (this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.wake();
    }, this.settleDelayMs);
    this.settleTimer.unref();
    this.settleDelayMs = Math.min(this.settleDelayMs * 2, this.opts.pollMs);
  }

  /** LISTENs on a dedicated connection; when it fails the poll still delivers, and the next poll reconnects. */
  private listen(): void {
    if (this.connecting || this.stopped) return;
    const client = new pg.Client({ connectionString: this.opts.databaseUrl, application_name: 'rtcstack-events' });
    client.on('notification', () => this.wake());
    client.on('error', (err) => {
      this.logger.warn({ err }, 'live-events LISTEN connection failed; polling until it is back');
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
    });
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${EVENTS_CHANNEL}`);
        if (this.stopped) await client.end();
        else {
          this.listener = client;
          this.wake(); // whatever was committed while it was away
        }
      } catch (err) {
        this.logger.warn({ err }, 'live-events LISTEN unavailable; polling until it is back');
        await client.end().catch(() => undefined);
      }
    })().finally(() => (this.connecting = undefined));
  }
}
