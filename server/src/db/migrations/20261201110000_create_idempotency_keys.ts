import type { Knex } from 'knex';

/**
 * Idempotency keys: one row per (API key, Idempotency-Key), holding the request it was first used
 * for and, once that finished, the response to replay. The Idempotency-Key itself is not stored,
 * only its SHA-256, and the response body is sealed with a key derived from it (responses can carry
 * secrets shown once, such as a new API key or a webhook's signing secret).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_keys', (t) => {
    // The principal's key id (`bootstrap` for API_SECRET): two API keys never share a row.
    t.text('key_id').notNullable();
    t.text('key_hash').notNullable();
    // The request's fingerprint: a replay must match all three.
    t.text('request_method').notNullable();
    t.text('request_path').notNullable();
    t.text('body_sha256').notNullable();
    // in_flight → completed; a failed request deletes its row, so a retry does the work.
    t.text('state').notNullable();
    // Which claim owns the row: a request that outlived its lock must not overwrite its successor.
    t.text('claim_id').notNullable();
    t.integer('response_status');
    t.jsonb('response_headers');
    t.binary('response_body');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true }).notNullable();
    // An in-flight row whose lock has passed belongs to a request that crashed: a retry may take it over.
    t.timestamp('locked_until', { useTz: true });
    t.primary(['key_id', 'key_hash']);
    t.index(['expires_at']);
  });
  await knex.raw(`ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_state CHECK (state IN ('in_flight', 'completed'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('idempotency_keys');
}
