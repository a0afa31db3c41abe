import type { Knex } from 'knex';
import type { Principal } from '../http/principal.js';
import type { EventSelector } from './events-store.js';

/** What a ticket stands for: who, and which events at most. */
export interface TicketGrant {
  principal: Principal;
  selector: EventSelector | null;
}

/**
 * Postgres access for WebSocket tickets: single-use, short-lived stand-ins for an API key, so that a
 * browser (which cannot set X-API-Key on a WebSocket) can open /v1/ws on any replica. Only the
 * ticket's hash is stored.
 */
export class WsTicketsStore {
  constructor(private readonly db: Knex) {}

  /** Stores a ticket; answers when it expires. */
  async create(hash: string, grant: TicketGrant, ttlSeconds: number): Promise<Date> {
    const [row] = (await this.db('ws_tickets')
      .insert({ id: hash, principal: JSON.stringify(grant.principal), selector: grant.selector && JSON.stringify(grant.selector), expires_at: this.db.raw(`now() + (? * interval '1 second')`, [ttlSeconds]) })
      .returning('expires_at')) as Array<{ expires_at: Date }>;
    return row!.expires_at;
  }

  /** Takes a ticket (it works once): what it grants, or undefined when unknown, used or expired. */
  async redeem(hash: string): Promise<TicketGrant | undefined> {
    const { rows } = (await this.db.raw('DELETE FROM ws_tickets WHERE id = ? RETURNING principal, selector, expires_at > now() AS live', [hash])) as {
      rows: Array<{ principal: Principal; selector: EventSelector | null; live: boolean }>;
    };
    const row = rows[0];
    return row?.live ? { principal: row.principal, selector: row.selector } : undefined;
  }

  /** Deletes expired tickets (the events pruner runs it). */
  async pruneExpired(): Promise<number> {
    return this.db('ws_tickets').where('expires_at', '<', this.db.fn.now()).delete();
  }
}
