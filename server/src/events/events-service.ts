import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { pageOf, type Page } from '../http/pagination.js';
import { ForbiddenError } from '../http/errors.js';
import type { Principal } from '../http/principal.js';
import type { EventHub } from './event-hub.js';
import { START, type Position } from './event-position.js';
import type { EventSelector, EventsStore } from './events-store.js';
import { MAX_BUFFERED_BYTES, OutgoingEvent, Selector, Subscription, type EventSink } from './subscription.js';
import type { TicketGrant, WsTicketsStore } from './ws-tickets-store.js';

/** Retention, keepalive and ticket settings. */
export interface LiveEventsOptions {
  retentionHours: number;
  pruneIntervalMs: number;
  heartbeatMs: number;
  ticketTtlSeconds: number;
}

const REPLAY_PAGE = 500;
const TICKET = /^wst_[A-Za-z0-9_-]{32}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Live events: the stored stream as a paged list, streams that replay from a position and then
 * follow the hub, WebSocket tickets, and the retention prune.
 */
export class LiveEventsService {
  private pruneTimer?: NodeJS.Timeout;
  private pruning?: Promise<unknown>;

  constructor(
    private readonly store: EventsStore,
    private readonly tickets: WsTicketsStore,
    private readonly hub: EventHub,
    readonly opts: LiveEventsOptions,
    private readonly logger: Logger,
  ) {}

  /** One page of stored events after `after`, oldest first. */
  async list(selector: EventSelector, after: Position | undefined, limit: number): Promise<Page<ReturnType<OutgoingEvent['toJSON']>>> {
    const rows = await this.store.settledAfter(after ?? START, selector, limit + 1);
    return pageOf(
      rows.map((r) => new OutgoingEvent(r).toJSON()),
      limit,
      (last) => ({ after: last.position }),
    );
  }

  /**
   * Opens a stream: subscribes to the hub (holding live events), lets the transport answer
   * (`connect`), replays the stored events after `after`, then goes live. Rejects before `connect`
   * when the database cannot be read, so the transport can still answer an error.
   */
  async open(selector: EventSelector, after: Position | undefined, connect: (sub: Subscription) => EventSink | Promise<EventSink>): Promise<Subscription> {
    const sub = new Subscription(new Selector(selector));
    await this.hub.subscribe(sub);
    let sink: EventSink;
    try {
      sink = await connect(sub);
    } catch (err) {
      this.hub.unsubscribe(sub);
      throw err;
    }
    sub.attach(sink);
    try {
      if (after) await this.replay(sub, sink, selector, after);
      sub.live();
    } catch (err) {
      this.logger.warn({ err }, 'replaying stored events failed; closing the stream (the client resumes from its last id)');
      sub.close('error');
    }
    return sub;
  }

  /** The transport's stream ended (client gone, or closed by us). */
  close(sub: Subscription): void {
    this.hub.unsubscribe(sub);
  }

  /** Ends every stream on this replica (shutdown). */
  closeStreams(): void {
    this.hub.closeAll();
  }

  /**
   * A single-use ticket that opens /v1/ws as `principal` within ticketTtlSeconds, on any replica;
   * limited to the rooms and types of `limit` when given (a backend hands a browser only its room).
   */
  async issueTicket(principal: Principal, limit: EventSelector | null): Promise<{ ticket: string; expiresAt: string }> {
    const ticket = `wst_${randomBytes(24).toString('base64url')}`;
    const expiresAt = await this.tickets.create(sha256(ticket), { principal, selector: limit }, this.opts.ticketTtlSeconds);
    return { ticket, expiresAt: expiresAt.toISOString() };
  }

  /** Takes a ticket: what it was issued for, or undefined when unknown, used or expired. */
  async redeemTicket(ticket: string): Promise<TicketGrant | undefined> {
    if (!TICKET.test(ticket)) return undefined;
    return this.tickets.redeem(sha256(ticket));
  }

  /** Prunes every pruneIntervalMs (one replica at a time does the work). */
  start(): void {
    if (this.pruneTimer) return;
    this.pruneTimer = setInterval(() => void this.prune(), this.opts.pruneIntervalMs);
    this.pruneTimer.unref();
  }

  /** Deletes events past retention and expired tickets; never throws. Resolves to the events deleted (undefined: another replica was pruning). */
  prune(): Promise<number | undefined> {
    const run = (async () => {
      try {
        const deleted = await this.store.prune(this.opts.retentionHours);
        await this.tickets.pruneExpired();
        if (deleted) this.logger.info({ deleted, retentionHours: this.opts.retentionHours }, 'pruned live events past retention');
        return deleted;
      } catch (err) {
        this.logger.warn({ err }, 'pruning live events failed; retrying on the next round');
        return undefined;
      }
    })();
    this.pruning = run;
    return run;
  }

  /** Stops pruning and the hub, ending every stream. */
  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
    await this.pruning;
    await this.hub.stop();
  }

  private async replay(sub: Subscription, sink: EventSink, selector: EventSelector, after: Position): Promise<void> {
    let from = after;
    for (;;) {
      const page = await this.store.settledAfter(from, selector, REPLAY_PAGE);
      for (const e of page) sub.replay(e);
      if (page.length < REPLAY_PAGE || sink.closed) return;
      from = page[page.length - 1]!.position;
      // A long backlog is written as fast as the client takes it, not all into memory at once.
      if (sink.buffered > MAX_BUFFERED_BYTES / 2) await sink.drained();
    }
  }
}

/** What a connection reads: the rooms and types it asked for, within those its ticket allows (403 beyond them). */
export function withinLimit(asked: EventSelector, limit: EventSelector | null): EventSelector {
  if (!limit) return asked;
  return { rooms: within('rooms', asked.rooms, limit.rooms), types: within('types', asked.types, limit.types) };
}

function within(what: string, asked: readonly string[] | undefined, allowed: readonly string[] | undefined): readonly string[] | undefined {
  if (!allowed?.length) return asked;
  if (!asked?.length) return allowed;
  const outside = asked.filter((v) => !allowed.includes(v));
  if (outside.length > 0) throw new ForbiddenError(`This ticket is limited to the ${what} ${allowed.join(', ')}; ${outside.join(', ')} is not among them`);
  return asked;
}
