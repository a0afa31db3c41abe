import type { Knex } from 'knex';
import type { EventType } from '../livekit-events/event-catalogue.js';
import { START, type Position } from './event-position.js';

/** The body of an event, exactly as webhooks carry it. */
export interface EventBody {
  id: string;
  type: EventType;
  createdAt: string;
  data: Record<string, unknown>;
}

/** A stored event and where it sits in the stream. */
export interface StoredLiveEvent {
  position: Position;
  type: EventType;
  room: string | null;
  body: EventBody;
}

/** Which events a reader wants: any of `rooms` (by name) and any of `types`; empty or absent means all. */
export interface EventSelector {
  rooms?: readonly string[];
  types?: readonly string[];
}

/** The channel a replica NOTIFYs after it committed events, so that the others read them at once. */
export const EVENTS_CHANNEL = 'rtcstack_events';

/**
 * The oldest transaction of this database that was still running when the statement's snapshot was
 * taken (the snapshot's xmax when there is none): every row whose xid is below it is committed and
 * visible, or never will be, so a reader can move past it. Transactions of other databases on the
 * same server cannot write here: they are left out, so that a long one there does not hold events
 * back. (One whose database cannot be told, e.g. without the privilege to see it, counts as ours.)
 */
const HORIZON = `(SELECT COALESCE(min(x), pg_snapshot_xmax(pg_current_snapshot()))
    FROM pg_snapshot_xip(pg_current_snapshot()) AS x
   WHERE x::xid NOT IN (SELECT backend_xid FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()))`;

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The room an event concerns: LiveKit's room (or an egress's or ingress's), or `roomId` in rtcstack's own events. */
export function roomOf(data: Record<string, unknown>): string | null {
  const d = data as { room?: { name?: unknown }; egressInfo?: { roomName?: unknown }; ingressInfo?: { roomName?: unknown }; roomId?: unknown };
  return text(d.room?.name) ?? text(d.egressInfo?.roomName) ?? text(d.ingressInfo?.roomName) ?? text(d.roomId) ?? null;
}

type Row = { xid: string; seq: string; type: EventType; room_name: string | null; body: EventBody };
const toEvent = (r: Row): StoredLiveEvent => ({ position: { xid: BigInt(r.xid), seq: BigInt(r.seq) }, type: r.type, room: r.room_name, body: r.body });

/** Postgres access for the stored event stream. */
export class EventsStore {
  /** `onCommitted` runs once the transaction that appended an event has committed (not on rollback). */
  constructor(
    private readonly db: Knex,
    private readonly onCommitted?: () => void,
  ) {}

  /**
   * Stores an event unless its id is already stored (LiveKit redelivers); true when it was new.
   * Call it on a store bound to the transaction that records the event's cause.
   */
  async append(event: { id: string; type: string; body: Record<string, unknown> }): Promise<boolean> {
    const data = (event.body.data ?? {}) as Record<string, unknown>;
    const rows = await this.db('events')
      .insert({ event_id: event.id, type: event.type, room_name: roomOf(data), body: event.body })
      .onConflict('event_id')
      .ignore()
      .returning('seq');
    const announce = this.onCommitted;
    if (rows.length > 0 && announce) {
      if (this.db.isTransaction) (this.db as Knex.Transaction).executionPromise.then(() => announce(), () => undefined);
      else announce();
    }
    return rows.length > 0;
  }

  /** Up to `limit` settled events after `after` that `sel` selects, in stream order (replays, the JSON list). */
  async settledAfter(after: Position, sel: EventSelector, limit: number): Promise<StoredLiveEvent[]> {
    const q = this.db<Row>('events')
      .select('xid', 'seq', 'type', 'room_name', 'body')
      .whereRaw('(xid, seq) > (?::xid8, ?::bigint)', [after.xid.toString(), after.seq.toString()])
      .whereRaw(`xid < ${HORIZON}`)
      .orderBy([{ column: 'xid' }, { column: 'seq' }])
      .limit(limit);
    if (sel.rooms?.length) q.whereIn('room_name', [...sel.rooms]);
    if (sel.types?.length) q.whereIn('type', [...sel.types]);
    return ((await q) as Row[]).map(toEvent);
  }

  /**
   * Every event after `after` (the hub's read, one per wake-up): the settled ones in stream order,
   * whether committed ones are still waiting for an older transaction to end (`pending`), and
   * whether the batch was full (`more`).
   */
  async since(after: Position, limit: number): Promise<{ events: StoredLiveEvent[]; pending: boolean; more: boolean }> {
    const rows = (await this.db('events')
      .select('xid', 'seq', 'type', 'room_name', 'body', this.db.raw(`xid < ${HORIZON} AS settled`))
      .whereRaw('(xid, seq) > (?::xid8, ?::bigint)', [after.xid.toString(), after.seq.toString()])
      .orderBy([{ column: 'xid' }, { column: 'seq' }])
      .limit(limit)) as Array<Row & { settled: boolean }>;
    // Ordered by xid, so the settled rows come first.
    const settled = rows.filter((r) => r.settled);
    return { events: settled.map(toEvent), pending: settled.length < rows.length, more: rows.length === limit && settled.length === rows.length };
  }

  /** The position of the last settled event (START when there is none): where a live-only reader begins. */
  async settledEnd(): Promise<Position> {
    const r = (await this.db('events')
      .select('xid', 'seq')
      .whereRaw(`xid < ${HORIZON}`)
      .orderBy([{ column: 'xid', order: 'desc' }, { column: 'seq', order: 'desc' }])
      .first()) as Pick<Row, 'xid' | 'seq'> | undefined;
    return r ? { xid: BigInt(r.xid), seq: BigInt(r.seq) } : START;
  }

  /** Wakes every replica's hub. Sent after the commit, on its own: a NOTIFY inside the writing transaction would serialize every writer's commit. */
  async notify(): Promise<void> {
    await this.db.raw(`NOTIFY ${EVENTS_CHANNEL}`);
  }

  /**
   * Deletes events older than `retentionHours`, in batches. Only one replica prunes at a time (an
   * advisory lock; the others skip): undefined when another held it.
   */
  async prune(retentionHours: number, batch = 5000): Promise<number | undefined> {
    let total = 0;
    for (;;) {
      const deleted = await this.db.transaction(async (trx) => {
        const { rows } = (await trx.raw(`SELECT pg_try_advisory_xact_lock(hashtext('rtcstack:events:prune')) AS got`)) as { rows: Array<{ got: boolean }> };
        if (!rows[0]?.got) return undefined;
        const old = trx('events').select('seq').where('created_at', '<', trx.raw(`now() - (? * interval '1 hour')`, [retentionHours])).limit(batch);
        return trx('events').whereIn('seq', old).delete();
      });
      if (deleted === undefined) return total === 0 ? undefined : total;
      total += deleted;
      if (deleted < batch) return total;
    }
  }
}
