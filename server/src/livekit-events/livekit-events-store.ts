import type { WebhookEvent } from 'livekit-server-sdk';
import type { Knex } from 'knex';
import { catalogueType } from './event-catalogue.js';

/** A stored LiveKit event. */
export interface StoredEvent {
  id: string;
  event: string;
  type: string | null;
  roomName: string | null;
  participantIdentity: string | null;
  occurredAt: string | null;
  payload: Record<string, unknown>;
}

interface EventRow {
  id: string;
  event: string;
  type: string | null;
  room_name: string | null;
  participant_identity: string | null;
  occurred_at: Date | null;
  payload: Record<string, unknown>;
}

/** Postgres access for received LiveKit events; storing is idempotent by event id. */
export class LiveKitEventsStore {
  constructor(private readonly db: Knex) {}

  /** Stores the event unless one with its id is already stored; true when it was new. */
  async insertIfNew(e: WebhookEvent, trx: Knex = this.db): Promise<boolean> {
    const rows = await trx<EventRow>('livekit_events')
      .insert({
        id: e.id,
        event: e.event,
        type: catalogueType(e.event) ?? null,
        room_name: e.room?.name || e.egressInfo?.roomName || e.ingressInfo?.roomName || null,
        participant_identity: e.participant?.identity || null,
        occurred_at: e.createdAt > 0n ? new Date(Number(e.createdAt) * 1000) : null,
        payload: e.toJson() as Record<string, unknown>,
      })
      .onConflict('id')
      .ignore()
      .returning('id');
    return rows.length > 0;
  }

  /** Events of a room, oldest first. */
  async listForRoom(roomName: string): Promise<StoredEvent[]> {
    const rows = await this.db<EventRow>('livekit_events').where({ room_name: roomName }).orderBy('received_at', 'asc');
    return rows.map((r) => ({
      id: r.id,
      event: r.event,
      type: r.type,
      roomName: r.room_name,
      participantIdentity: r.participant_identity,
      occurredAt: r.occurred_at?.toISOString() ?? null,
      payload: r.payload,
    }));
  }
}
