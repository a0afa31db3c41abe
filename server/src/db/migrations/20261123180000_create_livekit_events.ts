import type { Knex } from 'knex';

/** Every event livekit-server, egress and ingress reported, stored once by its id. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('livekit_events', (t) => {
    t.text('id').primary();
    // LiveKit's own name (room_started, egress_ended…) and the API catalogue's (room_created, recording_stopped…).
    t.text('event').notNullable();
    t.text('type');
    t.text('room_name');
    t.text('participant_identity');
    t.timestamp('occurred_at', { useTz: true });
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('payload').notNullable();
    t.index(['room_name', 'received_at']);
    t.index(['type', 'received_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('livekit_events');
}
