import type { Knex } from 'knex';

/**
 * Transcriptions, live (stt-live, per room) and post-call (stt-post, per recording), and their
 * segments. Both kinds share one table so that ids, segment storage and exports are one thing.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('transcriptions', (t) => {
    t.text('id').primary();
    t.text('kind').notNullable(); // live | post
    t.text('room_name');
    t.text('recording_id').references('id').inTable('recordings').onDelete('SET NULL');
    // live: active → stopped | failed; post: queued → processing → completed | failed
    t.text('status').notNullable();
    t.text('language').notNullable();
    t.jsonb('options').notNullable().defaultTo('{}');
    // Speaker map: track sid, participant sid or identity → display name.
    t.jsonb('participants').notNullable().defaultTo('{}');
    t.text('failure_reason');
    t.double('progress');
    // post: the pg-boss job that carries it to stt-post
    t.text('job_id');
    t.timestamp('started_at', { useTz: true });
    t.timestamp('stopped_at', { useTz: true });
    t.timestamp('completed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['room_name', 'created_at']);
    t.index(['recording_id']);
    t.index(['kind', 'status']);
  });
  // One live transcription per room at a time, so concurrent starts cannot both win.
  await knex.raw(`CREATE UNIQUE INDEX transcriptions_one_live_per_room ON transcriptions (room_name) WHERE kind = 'live' AND status = 'active'`);
  // One post-call transcription running per recording at a time (a second request is a 409).
  await knex.raw(`CREATE UNIQUE INDEX transcriptions_one_running_per_recording ON transcriptions (recording_id) WHERE kind = 'post' AND status IN ('queued', 'processing')`);

  await knex.schema.createTable('transcription_segments', (t) => {
    t.bigIncrements('id').primary();
    t.text('transcription_id').notNullable().references('id').inTable('transcriptions').onDelete('CASCADE');
    // The producer's own id for the segment, so a retried delivery is stored once.
    t.text('segment_key').notNullable();
    t.text('speaker_identity');
    t.text('speaker_name');
    t.text('track_sid');
    t.text('text').notNullable();
    t.text('language');
    t.timestamp('start_at', { useTz: true }).notNullable();
    t.timestamp('end_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['transcription_id', 'segment_key']);
    t.index(['transcription_id', 'start_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('transcription_segments');
  await knex.schema.dropTable('transcriptions');
}
