import type { Knex } from 'knex';

/**
 * Live events: every event webhooks carry, kept for a while so that streams can resume from a
 * position; and the single-use tickets a browser opens /v1/ws with.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('seq', { primaryKey: true });
    // The writing transaction's id. A stream is read in (xid, seq) order, and only up to the oldest
    // transaction still running: seq alone is handed out at insert, not at commit, so a reader
    // following seq would step over a row whose transaction commits late (see events/event-position.ts).
    t.specificType('xid', 'xid8').notNullable().defaultTo(knex.raw('pg_current_xact_id()'));
    t.text('event_id').notNullable().unique();
    t.text('type').notNullable();
    t.text('room_name');
    // The body webhooks get: { id, type, createdAt, data }.
    t.jsonb('body').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['xid', 'seq']);
    t.index(['room_name', 'xid', 'seq']);
    t.index(['type', 'xid', 'seq']);
    t.index(['created_at']);
  });
  await knex.schema.createTable('ws_tickets', (t) => {
    // sha256 of the ticket: a leaked table grants nothing.
    t.text('id').primary();
    t.jsonb('principal').notNullable();
    // The rooms and types the ticket is limited to ({ rooms?, types? }); null: whatever the key may read.
    t.jsonb('selector');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ws_tickets');
  await knex.schema.dropTable('events');
}
