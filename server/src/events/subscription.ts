import { comparePositions, formatPosition, type Position } from './event-position.js';
import type { EventSelector, StoredLiveEvent } from './events-store.js';

/** One event on its way to subscribers, serialized at most once per transport however many there are. */
export class OutgoingEvent {
  /** The opaque position clients see (SSE `id`, `position`). */
  readonly id: string;
  private sse?: string;
  private json?: string;

  constructor(readonly stored: StoredLiveEvent) {
    this.id = formatPosition(stored.position);
  }

  get position(): Position {
    return this.stored.position;
  }

  /** The event as the JSON list and the WebSocket carry it. */
  toJSON() {
    const { body, room } = this.stored;
    return { position: this.id, id: body.id, type: this.stored.type, room, createdAt: body.createdAt, data: body.data };
  }

  /** One SSE frame: the body webhooks get as `data`. */
  get sseFrame(): string {
    return (this.sse ??= `id: ${this.id}\nevent: ${this.stored.type}\ndata: ${JSON.stringify(this.stored.body)}\n\n`);
  }

  /** One WebSocket message. */
  get jsonMessage(): string {
    return (this.json ??= JSON.stringify(this.toJSON()));
  }
}

/** Why the server ends a stream. */
export type CloseReason = 'shutdown' | 'too-slow' | 'error';

/** Where a subscription writes: an SSE response or a WebSocket. */
export interface EventSink {
  /** Writes one event; never throws. */
  write(event: OutgoingEvent): void;
  /** Bytes written that the client has not taken yet. */
  readonly buffered: number;
  /** Resolves once the client has taken what is buffered, or the stream closed. */
  drained(): Promise<void>;
  /** Ends the stream from the server side. */
  close(reason: CloseReason): void;
  readonly closed: boolean;
}

/** A selector compiled for the hub's per-event test. */
export class Selector {
  private readonly rooms?: ReadonlySet<string>;
  private readonly types?: ReadonlySet<string>;

  constructor(readonly spec: EventSelector) {
    if (spec.rooms?.length) this.rooms = new Set(spec.rooms);
    if (spec.types?.length) this.types = new Set(spec.types);
  }

  matches(e: StoredLiveEvent): boolean {
    return (!this.rooms || (e.room !== null && this.rooms.has(e.room))) && (!this.types || this.types.has(e.type));
  }
}

/** Bytes a client may fall behind by before its stream is closed (it resumes from its last id). */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Live events held while a replay runs before the subscriber is dropped as too far behind. */
const MAX_HELD_EVENTS = 10_000;

/**
 * One client's stream. It subscribes to the hub first and holds what the hub delivers while the
 * stored events after its resume point are replayed; then it releases the held ones. Every event is
 * written only if it comes after the last one written, so the seam between replay and live neither
 * drops (the hub's events are held from before the replay starts) nor repeats (older ones are skipped).
 */
export class Subscription {
  private sink?: EventSink;
  private held: OutgoingEvent[] | undefined = [];
  private last?: Position;

  constructor(readonly selector: Selector) {}

  /** Called by the hub for every new event this subscription selects. */
  deliver(event: OutgoingEvent): void {
    if (this.held) {
      this.held.push(event);
      if (this.held.length > MAX_HELD_EVENTS) this.close('too-slow');
      return;
    }
    this.send(event);
  }

  /** Where to write from now on; until live(), only replayed events are written. */
  attach(sink: EventSink): void {
    this.sink = sink;
  }

  /** Writes a replayed (stored) event. */
  replay(stored: StoredLiveEvent): void {
    this.send(new OutgoingEvent(stored));
  }

  /** The replay is over: writes the held events that came after it, then every event as it comes. */
  live(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const e of held) this.send(e);
  }

  /** Ends the stream from the server side. */
  close(reason: CloseReason): void {
    this.sink?.close(reason);
  }

  get closed(): boolean {
    return this.sink?.closed ?? false;
  }

  private send(event: OutgoingEvent): void {
    const sink = this.sink;
    if (!sink || sink.closed) return;
    if (this.last && comparePositions(event.position, this.last) <= 0) return;
    this.last = event.position;
    sink.write(event);
    if (!this.held && sink.buffered > MAX_BUFFERED_BYTES) sink.close('too-slow');
  }
}
