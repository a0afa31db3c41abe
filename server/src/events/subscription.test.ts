import { describe, expect, it } from 'vitest';
import { comparePositions, formatPosition, parsePosition } from './event-position.js';
import { roomOf, type StoredLiveEvent } from './events-store.js';
import { MAX_BUFFERED_BYTES, OutgoingEvent, Selector, Subscription, type CloseReason, type EventSink } from './subscription.js';

const stored = (xid: number, seq: number, over: Partial<StoredLiveEvent> = {}): StoredLiveEvent => ({
  position: { xid: BigInt(xid), seq: BigInt(seq) },
  type: 'room_created',
  room: 'r1',
  body: { id: `EV_${seq}`, type: 'room_created', createdAt: '2026-12-01T12:00:00.000Z', data: { room: { name: 'r1' } } },
  ...over,
});

/** A sink that keeps what it is given. */
class MemorySink implements EventSink {
  written: string[] = [];
  closedWith?: CloseReason;
  buffered = 0;
  write(e: OutgoingEvent) {
    this.written.push(e.id);
  }
  drained() {
    return Promise.resolve();
  }
  close(reason: CloseReason) {
    this.closedWith = reason;
  }
  get closed() {
    return this.closedWith !== undefined;
  }
}

describe('event positions', () => {
  it('round-trip, refuse what is not one, and order by transaction then seq', () => {
    expect(parsePosition(formatPosition({ xid: 981n, seq: 12n }))).toEqual({ xid: 981n, seq: 12n });
    for (const bad of ['', '12', 'a-b', '1-2-3', '-1-2', `${'9'.repeat(21)}-1`]) expect(parsePosition(bad)).toBeUndefined();
    // A later transaction's event comes after, even with a lower seq (it took its seq first but committed later).
    expect(comparePositions({ xid: 101n, seq: 10n }, { xid: 100n, seq: 11n })).toBeGreaterThan(0);
    expect(comparePositions({ xid: 100n, seq: 10n }, { xid: 100n, seq: 11n })).toBeLessThan(0);
    expect(comparePositions({ xid: 7n, seq: 7n }, { xid: 7n, seq: 7n })).toBe(0);
  });
});

describe('roomOf', () => {
  it('finds the room of LiveKit room, egress and ingress events and of rtcstack events', () => {
    expect(roomOf({ room: { name: 'a' }, participant: { identity: 'x' } })).toBe('a');
    expect(roomOf({ egressInfo: { roomName: 'b' } })).toBe('b');
    expect(roomOf({ ingressInfo: { roomName: 'c' } })).toBe('c');
    expect(roomOf({ transcriptionId: 'tr_1', roomId: 'd' })).toBe('d');
    expect(roomOf({ room: { name: '' } })).toBeNull();
  });
});

describe('Subscription', () => {
  it('holds live events during the replay, then writes those after it: nothing lost or repeated at the seam', () => {
    const sub = new Subscription(new Selector({}));
    const sink = new MemorySink();
    // The hub delivers 2-2 and 3-3 while the replay is still reading (they were committed meanwhile).
    sub.deliver(new OutgoingEvent(stored(2, 2)));
    sub.deliver(new OutgoingEvent(stored(3, 3)));
    sub.attach(sink);
    for (const e of [stored(1, 1), stored(2, 2)]) sub.replay(e);
    expect(sink.written).toEqual(['1-1', '2-2']);
    sub.live();
    expect(sink.written).toEqual(['1-1', '2-2', '3-3']);
    sub.deliver(new OutgoingEvent(stored(3, 3))); // a repeat (a second wake-up over the same rows) is dropped
    sub.deliver(new OutgoingEvent(stored(4, 9)));
    expect(sink.written).toEqual(['1-1', '2-2', '3-3', '4-9']);
  });

  it('closes a subscriber that falls too far behind instead of buffering without bound', () => {
    const sub = new Subscription(new Selector({}));
    const sink = new MemorySink();
    sub.attach(sink);
    sub.live();
    sink.buffered = MAX_BUFFERED_BYTES + 1;
    sub.deliver(new OutgoingEvent(stored(1, 1)));
    expect(sink.closedWith).toBe('too-slow');
  });

  it('selects by room and type', () => {
    const s = new Selector({ rooms: ['r1'], types: ['participant_joined'] });
    expect(s.matches(stored(1, 1, { type: 'participant_joined' }))).toBe(true);
    expect(s.matches(stored(1, 1, { type: 'room_created' }))).toBe(false);
    expect(s.matches(stored(1, 1, { type: 'participant_joined', room: 'r2' }))).toBe(false);
    expect(s.matches(stored(1, 1, { type: 'participant_joined', room: null }))).toBe(false);
    expect(new Selector({}).matches(stored(1, 1, { room: null }))).toBe(true);
  });

  it('frames SSE with the webhook body as data, and WebSocket messages with position and room', () => {
    const e = new OutgoingEvent(stored(5, 6));
    expect(e.sseFrame).toBe(`id: 5-6\nevent: room_created\ndata: ${JSON.stringify(stored(5, 6).body)}\n\n`);
    expect(JSON.parse(e.jsonMessage)).toEqual({ position: '5-6', id: 'EV_6', type: 'room_created', room: 'r1', createdAt: '2026-12-01T12:00:00.000Z', data: { room: { name: 'r1' } } });
  });
});
