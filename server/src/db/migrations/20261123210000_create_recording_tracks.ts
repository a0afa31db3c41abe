import type { Knex } from 'knex';

/**
 * Per-participant audio of a recording (`perParticipantAudio`): one track egress per microphone,
 * each its own file, so a post-call transcription knows who said what without diarization.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recording_tracks', (t) => {
    t.text('egress_id').primary();
    t.text('recording_id').notNullable().references('id').inTable('recordings').onDelete('CASCADE');
    t.text('participant_identity').notNullable();
    t.text('participant_name');
    t.text('track_sid').notNullable();
    t.text('object_key').notNullable();
    // starting → recording → completed | failed (egress events keep it true, as for recordings)
    t.text('status').notNullable();
    t.timestamp('started_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.text('failure_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['recording_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('recording_tracks');
}
