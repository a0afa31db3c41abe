import type { Knex } from 'knex';

/** One row per recording, kept true by egress events and reconciled with egress at start-up. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recordings', (t) => {
    t.text('id').primary();
    t.text('room_name').notNullable();
    t.text('egress_id').unique();
    // starting → recording → stopping → completed | failed | aborted
    t.text('status').notNullable();
    t.timestamp('started_at', { useTz: true });
    t.timestamp('stop_requested_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.bigInteger('duration_ms');
    t.bigInteger('size_bytes');
    t.text('object_key').notNullable();
    t.text('bucket').notNullable();
    t.text('failure_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['room_name', 'created_at']);
    t.index(['status']);
  });
  // At most one live recording per room: concurrent starts cannot both win.
  await knex.raw(
    `CREATE UNIQUE INDEX recordings_one_active_per_room ON recordings (room_name) WHERE status IN ('starting', 'recording')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('recordings');
}
