import type { Knex } from 'knex';

/** Scoped API keys (stored as hashes only) and their request counts by day and status class. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.text('id').primary();
    // The public part of the key's text (rtc_live_<lookup_id>_<secret>): a request finds its row by it, never by a scan.
    t.text('lookup_id').notNullable().unique();
    t.text('name').notNullable();
    t.specificType('scopes', 'text[]').notNullable();
    // sha256 of the whole key; the plaintext is never stored.
    t.binary('secret_hash').notNullable();
    // The secret a rotation replaced, accepted until previous_expires_at (the grace period).
    t.binary('previous_secret_hash');
    t.timestamp('previous_expires_at', { useTz: true });
    // Null: the configured default rate limit applies.
    t.integer('rate_limit_per_minute');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // The key id (or `bootstrap`) that created it; not a foreign key, since the bootstrap key has no row.
    t.text('created_by').notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    // Keyset pagination of the list, newest first.
    t.index(['created_at', 'id']);
  });
  await knex.schema.createTable('api_key_usage', (t) => {
    t.text('key_id').notNullable().references('api_keys.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.text('status_class').notNullable();
    t.bigInteger('count').notNullable();
    t.primary(['key_id', 'day', 'status_class']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_key_usage');
  await knex.schema.dropTable('api_keys');
}
