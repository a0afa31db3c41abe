import type { Knex } from 'knex';

/** Moderation and room actions taken through the API: who did what to whom, and how it went. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // Insertion order, for stable keyset pagination (timestamps can tie).
    t.bigIncrements('seq', { primaryKey: false }).unique();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('action').notNullable();
    t.text('room_name').notNullable();
    t.text('participant_identity');
    t.text('actor').notNullable();
    t.text('outcome').notNullable().defaultTo('pending');
    t.text('request_id');
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.index(['room_name', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
