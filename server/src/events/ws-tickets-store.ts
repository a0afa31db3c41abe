import type { Knex } from 'knex';
import type { Principal } from '../http/principal.js';

/**
 * Postgres access for WebSocket tickets: single-use, short-lived stand-ins for an API key, so that a
 * browser (which cannot set X-API-Key on a WebSocket) can open /v1/ws on any replica. Only the
 * ticket's hash is stored.
 */
export class WsTicketsStore {
  constructor(private readonly db: Knex) {}

  /** Stores a ticket for `principal`; answers when it expires. */
  async create(hash: string, principal: Principal, ttlSeconds: number): Promise<Date> {
    const [row] = (await this.db('ws_tickets')
      .insert({ id: hash, principal: JSON.stringify(principal), expires_at: this.db.raw(`now() + (? * interval '1 second')`, [ttlSeconds]) })
      .returning('expires_at')) as Array<{ expires_at: Date }>;
    return row!.expires_at;
  }

  /** Takes a ticket (it works once): its principal, or undefined when unknown, used or expired. */
  async redeem(hash: string): Promise<Principal | undefined> {
    const { rows } = (await this.db.raw('DELETE FROM ws_tickets WHERE id = ? RETURNING principal, expires_at > now() AS live', [hash])) as {
      rows: Array<{ principal: Principal; live: boolean }>;
    };
    const row = rows[0];
    return row?.live ? row.principal : undefined;
  }

  /** Deletes expired tickets (the events pruner runs it). */
  async pruneExpired(): Promise<number> {
    return this.db('ws_tickets').where('expires_at', '<', this.db.fn.now()).delete();
  }
}
